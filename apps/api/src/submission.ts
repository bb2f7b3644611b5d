import { createHash, type Hash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import { z } from 'zod';
import {
  CreateJobJsonBodySchema,
  DurationSchema,
  JobPrioritySchema,
  MAX_STYLES,
  StyleWeightSchema,
  WebhookEventTypeSchema,
  WebhookSubscriptionSchema,
  type ImageSource,
  type JobPriority,
  type WebhookSubscription,
} from '@neural-style/contract';
import {
  errorMessage,
  assertTilingSupports,
  planJob,
  planningLimits,
  StyleOptionsSchema,
  StyleTransferError,
  type JobImages,
  type JobPlan,
  type StyleOptions,
} from '@neural-style/vocabulary';
import { assertSameAspect } from '@neural-style/core/image';
import {
  assertPublicUrl,
  fetchPublicUrl,
  UrlFetchError,
  UrlForbiddenError,
  UrlResponseTooLargeError,
  type Config,
  type StyleInput,
} from '@neural-style/infra';
import { issuesToErrors, ProblemError } from './problem.js';
import { validateImage } from './images.js';
import { assertImagesLargeEnough, assertJobCost, jobCost } from './job-limits.js';

/** An image as the request names it: bytes already uploaded, or a URL still to fetch. */
type ImageRef = { label: string } & ({ bytes: Uint8Array } | { url: string });

/** A style's optional masks (where it goes; which part of it to take). */
interface StyleMaskRefs {
  mask?: ImageRef;
  styleMask?: ImageRef;
}
const MASK_PARTS = ['mask', 'styleMask'] as const;

/** A POST /jobs request after parsing, before any network access or image check. */
export interface Submission {
  content: ImageRef;
  styles: (ImageRef & { weight: number } & StyleMaskRefs)[];
  init?: ImageRef;
  options: StyleOptions;
  webhook?: WebhookSubscription;
  priority: JobPriority;
  /** The retention the request asked for (the server's applies when absent or shorter). */
  retentionSeconds?: number;
  /** Hash of the request as sent: equal for identical retries (Idempotency-Key). */
  fingerprint: string;
}

/** A submission whose images are downloaded and checked. */
export interface ValidatedSubmission extends Omit<Submission, 'content' | 'styles' | 'init'> {
  content: Uint8Array;
  styles: StyleInput[];
  init?: Uint8Array;
  /** Passes, tiles and memory estimate: what the worker will run, checked against its budget. */
  plan: JobPlan;
}

/** Charges a job's cost to the tenant's hourly budget; rejects with COST_LIMIT_EXCEEDED when over. */
export type ChargeCost = (cost: number) => Promise<void>;

const MULTIPART_FIELDS = [
  'options',
  'styleWeights',
  'webhook',
  'webhookEvents',
  'priority',
  'retention',
] as const;

export async function parseSubmission(request: FastifyRequest, config: Config): Promise<Submission> {
  if (request.isMultipart()) return parseMultipart(request, config);
  // Media types are case-insensitive (RFC 9110 §8.3.1).
  if (/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
    return parseJson(request.body, config);
  }
  throw new ProblemError(
    'UNSUPPORTED_MEDIA_TYPE',
    `POST /jobs takes multipart/form-data or application/json, not "${request.headers['content-type'] ?? 'no Content-Type'}"`,
  );
}

async function parseMultipart(request: FastifyRequest, config: Config): Promise<Submission> {
  const hash = createHash('sha256').update('multipart\0');
  const files: { content?: Uint8Array; init?: Uint8Array; style: Uint8Array[] } = { style: [] };
  // Mask parts belong to the style part before them.
  const masks: StyleMaskRefs[] = [];
  const fields = new Map<string, string>();
  const parts = request.parts({
    limits: { fileSize: config.maxUploadBytes, files: 3 * MAX_STYLES + 2, fields: 16, fieldSize: 64 * 1024 },
  });
  try {
    for await (const part of parts) await readPart(part);
  } catch (error) {
    throw malformedMultipart(error);
  }

  async function readPart(part: MultipartFile | MultipartValue): Promise<void> {
    if (part.type === 'file') {
      const bytes = await readFile(part, config.maxUploadBytes);
      hash.update(`${part.fieldname}\0${bytes.length}\0`).update(bytes);
      if (part.fieldname === 'style') files.style.push(bytes);
      else if ((MASK_PARTS as readonly string[]).includes(part.fieldname)) {
        attachMask(masks, files.style.length, part.fieldname as (typeof MASK_PARTS)[number], bytes);
      } else if (part.fieldname === 'content' || part.fieldname === 'init') {
        if (files[part.fieldname])
          throw new ProblemError('VALIDATION_FAILED', `Send only one "${part.fieldname}" file`);
        files[part.fieldname] = bytes;
      } else {
        throw new ProblemError(
          'VALIDATION_FAILED',
          `Unknown file part "${part.fieldname}"; expected content, style, mask, styleMask or init`,
        );
      }
    } else {
      const value = String(part.value);
      hash.update(`${part.fieldname}\0${value.length}\0${value}`);
      if (!(MULTIPART_FIELDS as readonly string[]).includes(part.fieldname)) {
        throw new ProblemError(
          'VALIDATION_FAILED',
          `Unknown field "${part.fieldname}"; expected ${MULTIPART_FIELDS.join(', ')}`,
        );
      }
      if (fields.has(part.fieldname)) {
        // Which of two values would win is not for us to guess.
        throw new ProblemError('VALIDATION_FAILED', `Send the "${part.fieldname}" field only once`, {
          errors: [{ path: part.fieldname, message: 'sent more than once' }],
        });
      }
      fields.set(part.fieldname, value);
    }
  }
  if (!files.content) throw new ProblemError('VALIDATION_FAILED', 'The "content" file part is required');
  if (files.style.length === 0)
    throw new ProblemError('VALIDATION_FAILED', 'At least one "style" file part is required');
  if (files.style.length > MAX_STYLES)
    throw new ProblemError('VALIDATION_FAILED', `At most ${MAX_STYLES} style images`);

  const weights = parseJsonField(
    'styleWeights',
    fields.get('styleWeights'),
    z.array(StyleWeightSchema).length(files.style.length),
  );
  const optionsField = fields.get('options');
  const webhookUrl = fields.get('webhook');
  const webhookEvents = fields.get('webhookEvents');
  const retentionSeconds = parseTextField('retention', fields.get('retention'), DurationSchema);
  return {
    content: { label: 'content image', bytes: files.content },
    styles: files.style.map((bytes, index) => ({
      label: `style image ${index + 1}`,
      bytes,
      weight: weights?.[index] ?? 1,
      ...masks[index],
    })),
    ...(files.init ? { init: { label: 'init image', bytes: files.init } } : {}),
    // An absent field means defaults; `null` (or any non-object) is refused like in a JSON body.
    options: parseOptions(
      optionsField === undefined ? {} : parseJsonField('options', optionsField, z.unknown()),
    ),
    ...(webhookUrl
      ? {
          webhook: parseWebhook({
            url: webhookUrl,
            ...(webhookEvents ? { events: webhookEvents.split(',').map((event) => event.trim()) } : {}),
          }),
        }
      : {}),
    priority: parseTextField('priority', fields.get('priority'), JobPrioritySchema) ?? 'normal',
    ...(retentionSeconds === undefined ? {} : { retentionSeconds }),
    fingerprint: hash.digest('hex'),
  };
}

function attachMask(
  masks: StyleMaskRefs[],
  styles: number,
  kind: (typeof MASK_PARTS)[number],
  bytes: Uint8Array,
): void {
  if (styles === 0) {
    throw new ProblemError(
      'VALIDATION_FAILED',
      `A "${kind}" part must follow the "style" part it belongs to`,
    );
  }
  const refs = (masks[styles - 1] ??= {});
  if (refs[kind])
    throw new ProblemError('VALIDATION_FAILED', `Style image ${styles} has two "${kind}" parts`);
  refs[kind] = { label: maskLabel(kind, styles - 1), bytes };
}

const maskLabel = (kind: (typeof MASK_PARTS)[number], index: number): string =>
  `${kind === 'mask' ? 'mask' : 'style mask'} of style image ${index + 1}`;

/**
 * busboy's parse errors (no boundary, a body that ends inside a part, no delimiter at all) are the
 * client's; @fastify/multipart's limit errors carry their own 4xx status for the error handler.
 */
function malformedMultipart(error: unknown): unknown {
  if (error instanceof ProblemError) return error;
  if (error instanceof Error && 'statusCode' in error) return error;
  return new ProblemError(
    'MALFORMED_REQUEST',
    `The multipart/form-data body is malformed: ${errorMessage(error)}`,
  );
}

async function readFile(part: MultipartFile, maxBytes: number): Promise<Uint8Array> {
  const buffer = await part.toBuffer().catch((error: unknown) => {
    if (error instanceof Error && 'code' in error && error.code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new ProblemError(
        'PAYLOAD_TOO_LARGE',
        `The "${part.fieldname}" file is larger than ${maxBytes} bytes`,
      );
    }
    throw error;
  });
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function parseTextField<T>(
  name: string,
  value: string | undefined,
  schema: z.ZodType<T, string>,
): T | undefined {
  if (value === undefined) return undefined;
  const result = schema.safeParse(value.trim());
  if (!result.success) {
    const errors = issuesToErrors(result.error.issues, [name]);
    throw new ProblemError('VALIDATION_FAILED', describeErrors(`"${name}" field`, errors), { errors });
  }
  return result.data;
}

function parseJsonField<T>(name: string, value: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ProblemError(
      name === 'options' ? 'INVALID_OPTIONS' : 'VALIDATION_FAILED',
      `The "${name}" field is not valid JSON`,
    );
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    throw new ProblemError(
      'VALIDATION_FAILED',
      `The "${name}" field is not valid: ${result.error.issues[0]?.message}`,
      {
        errors: issuesToErrors(result.error.issues, [name]),
      },
    );
  }
  return result.data;
}

function parseJson(body: unknown, config: Config): Submission {
  const result = CreateJobJsonBodySchema.safeParse(body);
  if (!result.success) {
    const optionIssues = result.error.issues.filter((issue) => issue.path[0] === 'options');
    const code = optionIssues.length === result.error.issues.length ? 'INVALID_OPTIONS' : 'VALIDATION_FAILED';
    const errors = issuesToErrors(result.error.issues);
    throw new ProblemError(
      code,
      describeErrors(code === 'INVALID_OPTIONS' ? 'options' : 'request body', errors),
      { errors },
    );
  }
  const request = result.data;
  const source = (image: ImageSource, label: string): ImageRef =>
    'url' in image
      ? { label, url: image.url }
      : { label, bytes: decodeBase64(image.data, label, config.maxUploadBytes) };
  return {
    content: source(request.content, 'content image'),
    styles: request.styles.map((style, index) => ({
      ...source(style, `style image ${index + 1}`),
      weight: style.weight ?? 1,
      ...Object.fromEntries(
        MASK_PARTS.flatMap((kind) => {
          const mask = style[kind];
          return mask ? [[kind, source(mask, maskLabel(kind, index))]] : [];
        }),
      ),
    })),
    ...(request.init ? { init: source(request.init, 'init image') } : {}),
    options: parseOptions(request.options ?? {}),
    ...(request.webhook ? { webhook: parseWebhook(request.webhook) } : {}),
    priority: request.priority ?? 'normal',
    ...(request.retention === undefined ? {} : { retentionSeconds: request.retention }),
    fingerprint: hashCanonicalJson(createHash('sha256').update('json\0'), body).digest('hex'),
  };
}

function decodeBase64(data: string, label: string, maxBytes: number): Uint8Array {
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > maxBytes)
    throw new ProblemError('PAYLOAD_TOO_LARGE', `${label} is larger than ${maxBytes} bytes`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function parseOptions(input: unknown): StyleOptions {
  const result = StyleOptionsSchema.safeParse(input);
  if (!result.success) {
    const errors = issuesToErrors(result.error.issues, ['options']);
    throw new ProblemError('INVALID_OPTIONS', describeErrors('options', errors), { errors });
  }
  return result.data;
}

function parseWebhook(input: unknown): WebhookSubscription {
  const result = WebhookSubscriptionSchema.extend({
    events: z.array(WebhookEventTypeSchema).min(1).optional(),
  }).safeParse(input);
  if (!result.success) {
    const errors = issuesToErrors(result.error.issues, ['webhook']);
    throw new ProblemError('VALIDATION_FAILED', describeErrors('webhook', errors), { errors });
  }
  return WebhookSubscriptionSchema.parse(result.data);
}

function describeErrors(what: string, errors: { path: string; message: string }[]): string {
  const listed = errors.slice(0, 3).map((error) => `${error.path}: ${error.message}`);
  return `Invalid ${what}: ${listed.join('; ')}${errors.length > 3 ? ` (and ${errors.length - 3} more)` : ''}`;
}

/**
 * Hashes JSON with sorted keys, so the same body hashes the same whatever the key order. Streams into the
 * hash instead of building the canonical text: a 100 MB body of base64 images is never copied whole.
 */
function hashCanonicalJson(hash: Hash, value: unknown): Hash {
  if (Array.isArray(value)) {
    hash.update('[');
    value.forEach((entry, index) => hashCanonicalJson(index > 0 ? hash.update(',') : hash, entry));
    return hash.update(']');
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    hash.update('{');
    entries.forEach(([key, entry], index) => {
      hash.update(`${index > 0 ? ',' : ''}${JSON.stringify(key)}:`);
      hashCanonicalJson(hash, entry);
    });
    return hash.update('}');
  }
  // Strings JSON.stringify would leave as they are (base64 images) go in without a quoted copy.
  if (typeof value === 'string' && !NEEDS_JSON_ESCAPE.test(value))
    return hash.update('"').update(value).update('"');
  return hash.update(JSON.stringify(value));
}

/** Characters JSON.stringify escapes (quote, backslash, controls) or may (surrogates). */
// eslint-disable-next-line no-control-regex
const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Downloads URL images (SSRF-guarded), checks every image and the webhook URL. Nothing is stored yet. */
export async function validateSubmission(
  submission: Submission,
  config: Config,
  chargeCost: ChargeCost,
): Promise<ValidatedSubmission> {
  if (submission.options.init === 'image' && !submission.init) {
    throw new ProblemError('INVALID_OPTIONS', 'options.init is "image" but no init image was sent');
  }
  if (submission.webhook) {
    // A host that does not resolve now may later; delivery checks the address again on every attempt.
    await assertPublicUrl(submission.webhook.url, config.webhooks.allowPrivate).catch((error: unknown) => {
      if (!(error instanceof UrlFetchError)) throw toProblem(error, 'webhook URL');
    });
  }
  const load = async (image: ImageRef) => {
    const bytes = 'bytes' in image ? image.bytes : await download(image.url, image.label, config);
    return { bytes, size: await validateImage(bytes, image.label, config.maxInputPixels) };
  };
  const [content, init, styles] = await Promise.all([
    load(submission.content),
    submission.init ? load(submission.init) : undefined,
    Promise.all(submission.styles.map(load)),
  ]);
  const withMasks = await Promise.all(
    submission.styles.map(async (style, index): Promise<StyleInput> => {
      const image = styles[index]!.bytes;
      const loadMask = async (ref: ImageRef | undefined, of: Uint8Array, ofLabel: string) => {
        if (!ref) return undefined;
        const { bytes } = await load(ref);
        await assertSameAspect(bytes, of, { mask: ref.label, image: ofLabel }).catch((error: unknown) => {
          throw error instanceof StyleTransferError
            ? new ProblemError('MASK_MISMATCH', error.message)
            : error;
        });
        return bytes;
      };
      const [mask, styleMask] = await Promise.all([
        loadMask(style.mask, content.bytes, 'the content image'),
        loadMask(style.styleMask, image, style.label),
      ]);
      return {
        bytes: image,
        weight: style.weight,
        ...(mask ? { mask } : {}),
        ...(styleMask ? { styleMask } : {}),
      };
    }),
  );
  const { options } = submission;
  const styleSizes = styles.map((style) => style.size);
  const jobPlan = plan(
    options,
    { content: content.size, styles: styleSizes, masks: withMasks.filter((style) => style.mask).length },
    config,
  );
  assertImagesLargeEnough(options, jobPlan, styleSizes);
  const cost = jobCost(jobPlan);
  assertJobCost(options, cost, config);
  try {
    assertTilingSupports(jobPlan, options);
  } catch (error) {
    throw new ProblemError('INVALID_OPTIONS', errorMessage(error));
  }
  // Last: every other check passed, so a refused job is never charged.
  await chargeCost(cost);
  return {
    options,
    fingerprint: submission.fingerprint,
    priority: submission.priority,
    ...(submission.retentionSeconds === undefined ? {} : { retentionSeconds: submission.retentionSeconds }),
    ...(submission.webhook ? { webhook: submission.webhook } : {}),
    content: content.bytes,
    styles: withMasks,
    ...(init ? { init: init.bytes } : {}),
    plan: jobPlan,
  };
}

/**
 * The plan the worker will make (same function, same budget): a job that fits nowhere is refused here,
 * with nothing stored or queued, instead of failing on a worker.
 */
function plan(options: StyleOptions, images: JobImages, config: Config): JobPlan {
  try {
    return planJob(
      options,
      images,
      planningLimits(
        config.worker.backend,
        config.worker.memoryBudgetBytes,
        'the worker memory budget (WORKER_MEMORY_BUDGET_MB)',
      ),
    );
  } catch (error) {
    if (error instanceof StyleTransferError && error.code === 'MEMORY_LIMIT') {
      throw new ProblemError('MEMORY_LIMIT', error.message);
    }
    throw error;
  }
}

async function download(url: string, label: string, config: Config): Promise<Uint8Array> {
  try {
    const { body } = await fetchPublicUrl(url, { ...config.urlFetch, maxBytes: config.maxUploadBytes });
    return body;
  } catch (error) {
    throw toProblem(error, label);
  }
}

function toProblem(error: unknown, label: string): unknown {
  if (error instanceof UrlForbiddenError)
    return new ProblemError('URL_FORBIDDEN', `${label}: ${error.message}`);
  if (error instanceof UrlResponseTooLargeError)
    return new ProblemError('PAYLOAD_TOO_LARGE', `${label}: ${error.message}`);
  if (error instanceof UrlFetchError)
    return new ProblemError('URL_FETCH_FAILED', `${label}: ${error.message}`);
  return error;
}
