/**
 * Generated from the API's OpenAPI document by `npm run generate -w @neural-style/client`. Do not edit:
 * test/schema.test.ts fails when this file differs from a fresh generation.
 */

export interface paths {
  '/jobs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List the caller's jobs, newest first */
    get: operations['listJobs'];
    put?: never;
    /**
     * Create a style-transfer job
     * @description Answers 202 with the queued job. `Idempotency-Key` makes retries safe; `Prefer: wait=N` holds the answer up to N seconds and answers 200 if the job finished by then.
     */
    post: operations['createJob'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a job
     * @description With `Prefer: wait=N` the answer waits up to N seconds for the job to end (long polling). A queued job carries `queuePosition` and, once recent run times are known, `estimatedStartAt`.
     */
    get: operations['getJob'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Cancel a job
     * @description A queued job is removed from the queue; a running job stops at its next iteration. Canceling a canceled job answers the job again.
     */
    post: operations['cancelJob'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/{id}/output': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Download the result image */
    get: operations['getJobOutput'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/{id}/snapshots/{iteration}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Download an intermediate image */
    get: operations['getJobSnapshot'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/{id}/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Follow a job live (Server-Sent Events)
     * @description Events `position` (QueuePosition, while queued: sent at once and whenever the number of jobs ahead changes), `progress` (JobProgress), `snapshot` (JobSnapshot) and `completed` (the Job in its terminal status, after which the stream ends). A job that has already ended gets one `completed` at once.
     */
    get: operations['streamJobEvents'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/{id}/webhooks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The job's webhook delivery attempts
     * @description Every attempt to deliver each of the job’s webhook events, oldest first: the HTTP status or the error, and when the next retry is due. Empty for a job without a webhook.
     */
    get: operations['listWebhookDeliveries'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/healthz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness */
    get: operations['healthz'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/readyz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness: Redis and storage reachable */
    get: operations['readyz'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Prometheus metrics */
    get: operations['metrics'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    ProblemInput: {
      /** @description URI naming the problem kind, e.g. urn:neural-style:problem:image-invalid. */
      type: string;
      /** @description Short summary of the problem kind. */
      title: string;
      /** @description HTTP status code. */
      status: number;
      /** @description What went wrong with this request, in words a person understands. */
      detail: string;
      /**
       * @description Stable error code; the `type` URI carries the same code.
       * @enum {string}
       */
      code:
        | 'VALIDATION_FAILED'
        | 'MALFORMED_REQUEST'
        | 'INVALID_OPTIONS'
        | 'UNSUPPORTED_MEDIA_TYPE'
        | 'PAYLOAD_TOO_LARGE'
        | 'IMAGE_INVALID'
        | 'IMAGE_TOO_LARGE'
        | 'MASK_MISMATCH'
        | 'MEMORY_LIMIT'
        | 'URL_FORBIDDEN'
        | 'URL_FETCH_FAILED'
        | 'UNAUTHORIZED'
        | 'NOT_FOUND'
        | 'JOB_NOT_FINISHED'
        | 'JOB_NOT_CANCELABLE'
        | 'IDEMPOTENCY_KEY_REUSED'
        | 'IDEMPOTENCY_KEY_IN_USE'
        | 'RATE_LIMITED'
        | 'QUEUED_JOBS_LIMIT'
        | 'HIGH_PRIORITY_LIMIT'
        | 'COST_LIMIT_EXCEEDED'
        | 'URI_TOO_LONG'
        | 'REQUEST_TIMEOUT'
        | 'HEADERS_TOO_LARGE'
        | 'SERVER_BUSY'
        | 'NOT_READY'
        | 'INTERNAL';
      /** @description The request path. */
      instance?: string;
      /** @description Field-level validation errors. */
      errors?: {
        path: string;
        message: string;
      }[];
    };
    JobPlanInput: {
      passes: {
        longSide: number;
        width: number;
        height: number;
        /** @description Iterations of this pass. */
        iterations: number;
        /** @description Iterations of the run before this pass. */
        firstIteration: number;
        /** @description Absent: the whole image in one piece. */
        tiles?: {
          /** @description Edge of a tile's core in pixels (a multiple of 16); the cores partition the image. */
          core: number;
          /** @description Context the network sees on each side of a core; losses fade across it. */
          margin: number;
          columns: number;
          rows: number;
        };
        /** @description L-BFGS correction pairs kept: at most the pass iterations, fewer where memory is short. */
        lbfgsHistory: number;
        /** @description Estimated peak memory (bytes). */
        memory: {
          /** @description Peak tensor memory of the backend: the wasm heap on wasm, GPU memory on tfjs-node-gpu. */
          tensorBytes: number;
          /** @description Peak resident memory of the whole worker process. */
          totalBytes: number;
        };
      }[];
      /** @description The largest pass's estimate. */
      peak: {
        /** @description Peak tensor memory of the backend: the wasm heap on wasm, GPU memory on tfjs-node-gpu. */
        tensorBytes: number;
        /** @description Peak resident memory of the whole worker process. */
        totalBytes: number;
      };
    };
    /** @enum {string} */
    JobStatusInput: 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
    JobProgressInput: {
      /** @description Iterations done, counted across multiscale passes. */
      iteration: number;
      /** @description Iterations in the whole run. */
      iterations: number;
      /** @description Loss terms, each already multiplied by its weight; total is their sum. */
      losses: {
        content: number;
        style: number;
        tv: number;
        total: number;
      };
      /** @description The pass running now (absent once the job has ended). */
      pass?: {
        /** @description 0-based, coarse to fine, as in the plan. */
        index: number;
        count: number;
        width: number;
        height: number;
      };
      /** @description The running pass's speed so far. */
      secondsPerIteration?: number;
      /**
       * Format: date-time
       * @description Expected end of the run: every remaining pass at the running pass's speed, each weighted by the pixels it processes.
       */
      estimatedFinishAt?: string;
    };
    JobSnapshotInput: {
      iteration: number;
      /** @description GET /jobs/{id}/snapshots/{iteration}. */
      url: string;
    };
    /** @enum {string} */
    JobPriorityInput: 'low' | 'normal' | 'high';
    QueuePositionInput: {
      /** @description Queued jobs a worker takes before this one (0: it is next). */
      queuePosition: number;
      /**
       * Format: date-time
       * @description Expected start, from the run times of recent jobs; absent while unknown.
       */
      estimatedStartAt?: string;
    };
    JobCancellationInput: {
      /**
       * @description requested: POST /jobs/{id}/cancel; deadline: the Cancel-After deadline passed.
       * @enum {string}
       */
      reason: 'requested' | 'deadline';
      /**
       * @description queued: canceled before any work started; running: stopped during its run.
       * @enum {string}
       */
      stage: 'queued' | 'running';
      message: string;
    };
    JobInput: {
      /** @description Job id: job_ followed by a time-ordered ULID. */
      id: string;
      status: components['schemas']['JobStatusInput'];
      /**
       * Format: date-time
       * @description ISO 8601 UTC timestamp.
       */
      createdAt: string;
      startedAt: string | null;
      completedAt: string | null;
      /** @description Effective options, defaults filled in. */
      options: {
        /**
         * @description Long side of the output image in pixels; the content image is resized to it.
         * @default 512
         */
        size: number;
        /**
         * @description Optimizer iterations (function evaluations for L-BFGS). With multiscale, the iterations of the first (smallest) pass.
         * @default 500
         */
        iterations: number;
        /**
         * @description L-BFGS is the reference optimizer; Adam uses less memory.
         * @default lbfgs
         * @enum {string}
         */
        optimizer: 'lbfgs' | 'adam';
        /**
         * @description Adam step size on 0..255 pixels.
         * @default 10
         */
        learningRate: number;
        /**
         * @description L-BFGS history size (correction pairs kept; 2 image-sized vectors each). jcjohnson/neural-style keeps 100; docs/defaults.md measures why 16 is enough.
         * @default 16
         */
        lbfgsHistory: number;
        /**
         * @description L-BFGS line search: none (fixed step 1, as jcjohnson/neural-style) or strong Wolfe.
         * @default none
         * @enum {string}
         */
        lineSearch: 'none' | 'strongWolfe';
        /**
         * @description Start image: seeded noise, the content image, the first style image, or a given init image.
         * @default content
         * @enum {string}
         */
        init: 'noise' | 'content' | 'style' | 'image';
        /**
         * @description Random seed: the same seed gives the same run on the same backend.
         * @default 0
         */
        seed: number;
        /**
         * @description alpha: weight of the content loss, a mean over positions and channels (at most 1e9, so weighted losses stay finite in float32).
         * @default 1
         */
        contentWeight: number;
        /**
         * @description beta: weight of the style loss, the same at every size (at most 1e9, so weighted losses stay finite in float32).
         * @default 100
         */
        styleWeight: number;
        /**
         * @description Weight of the total-variation smoothness loss, a mean over pixels (at most 1e6, so weighted losses stay finite in float32).
         * @default 10
         */
        tvWeight: number;
        /**
         * @description gram: Gram matrices (Gatys et al.); sliced-wasserstein: sorted random projections of the features (Heitz et al. 2021).
         * @default gram
         * @enum {string}
         */
        styleLoss: 'gram' | 'sliced-wasserstein';
        /**
         * @description Layers whose activations define content.
         * @default [
         *       "conv4_2"
         *     ]
         */
        contentLayers: (
          | 'conv1_1'
          | 'conv1_2'
          | 'conv2_1'
          | 'conv2_2'
          | 'conv3_1'
          | 'conv3_2'
          | 'conv3_3'
          | 'conv3_4'
          | 'conv4_1'
          | 'conv4_2'
          | 'conv4_3'
          | 'conv4_4'
          | 'conv5_1'
          | 'conv5_2'
          | 'conv5_3'
          | 'conv5_4'
        )[];
        /**
         * @description Layers whose Gram matrices define style.
         * @default [
         *       "conv1_1",
         *       "conv2_1",
         *       "conv3_1",
         *       "conv4_1",
         *       "conv5_1"
         *     ]
         */
        styleLayers: (
          | 'conv1_1'
          | 'conv1_2'
          | 'conv2_1'
          | 'conv2_2'
          | 'conv3_1'
          | 'conv3_2'
          | 'conv3_3'
          | 'conv3_4'
          | 'conv4_1'
          | 'conv4_2'
          | 'conv4_3'
          | 'conv4_4'
          | 'conv5_1'
          | 'conv5_2'
          | 'conv5_3'
          | 'conv5_4'
        )[];
        /** @description Per-style-layer weights w_l (each at most 1e6), one per styleLayers entry; default 1/L each, as in the paper. */
        styleLayerWeights?: number[];
        /**
         * @description VGG pooling; the paper prefers average pooling.
         * @default avg
         * @enum {string}
         */
        pooling: 'max' | 'avg';
        /**
         * @description Style image long side as a multiple of the output's long side.
         * @default 1
         */
        styleScale: number;
        /**
         * @description Keep the content's colours: luminance-only transfer, or match the style's colour histogram to the content.
         * @default none
         * @enum {string}
         */
        preserveColors: 'none' | 'luminance' | 'histogram';
        /**
         * @description Coarse-to-fine: passes at size/2^k down to multiscaleMinSize, each started from the previous result.
         * @default false
         */
        multiscale: boolean;
        /**
         * @description Long side of the first multiscale pass.
         * @default 256
         */
        multiscaleMinSize: number;
        /**
         * @description Deliver an encoded snapshot every N iterations (0: never).
         * @default 0
         */
        snapshotEvery: number;
        /**
         * @description Encoding of the result and snapshots.
         * @default png
         * @enum {string}
         */
        outputFormat: 'png' | 'jpeg' | 'webp';
      };
      /** @description Passes, tile grids, iterations per pass and memory estimate, planned at submission (absent on records from before plans). */
      plan?: components['schemas']['JobPlanInput'] | null;
      progress: components['schemas']['JobProgressInput'] | null;
      output: {
        /** @description Where to fetch the result (GET /jobs/{id}/output). */
        url: string;
        width: number;
        height: number;
        /** @enum {string} */
        format: 'png' | 'jpeg' | 'webp';
      } | null;
      snapshots: components['schemas']['JobSnapshotInput'][];
      error: {
        /** @description Stable code: an engine code such as IMAGE_INVALID or NON_FINITE_LOSS, or INTERNAL. */
        code: string;
        message: string;
      } | null;
      metrics: {
        /** @description Time from creation to the start of the (first) run. */
        queueMs: number;
        /** @description Run time; null until the job ends. */
        runMs: number | null;
        /** @description null until the job ends. */
        secondsPerIteration: number | null;
        /** @description Engine backend that ran the job, e.g. tensorflow-gpu, wasm. */
        backend: string;
      } | null;
      /** @description Order among the tenant's own jobs (high first); between tenants the queue stays fair whatever the class. */
      priority: components['schemas']['JobPriorityInput'];
      /** @description How long the record and files are kept once the job ends; null: until deleted. */
      retentionSeconds: number | null;
      /** @description When the record and files are deleted; set when the job ends (null while it runs). */
      expiresAt: string | null;
      /** @description When the Cancel-After deadline cancels the job; null without one. */
      cancelAt: string | null;
      /** @description Why and at which stage it was canceled. */
      cancellation: components['schemas']['JobCancellationInput'] | null;
      /** @description Queued jobs a worker takes before this one (0: it is next). */
      queuePosition?: number;
      /**
       * Format: date-time
       * @description Expected start, from the run times of recent jobs; absent while unknown.
       */
      estimatedStartAt?: string;
    };
    /** @enum {string} */
    WebhookEventTypeInput: 'job.started' | 'job.succeeded' | 'job.failed' | 'job.canceled';
    WebhookEventInput: {
      type: components['schemas']['WebhookEventTypeInput'];
      /** Format: date-time */
      timestamp: string;
      data: components['schemas']['JobInput'];
    };
    WebhookDeliveryAttemptInput: {
      event: components['schemas']['WebhookEventTypeInput'];
      /** @description The webhook-id header: the same for every attempt of one event. */
      webhookId: string;
      url: string;
      attempt: number;
      /** Format: date-time */
      attemptedAt: string;
      /**
       * @description delivered: 2xx; retrying: failed, another attempt is scheduled; failed: no more attempts; gone: the receiver answered 410, the job's later events skip this URL; skipped: not sent for that reason.
       * @enum {string}
       */
      outcome: 'delivered' | 'retrying' | 'failed' | 'gone' | 'skipped';
      /** @description HTTP status of the answer; null when none came. */
      status: number | null;
      /** @description Why the attempt failed; null when delivered. */
      error: string | null;
      /** @description When the next attempt is due; null when none is. */
      nextRetryAt: string | null;
    };
    WebhookDeliveryListInput: {
      /** @description Oldest first. */
      deliveries: components['schemas']['WebhookDeliveryAttemptInput'][];
    };
    ImageSourceInput:
      | {
          /**
           * Format: uri
           * @description http(s) URL the API downloads the image from.
           */
          url: string;
        }
      | {
          /**
           * Format: base64
           * @description The encoded image (PNG, JPEG, WebP, ...) in standard base64.
           */
          data: string;
        };
    StyleSourceInput:
      | {
          /**
           * Format: uri
           * @description http(s) URL the API downloads the image from.
           */
          url: string;
          /** @description Relative weight in the style blend (default 1). */
          weight?: number;
          /** @description Where this style goes: a grey image with the content's aspect ratio, white = this style, soft values blend; places no style's mask covers stay the photo (options.styleLoss gram). */
          mask?: components['schemas']['ImageSourceInput'];
          /** @description Which part of this style image to take: a grey image with the style image's aspect ratio, white = use. */
          styleMask?: components['schemas']['ImageSourceInput'];
        }
      | {
          /**
           * Format: base64
           * @description The encoded image (PNG, JPEG, WebP, ...) in standard base64.
           */
          data: string;
          /** @description Relative weight in the style blend (default 1). */
          weight?: number;
          /** @description Where this style goes: a grey image with the content's aspect ratio, white = this style, soft values blend; places no style's mask covers stay the photo (options.styleLoss gram). */
          mask?: components['schemas']['ImageSourceInput'];
          /** @description Which part of this style image to take: a grey image with the style image's aspect ratio, white = use. */
          styleMask?: components['schemas']['ImageSourceInput'];
        };
    CreateJobRequestInput: {
      content: components['schemas']['ImageSourceInput'];
      styles: components['schemas']['StyleSourceInput'][];
      /** @description Start image, used with options.init = "image". */
      init?: components['schemas']['ImageSourceInput'];
      options?: {
        /**
         * @description Long side of the output image in pixels; the content image is resized to it.
         * @default 512
         */
        size: number;
        /**
         * @description Optimizer iterations (function evaluations for L-BFGS). With multiscale, the iterations of the first (smallest) pass.
         * @default 500
         */
        iterations: number;
        /**
         * @description L-BFGS is the reference optimizer; Adam uses less memory.
         * @default lbfgs
         * @enum {string}
         */
        optimizer: 'lbfgs' | 'adam';
        /**
         * @description Adam step size on 0..255 pixels.
         * @default 10
         */
        learningRate: number;
        /**
         * @description L-BFGS history size (correction pairs kept; 2 image-sized vectors each). jcjohnson/neural-style keeps 100; docs/defaults.md measures why 16 is enough.
         * @default 16
         */
        lbfgsHistory: number;
        /**
         * @description L-BFGS line search: none (fixed step 1, as jcjohnson/neural-style) or strong Wolfe.
         * @default none
         * @enum {string}
         */
        lineSearch: 'none' | 'strongWolfe';
        /**
         * @description Start image: seeded noise, the content image, the first style image, or a given init image.
         * @default content
         * @enum {string}
         */
        init: 'noise' | 'content' | 'style' | 'image';
        /**
         * @description Random seed: the same seed gives the same run on the same backend.
         * @default 0
         */
        seed: number;
        /**
         * @description alpha: weight of the content loss, a mean over positions and channels (at most 1e9, so weighted losses stay finite in float32).
         * @default 1
         */
        contentWeight: number;
        /**
         * @description beta: weight of the style loss, the same at every size (at most 1e9, so weighted losses stay finite in float32).
         * @default 100
         */
        styleWeight: number;
        /**
         * @description Weight of the total-variation smoothness loss, a mean over pixels (at most 1e6, so weighted losses stay finite in float32).
         * @default 10
         */
        tvWeight: number;
        /**
         * @description gram: Gram matrices (Gatys et al.); sliced-wasserstein: sorted random projections of the features (Heitz et al. 2021).
         * @default gram
         * @enum {string}
         */
        styleLoss: 'gram' | 'sliced-wasserstein';
        /**
         * @description Layers whose activations define content.
         * @default [
         *       "conv4_2"
         *     ]
         */
        contentLayers: (
          | 'conv1_1'
          | 'conv1_2'
          | 'conv2_1'
          | 'conv2_2'
          | 'conv3_1'
          | 'conv3_2'
          | 'conv3_3'
          | 'conv3_4'
          | 'conv4_1'
          | 'conv4_2'
          | 'conv4_3'
          | 'conv4_4'
          | 'conv5_1'
          | 'conv5_2'
          | 'conv5_3'
          | 'conv5_4'
        )[];
        /**
         * @description Layers whose Gram matrices define style.
         * @default [
         *       "conv1_1",
         *       "conv2_1",
         *       "conv3_1",
         *       "conv4_1",
         *       "conv5_1"
         *     ]
         */
        styleLayers: (
          | 'conv1_1'
          | 'conv1_2'
          | 'conv2_1'
          | 'conv2_2'
          | 'conv3_1'
          | 'conv3_2'
          | 'conv3_3'
          | 'conv3_4'
          | 'conv4_1'
          | 'conv4_2'
          | 'conv4_3'
          | 'conv4_4'
          | 'conv5_1'
          | 'conv5_2'
          | 'conv5_3'
          | 'conv5_4'
        )[];
        /** @description Per-style-layer weights w_l (each at most 1e6), one per styleLayers entry; default 1/L each, as in the paper. */
        styleLayerWeights?: number[];
        /**
         * @description VGG pooling; the paper prefers average pooling.
         * @default avg
         * @enum {string}
         */
        pooling: 'max' | 'avg';
        /**
         * @description Style image long side as a multiple of the output's long side.
         * @default 1
         */
        styleScale: number;
        /**
         * @description Keep the content's colours: luminance-only transfer, or match the style's colour histogram to the content.
         * @default none
         * @enum {string}
         */
        preserveColors: 'none' | 'luminance' | 'histogram';
        /**
         * @description Coarse-to-fine: passes at size/2^k down to multiscaleMinSize, each started from the previous result.
         * @default false
         */
        multiscale: boolean;
        /**
         * @description Long side of the first multiscale pass.
         * @default 256
         */
        multiscaleMinSize: number;
        /**
         * @description Deliver an encoded snapshot every N iterations (0: never).
         * @default 0
         */
        snapshotEvery: number;
        /**
         * @description Encoding of the result and snapshots.
         * @default png
         * @enum {string}
         */
        outputFormat: 'png' | 'jpeg' | 'webp';
      };
      webhook?: {
        /**
         * Format: uri
         * @description http(s) URL that receives signed POSTs.
         */
        url: string;
        /**
         * @description Events to deliver; all of them by default.
         * @default [
         *       "job.started",
         *       "job.succeeded",
         *       "job.failed",
         *       "job.canceled"
         *     ]
         */
        events: components['schemas']['WebhookEventTypeInput'][];
      };
      /** @description Default normal. */
      priority?: components['schemas']['JobPriorityInput'];
      /**
       * @description Keep the record and files this long after the job ends (e.g. 1h, 2d); at most, and by default, the server's retention.
       * @example 90s
       * @example 5m
       * @example 1h
       * @example 7d
       * @example 3600
       */
      retention?: string;
    };
    CreateJobMultipartInput: {
      /**
       * Format: binary
       * @description Content image file.
       */
      content: string;
      /** @description One or more style image files (repeat the part). */
      style: string[];
      /** @description JSON array of weights, one per style part, e.g. [1, 0.5]. */
      styleWeights?: string;
      /** @description Mask of the style part just before it: where that style goes (a grey image with the content's aspect ratio, white = this style). */
      mask?: string[];
      /** @description Which part of the style part just before it to take (a grey image with its aspect ratio). */
      styleMask?: string[];
      /**
       * Format: binary
       * @description Start image for options.init = "image".
       */
      init?: string;
      /** @description JSON object of style options. */
      options?: string;
      /** @description Webhook URL. */
      webhook?: string;
      /** @description Comma-separated webhook event types (default: all). */
      webhookEvents?: string;
      /** @description Default normal. */
      priority?: components['schemas']['JobPriorityInput'];
      /**
       * @description Keep the record and files this long after the job ends (e.g. 1h, 2d); at most, and by default, the server's retention.
       * @example 90s
       * @example 5m
       * @example 1h
       * @example 7d
       * @example 3600
       */
      retention?: string;
    };
    JobListInput: {
      /** @description Newest first. */
      jobs: components['schemas']['JobInput'][];
      /** @description Pass as cursor for the next page; null on the last page. */
      nextCursor: string | null;
    };
    ReadinessInput: {
      /** @enum {string} */
      status: 'ok' | 'unavailable';
      /** @description "ok" or the error message. */
      checks: {
        redis: string;
        storage: string;
      };
    };
    Problem: {
      /** @description URI naming the problem kind, e.g. urn:neural-style:problem:image-invalid. */
      type: string;
      /** @description Short summary of the problem kind. */
      title: string;
      /** @description HTTP status code. */
      status: number;
      /** @description What went wrong with this request, in words a person understands. */
      detail: string;
      /**
       * @description Stable error code; the `type` URI carries the same code.
       * @enum {string}
       */
      code:
        | 'VALIDATION_FAILED'
        | 'MALFORMED_REQUEST'
        | 'INVALID_OPTIONS'
        | 'UNSUPPORTED_MEDIA_TYPE'
        | 'PAYLOAD_TOO_LARGE'
        | 'IMAGE_INVALID'
        | 'IMAGE_TOO_LARGE'
        | 'MASK_MISMATCH'
        | 'MEMORY_LIMIT'
        | 'URL_FORBIDDEN'
        | 'URL_FETCH_FAILED'
        | 'UNAUTHORIZED'
        | 'NOT_FOUND'
        | 'JOB_NOT_FINISHED'
        | 'JOB_NOT_CANCELABLE'
        | 'IDEMPOTENCY_KEY_REUSED'
        | 'IDEMPOTENCY_KEY_IN_USE'
        | 'RATE_LIMITED'
        | 'QUEUED_JOBS_LIMIT'
        | 'HIGH_PRIORITY_LIMIT'
        | 'COST_LIMIT_EXCEEDED'
        | 'URI_TOO_LONG'
        | 'REQUEST_TIMEOUT'
        | 'HEADERS_TOO_LARGE'
        | 'SERVER_BUSY'
        | 'NOT_READY'
        | 'INTERNAL';
      /** @description The request path. */
      instance?: string;
      /** @description Field-level validation errors. */
      errors?: {
        path: string;
        message: string;
      }[];
    };
    JobPlan: {
      passes: {
        longSide: number;
        width: number;
        height: number;
        /** @description Iterations of this pass. */
        iterations: number;
        /** @description Iterations of the run before this pass. */
        firstIteration: number;
        /** @description Absent: the whole image in one piece. */
        tiles?: {
          /** @description Edge of a tile's core in pixels (a multiple of 16); the cores partition the image. */
          core: number;
          /** @description Context the network sees on each side of a core; losses fade across it. */
          margin: number;
          columns: number;
          rows: number;
        };
        /** @description L-BFGS correction pairs kept: at most the pass iterations, fewer where memory is short. */
        lbfgsHistory: number;
        /** @description Estimated peak memory (bytes). */
        memory: {
          /** @description Peak tensor memory of the backend: the wasm heap on wasm, GPU memory on tfjs-node-gpu. */
          tensorBytes: number;
          /** @description Peak resident memory of the whole worker process. */
          totalBytes: number;
        };
      }[];
      /** @description The largest pass's estimate. */
      peak: {
        /** @description Peak tensor memory of the backend: the wasm heap on wasm, GPU memory on tfjs-node-gpu. */
        tensorBytes: number;
        /** @description Peak resident memory of the whole worker process. */
        totalBytes: number;
      };
    };
    /** @enum {string} */
    JobStatus: 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
    JobProgress: {
      /** @description Iterations done, counted across multiscale passes. */
      iteration: number;
      /** @description Iterations in the whole run. */
      iterations: number;
      /** @description Loss terms, each already multiplied by its weight; total is their sum. */
      losses: {
        content: number;
        style: number;
        tv: number;
        total: number;
      };
      /** @description The pass running now (absent once the job has ended). */
      pass?: {
        /** @description 0-based, coarse to fine, as in the plan. */
        index: number;
        count: number;
        width: number;
        height: number;
      };
      /** @description The running pass's speed so far. */
      secondsPerIteration?: number;
      /**
       * Format: date-time
       * @description Expected end of the run: every remaining pass at the running pass's speed, each weighted by the pixels it processes.
       */
      estimatedFinishAt?: string;
    };
    JobSnapshot: {
      iteration: number;
      /** @description GET /jobs/{id}/snapshots/{iteration}. */
      url: string;
    };
    /** @enum {string} */
    JobPriority: 'low' | 'normal' | 'high';
    QueuePosition: {
      /** @description Queued jobs a worker takes before this one (0: it is next). */
      queuePosition: number;
      /**
       * Format: date-time
       * @description Expected start, from the run times of recent jobs; absent while unknown.
       */
      estimatedStartAt?: string;
    };
    JobCancellation: {
      /**
       * @description requested: POST /jobs/{id}/cancel; deadline: the Cancel-After deadline passed.
       * @enum {string}
       */
      reason: 'requested' | 'deadline';
      /**
       * @description queued: canceled before any work started; running: stopped during its run.
       * @enum {string}
       */
      stage: 'queued' | 'running';
      message: string;
    };
    Job: {
      /** @description Job id: job_ followed by a time-ordered ULID. */
      id: string;
      status: components['schemas']['JobStatus'];
      /**
       * Format: date-time
       * @description ISO 8601 UTC timestamp.
       */
      createdAt: string;
      startedAt: string | null;
      completedAt: string | null;
      /** @description Effective options, defaults filled in. */
      options: {
        /**
         * @description Long side of the output image in pixels; the content image is resized to it.
         * @default 512
         */
        size: number;
        /**
         * @description Optimizer iterations (function evaluations for L-BFGS). With multiscale, the iterations of the first (smallest) pass.
         * @default 500
         */
        iterations: number;
        /**
         * @description L-BFGS is the reference optimizer; Adam uses less memory.
         * @default lbfgs
         * @enum {string}
         */
        optimizer: 'lbfgs' | 'adam';
        /**
         * @description Adam step size on 0..255 pixels.
         * @default 10
         */
        learningRate: number;
        /**
         * @description L-BFGS history size (correction pairs kept; 2 image-sized vectors each). jcjohnson/neural-style keeps 100; docs/defaults.md measures why 16 is enough.
         * @default 16
         */
        lbfgsHistory: number;
        /**
         * @description L-BFGS line search: none (fixed step 1, as jcjohnson/neural-style) or strong Wolfe.
         * @default none
         * @enum {string}
         */
        lineSearch: 'none' | 'strongWolfe';
        /**
         * @description Start image: seeded noise, the content image, the first style image, or a given init image.
         * @default content
         * @enum {string}
         */
        init: 'noise' | 'content' | 'style' | 'image';
        /**
         * @description Random seed: the same seed gives the same run on the same backend.
         * @default 0
         */
        seed: number;
        /**
         * @description alpha: weight of the content loss, a mean over positions and channels (at most 1e9, so weighted losses stay finite in float32).
         * @default 1
         */
        contentWeight: number;
        /**
         * @description beta: weight of the style loss, the same at every size (at most 1e9, so weighted losses stay finite in float32).
         * @default 100
         */
        styleWeight: number;
        /**
         * @description Weight of the total-variation smoothness loss, a mean over pixels (at most 1e6, so weighted losses stay finite in float32).
         * @default 10
         */
        tvWeight: number;
        /**
         * @description gram: Gram matrices (Gatys et al.); sliced-wasserstein: sorted random projections of the features (Heitz et al. 2021).
         * @default gram
         * @enum {string}
         */
        styleLoss: 'gram' | 'sliced-wasserstein';
        /**
         * @description Layers whose activations define content.
         * @default [
         *       "conv4_2"
         *     ]
         */
        contentLayers: (
          | 'conv1_1'
          | 'conv1_2'
          | 'conv2_1'
          | 'conv2_2'
          | 'conv3_1'
          | 'conv3_2'
          | 'conv3_3'
          | 'conv3_4'
          | 'conv4_1'
          | 'conv4_2'
          | 'conv4_3'
          | 'conv4_4'
          | 'conv5_1'
          | 'conv5_2'
          | 'conv5_3'
          | 'conv5_4'
        )[];
        /**
         * @description Layers whose Gram matrices define style.
         * @default [
         *       "conv1_1",
         *       "conv2_1",
         *       "conv3_1",
         *       "conv4_1",
         *       "conv5_1"
         *     ]
         */
        styleLayers: (
          | 'conv1_1'
          | 'conv1_2'
          | 'conv2_1'
          | 'conv2_2'
          | 'conv3_1'
          | 'conv3_2'
          | 'conv3_3'
          | 'conv3_4'
          | 'conv4_1'
          | 'conv4_2'
          | 'conv4_3'
          | 'conv4_4'
          | 'conv5_1'
          | 'conv5_2'
          | 'conv5_3'
          | 'conv5_4'
        )[];
        /** @description Per-style-layer weights w_l (each at most 1e6), one per styleLayers entry; default 1/L each, as in the paper. */
        styleLayerWeights?: number[];
        /**
         * @description VGG pooling; the paper prefers average pooling.
         * @default avg
         * @enum {string}
         */
        pooling: 'max' | 'avg';
        /**
         * @description Style image long side as a multiple of the output's long side.
         * @default 1
         */
        styleScale: number;
        /**
         * @description Keep the content's colours: luminance-only transfer, or match the style's colour histogram to the content.
         * @default none
         * @enum {string}
         */
        preserveColors: 'none' | 'luminance' | 'histogram';
        /**
         * @description Coarse-to-fine: passes at size/2^k down to multiscaleMinSize, each started from the previous result.
         * @default false
         */
        multiscale: boolean;
        /**
         * @description Long side of the first multiscale pass.
         * @default 256
         */
        multiscaleMinSize: number;
        /**
         * @description Deliver an encoded snapshot every N iterations (0: never).
         * @default 0
         */
        snapshotEvery: number;
        /**
         * @description Encoding of the result and snapshots.
         * @default png
         * @enum {string}
         */
        outputFormat: 'png' | 'jpeg' | 'webp';
      };
      /** @description Passes, tile grids, iterations per pass and memory estimate, planned at submission (absent on records from before plans). */
      plan?: components['schemas']['JobPlan'] | null;
      progress: components['schemas']['JobProgress'] | null;
      output: {
        /** @description Where to fetch the result (GET /jobs/{id}/output). */
        url: string;
        width: number;
        height: number;
        /** @enum {string} */
        format: 'png' | 'jpeg' | 'webp';
      } | null;
      snapshots: components['schemas']['JobSnapshot'][];
      error: {
        /** @description Stable code: an engine code such as IMAGE_INVALID or NON_FINITE_LOSS, or INTERNAL. */
        code: string;
        message: string;
      } | null;
      metrics: {
        /** @description Time from creation to the start of the (first) run. */
        queueMs: number;
        /** @description Run time; null until the job ends. */
        runMs: number | null;
        /** @description null until the job ends. */
        secondsPerIteration: number | null;
        /** @description Engine backend that ran the job, e.g. tensorflow-gpu, wasm. */
        backend: string;
      } | null;
      /** @description Order among the tenant's own jobs (high first); between tenants the queue stays fair whatever the class. */
      priority: components['schemas']['JobPriority'];
      /** @description How long the record and files are kept once the job ends; null: until deleted. */
      retentionSeconds: number | null;
      /** @description When the record and files are deleted; set when the job ends (null while it runs). */
      expiresAt: string | null;
      /** @description When the Cancel-After deadline cancels the job; null without one. */
      cancelAt: string | null;
      /** @description Why and at which stage it was canceled. */
      cancellation: components['schemas']['JobCancellation'] | null;
      /** @description Queued jobs a worker takes before this one (0: it is next). */
      queuePosition?: number;
      /**
       * Format: date-time
       * @description Expected start, from the run times of recent jobs; absent while unknown.
       */
      estimatedStartAt?: string;
    };
    /** @enum {string} */
    WebhookEventType: 'job.started' | 'job.succeeded' | 'job.failed' | 'job.canceled';
    WebhookEvent: {
      type: components['schemas']['WebhookEventType'];
      /** Format: date-time */
      timestamp: string;
      data: components['schemas']['Job'];
    };
    WebhookDeliveryAttempt: {
      event: components['schemas']['WebhookEventType'];
      /** @description The webhook-id header: the same for every attempt of one event. */
      webhookId: string;
      url: string;
      attempt: number;
      /** Format: date-time */
      attemptedAt: string;
      /**
       * @description delivered: 2xx; retrying: failed, another attempt is scheduled; failed: no more attempts; gone: the receiver answered 410, the job's later events skip this URL; skipped: not sent for that reason.
       * @enum {string}
       */
      outcome: 'delivered' | 'retrying' | 'failed' | 'gone' | 'skipped';
      /** @description HTTP status of the answer; null when none came. */
      status: number | null;
      /** @description Why the attempt failed; null when delivered. */
      error: string | null;
      /** @description When the next attempt is due; null when none is. */
      nextRetryAt: string | null;
    };
    WebhookDeliveryList: {
      /** @description Oldest first. */
      deliveries: components['schemas']['WebhookDeliveryAttempt'][];
    };
    ImageSource:
      | {
          /**
           * Format: uri
           * @description http(s) URL the API downloads the image from.
           */
          url: string;
        }
      | {
          /**
           * Format: base64
           * @description The encoded image (PNG, JPEG, WebP, ...) in standard base64.
           */
          data: string;
        };
    StyleSource:
      | {
          /**
           * Format: uri
           * @description http(s) URL the API downloads the image from.
           */
          url: string;
          /** @description Relative weight in the style blend (default 1). */
          weight?: number;
          /** @description Where this style goes: a grey image with the content's aspect ratio, white = this style, soft values blend; places no style's mask covers stay the photo (options.styleLoss gram). */
          mask?: components['schemas']['ImageSource'];
          /** @description Which part of this style image to take: a grey image with the style image's aspect ratio, white = use. */
          styleMask?: components['schemas']['ImageSource'];
        }
      | {
          /**
           * Format: base64
           * @description The encoded image (PNG, JPEG, WebP, ...) in standard base64.
           */
          data: string;
          /** @description Relative weight in the style blend (default 1). */
          weight?: number;
          /** @description Where this style goes: a grey image with the content's aspect ratio, white = this style, soft values blend; places no style's mask covers stay the photo (options.styleLoss gram). */
          mask?: components['schemas']['ImageSource'];
          /** @description Which part of this style image to take: a grey image with the style image's aspect ratio, white = use. */
          styleMask?: components['schemas']['ImageSource'];
        };
    CreateJobRequest: {
      content: components['schemas']['ImageSource'];
      styles: components['schemas']['StyleSource'][];
      /** @description Start image, used with options.init = "image". */
      init?: components['schemas']['ImageSource'];
      options?: {
        /**
         * @description Long side of the output image in pixels; the content image is resized to it.
         * @default 512
         */
        size: number;
        /**
         * @description Optimizer iterations (function evaluations for L-BFGS). With multiscale, the iterations of the first (smallest) pass.
         * @default 500
         */
        iterations: number;
        /**
         * @description L-BFGS is the reference optimizer; Adam uses less memory.
         * @default lbfgs
         * @enum {string}
         */
        optimizer: 'lbfgs' | 'adam';
        /**
         * @description Adam step size on 0..255 pixels.
         * @default 10
         */
        learningRate: number;
        /**
         * @description L-BFGS history size (correction pairs kept; 2 image-sized vectors each). jcjohnson/neural-style keeps 100; docs/defaults.md measures why 16 is enough.
         * @default 16
         */
        lbfgsHistory: number;
        /**
         * @description L-BFGS line search: none (fixed step 1, as jcjohnson/neural-style) or strong Wolfe.
         * @default none
         * @enum {string}
         */
        lineSearch: 'none' | 'strongWolfe';
        /**
         * @description Start image: seeded noise, the content image, the first style image, or a given init image.
         * @default content
         * @enum {string}
         */
        init: 'noise' | 'content' | 'style' | 'image';
        /**
         * @description Random seed: the same seed gives the same run on the same backend.
         * @default 0
         */
        seed: number;
        /**
         * @description alpha: weight of the content loss, a mean over positions and channels (at most 1e9, so weighted losses stay finite in float32).
         * @default 1
         */
        contentWeight: number;
        /**
         * @description beta: weight of the style loss, the same at every size (at most 1e9, so weighted losses stay finite in float32).
         * @default 100
         */
        styleWeight: number;
        /**
         * @description Weight of the total-variation smoothness loss, a mean over pixels (at most 1e6, so weighted losses stay finite in float32).
         * @default 10
         */
        tvWeight: number;
        /**
         * @description gram: Gram matrices (Gatys et al.); sliced-wasserstein: sorted random projections of the features (Heitz et al. 2021).
         * @default gram
         * @enum {string}
         */
        styleLoss: 'gram' | 'sliced-wasserstein';
        /**
         * @description Layers whose activations define content.
         * @default [
         *       "conv4_2"
         *     ]
         */
        contentLayers: (
          | 'conv1_1'
          | 'conv1_2'
          | 'conv2_1'
          | 'conv2_2'
          | 'conv3_1'
          | 'conv3_2'
          | 'conv3_3'
          | 'conv3_4'
          | 'conv4_1'
          | 'conv4_2'
          | 'conv4_3'
          | 'conv4_4'
          | 'conv5_1'
          | 'conv5_2'
          | 'conv5_3'
          | 'conv5_4'
        )[];
        /**
         * @description Layers whose Gram matrices define style.
         * @default [
         *       "conv1_1",
         *       "conv2_1",
         *       "conv3_1",
         *       "conv4_1",
         *       "conv5_1"
         *     ]
         */
        styleLayers: (
          | 'conv1_1'
          | 'conv1_2'
          | 'conv2_1'
          | 'conv2_2'
          | 'conv3_1'
          | 'conv3_2'
          | 'conv3_3'
          | 'conv3_4'
          | 'conv4_1'
          | 'conv4_2'
          | 'conv4_3'
          | 'conv4_4'
          | 'conv5_1'
          | 'conv5_2'
          | 'conv5_3'
          | 'conv5_4'
        )[];
        /** @description Per-style-layer weights w_l (each at most 1e6), one per styleLayers entry; default 1/L each, as in the paper. */
        styleLayerWeights?: number[];
        /**
         * @description VGG pooling; the paper prefers average pooling.
         * @default avg
         * @enum {string}
         */
        pooling: 'max' | 'avg';
        /**
         * @description Style image long side as a multiple of the output's long side.
         * @default 1
         */
        styleScale: number;
        /**
         * @description Keep the content's colours: luminance-only transfer, or match the style's colour histogram to the content.
         * @default none
         * @enum {string}
         */
        preserveColors: 'none' | 'luminance' | 'histogram';
        /**
         * @description Coarse-to-fine: passes at size/2^k down to multiscaleMinSize, each started from the previous result.
         * @default false
         */
        multiscale: boolean;
        /**
         * @description Long side of the first multiscale pass.
         * @default 256
         */
        multiscaleMinSize: number;
        /**
         * @description Deliver an encoded snapshot every N iterations (0: never).
         * @default 0
         */
        snapshotEvery: number;
        /**
         * @description Encoding of the result and snapshots.
         * @default png
         * @enum {string}
         */
        outputFormat: 'png' | 'jpeg' | 'webp';
      };
      webhook?: {
        /**
         * Format: uri
         * @description http(s) URL that receives signed POSTs.
         */
        url: string;
        /**
         * @description Events to deliver; all of them by default.
         * @default [
         *       "job.started",
         *       "job.succeeded",
         *       "job.failed",
         *       "job.canceled"
         *     ]
         */
        events: components['schemas']['WebhookEventType'][];
      };
      /** @description Default normal. */
      priority?: components['schemas']['JobPriority'];
      /** @description Keep the record and files this long after the job ends (e.g. 1h, 2d); at most, and by default, the server's retention. */
      retention?: unknown;
    };
    CreateJobMultipart: {
      /**
       * Format: binary
       * @description Content image file.
       */
      content: string;
      /** @description One or more style image files (repeat the part). */
      style: string[];
      /** @description JSON array of weights, one per style part, e.g. [1, 0.5]. */
      styleWeights?: string;
      /** @description Mask of the style part just before it: where that style goes (a grey image with the content's aspect ratio, white = this style). */
      mask?: string[];
      /** @description Which part of the style part just before it to take (a grey image with its aspect ratio). */
      styleMask?: string[];
      /**
       * Format: binary
       * @description Start image for options.init = "image".
       */
      init?: string;
      /** @description JSON object of style options. */
      options?: string;
      /** @description Webhook URL. */
      webhook?: string;
      /** @description Comma-separated webhook event types (default: all). */
      webhookEvents?: string;
      /** @description Default normal. */
      priority?: components['schemas']['JobPriority'];
      /** @description Keep the record and files this long after the job ends (e.g. 1h, 2d); at most, and by default, the server's retention. */
      retention?: unknown;
    };
    JobList: {
      /** @description Newest first. */
      jobs: components['schemas']['Job'][];
      /** @description Pass as cursor for the next page; null on the last page. */
      nextCursor: string | null;
    };
    Readiness: {
      /** @enum {string} */
      status: 'ok' | 'unavailable';
      /** @description "ok" or the error message. */
      checks: {
        redis: string;
        storage: string;
      };
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  listJobs: {
    parameters: {
      query?: {
        status?: components['schemas']['JobStatusInput'];
        /** @description nextCursor of the previous page. */
        cursor?: string;
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['JobList'];
        };
      };
      /** @description Invalid request (problem+json). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing or unknown API key. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Too many requests (RATE_LIMITED, see Retry-After) or a per-tenant queue limit (QUEUED_JOBS_LIMIT, HIGH_PRIORITY_LIMIT). */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  createJob: {
    parameters: {
      query?: never;
      header?: {
        /** @description Makes retries safe: the same key with the same body returns the first job (max 255 characters). */
        'idempotency-key'?: string;
        /** @description `wait=N`: hold the answer up to N seconds (capped by MAX_WAIT_SECONDS) for the job to end. */
        prefer?: string;
        /** @description Cancel the job if it has not ended this long after creation, queued or running: `90s`, `5m`, `1h`, `1h30m` or seconds; longer than MAX_CANCEL_AFTER_SECONDS is cut to it. */
        'cancel-after'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateJobRequestInput'];
        'multipart/form-data': components['schemas']['CreateJobMultipartInput'];
      };
    };
    responses: {
      /** @description The job finished within Prefer: wait. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      /** @description The job is queued (or running). */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      /** @description Invalid request (problem+json). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing or unknown API key. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Conflict with the job’s state. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Upload too large. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Unsupported content type. */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Unusable input: not an image, too many pixels, forbidden URL, reused Idempotency-Key, over the cost limit. */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Too many requests (RATE_LIMITED, see Retry-After) or a per-tenant queue limit (QUEUED_JOBS_LIMIT, HIGH_PRIORITY_LIMIT). */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Not ready, or too many large request bodies in flight; see Retry-After. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getJob: {
    parameters: {
      query?: never;
      header?: {
        /** @description `wait=N`: hold the answer up to N seconds (capped by MAX_WAIT_SECONDS) for the job to end. */
        prefer?: string;
      };
      path: {
        /** @description Job id. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      /** @description Missing or unknown API key. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such job for this API key. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Too many requests (RATE_LIMITED, see Retry-After) or a per-tenant queue limit (QUEUED_JOBS_LIMIT, HIGH_PRIORITY_LIMIT). */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  cancelJob: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Job id. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      /** @description Missing or unknown API key. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such job for this API key. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Conflict with the job’s state. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Too many requests (RATE_LIMITED, see Retry-After) or a per-tenant queue limit (QUEUED_JOBS_LIMIT, HIGH_PRIORITY_LIMIT). */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getJobOutput: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Job id. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The image. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'image/png': string;
          'image/jpeg': string;
          'image/webp': string;
        };
      };
      /** @description Redirect (Location) to a presigned S3 URL of the image. */
      302: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Missing or unknown API key. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such job for this API key. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Conflict with the job’s state. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Too many requests (RATE_LIMITED, see Retry-After) or a per-tenant queue limit (QUEUED_JOBS_LIMIT, HIGH_PRIORITY_LIMIT). */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getJobSnapshot: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Job id. */
        id: string;
        /** @description Iteration of the snapshot. */
        iteration: number;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The image. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'image/png': string;
          'image/jpeg': string;
          'image/webp': string;
        };
      };
      /** @description Redirect (Location) to a presigned S3 URL of the image. */
      302: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Missing or unknown API key. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such job for this API key. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Too many requests (RATE_LIMITED, see Retry-After) or a per-tenant queue limit (QUEUED_JOBS_LIMIT, HIGH_PRIORITY_LIMIT). */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  streamJobEvents: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Job id. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description text/event-stream */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/event-stream': string;
        };
      };
      /** @description Missing or unknown API key. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such job for this API key. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Too many requests (RATE_LIMITED, see Retry-After) or a per-tenant queue limit (QUEUED_JOBS_LIMIT, HIGH_PRIORITY_LIMIT). */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listWebhookDeliveries: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Job id. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['WebhookDeliveryList'];
        };
      };
      /** @description Missing or unknown API key. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such job for this API key. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Too many requests (RATE_LIMITED, see Retry-After) or a per-tenant queue limit (QUEUED_JOBS_LIMIT, HIGH_PRIORITY_LIMIT). */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  healthz: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @enum {string} */
            status: 'ok';
          };
        };
      };
    };
  };
  readyz: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Readiness'];
        };
      };
      /** @description Default Response */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Readiness'];
        };
      };
    };
  };
  metrics: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Prometheus text format */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/plain': string;
        };
      };
    };
  };
}
