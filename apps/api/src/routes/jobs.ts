import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  isTerminal,
  JobIdParamsSchema,
  JobSchema,
  ListJobsQuerySchema,
  ListJobsResponseSchema,
  parseDurationSeconds,
  type Job,
} from '@neural-style/contract';
import { estimateQueuePosition, InvalidCursorError, type NewJob } from '@neural-style/infra';
import type { ApiServices } from '../services.js';
import { IdempotencyStore, parseIdempotencyKey } from '../idempotency.js';
import { ProblemError } from '../problem.js';
import { preferredWaitSeconds } from '../prefer.js';
import { CostLedger } from '../job-limits.js';
import { AUTH_PROBLEMS, problemResponses } from '../schemas.js';
import { parseSubmission, validateSubmission, type Submission } from '../submission.js';

const PreferHeaderSchema = z
  .string()
  .optional()
  .describe('`wait=N`: hold the answer up to N seconds (capped by MAX_WAIT_SECONDS) for the job to end.');

const JobHeadersSchema = z.looseObject({
  'idempotency-key': z
    .string()
    .optional()
    .describe(
      'Makes retries safe: the same key with the same body returns the first job (max 255 characters).',
    ),
  prefer: PreferHeaderSchema,
  'cancel-after': z
    .string()
    .optional()
    .describe(
      'Cancel the job if it has not ended this long after creation, queued or running: `90s`, `5m`, `1h`, ' +
        '`1h30m` or seconds; longer than MAX_CANCEL_AFTER_SECONDS is cut to it.',
    ),
});

const jobNotFound = (id: string) => new ProblemError('NOT_FOUND', `No job ${id}`);

/** POST /jobs, GET /jobs, GET /jobs/{id}, POST /jobs/{id}/cancel. */
export const jobRoutes: FastifyPluginAsyncZod<{ services: ApiServices }> = async (app, { services }) => {
  const { config, jobStore, lifecycle } = services;
  const costs = new CostLedger(services.redis, config.queuePrefix, config.cost.maxPerTenantPerHour);
  /** Queue limits first (cheap), then downloads, image and cost checks, then the job. */
  const createJob = async (tenant: string, submission: Submission, cancelAfter: number | undefined) => {
    await admit(services, tenant, submission);
    const { content, styles, init, options, plan, webhook, priority } = await validateSubmission(
      submission,
      config,
      (cost) => costs.charge(tenant, cost),
    );
    const retention = retentionSeconds(submission.retentionSeconds, config.retentionHours);
    const job: NewJob = {
      tenant,
      options,
      plan,
      priority,
      content,
      styles,
      ...(init ? { init } : {}),
      ...(webhook ? { webhook } : {}),
      ...(retention === undefined ? {} : { retentionSeconds: retention }),
      ...(cancelAfter === undefined ? {} : { cancelAfterSeconds: cancelAfter }),
    };
    return lifecycle.create(job);
  };
  const idempotency = new IdempotencyStore(services.redis, config.queuePrefix);

  app.post(
    '/jobs',
    {
      // JSON bodies carry base64 images: room for a content, an init and a few style images at the upload limit.
      bodyLimit: Math.ceil((config.maxUploadBytes * 4) / 3) * 4 + 1024 * 1024,
      schema: {
        tags: ['jobs'],
        operationId: 'createJob',
        summary: 'Create a style-transfer job',
        description:
          'Answers 202 with the queued job. `Idempotency-Key` makes retries safe; `Prefer: wait=N` holds the ' +
          'answer up to N seconds and answers 200 if the job finished by then.',
        headers: JobHeadersSchema,
        response: {
          200: JobSchema.describe('The job finished within Prefer: wait.'),
          202: JobSchema.describe('The job is queued (or running).'),
          ...problemResponses(400, ...AUTH_PROBLEMS, 409, 413, 415, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const cancelAfter = cancelAfterSeconds(request.headers['cancel-after'], config.maxCancelAfterSeconds);
      const submission = await parseSubmission(request, config);
      const key = parseIdempotencyKey(request.headers['idempotency-key']);
      let job: Job;
      if (key) {
        const existingId = await idempotency.begin(request.tenant, key, submission.fingerprint);
        if (existingId) {
          const existing = await jobStore.getForTenant(existingId, request.tenant);
          if (!existing) throw jobNotFound(existingId);
          reply.header('idempotent-replayed', 'true');
          return answerJob(reply, services, existing, request.headers.prefer);
        }
        try {
          job = await createJob(request.tenant, submission, cancelAfter);
        } catch (error) {
          await idempotency.abandon(request.tenant, key);
          throw error;
        }
        await idempotency.complete(request.tenant, key, submission.fingerprint, job.id);
      } else {
        job = await createJob(request.tenant, submission, cancelAfter);
      }
      return answerJob(reply, services, job, request.headers.prefer);
    },
  );

  app.get(
    '/jobs',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'listJobs',
        summary: "List the caller's jobs, newest first",
        querystring: ListJobsQuerySchema,
        response: { 200: ListJobsResponseSchema, ...problemResponses(400, ...AUTH_PROBLEMS) },
      },
    },
    async (request) => {
      try {
        return await jobStore.list(request.tenant, request.query);
      } catch (error) {
        if (error instanceof InvalidCursorError) throw new ProblemError('VALIDATION_FAILED', error.message);
        throw error;
      }
    },
  );

  app.get(
    '/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'getJob',
        summary: 'Get a job',
        description:
          'With `Prefer: wait=N` the answer waits up to N seconds for the job to end (long polling). A ' +
          'queued job carries `queuePosition` and, once recent run times are known, `estimatedStartAt`.',
        params: JobIdParamsSchema,
        headers: z.looseObject({ prefer: PreferHeaderSchema }),
        response: { 200: JobSchema, ...problemResponses(...AUTH_PROBLEMS, 404) },
      },
    },
    async (request, reply) => {
      const job = await jobStore.getForTenant(request.params.id, request.tenant);
      if (!job) throw jobNotFound(request.params.id);
      const seconds = preferredWaitSeconds(request.headers.prefer, config.maxWaitSeconds);
      if (seconds === undefined || isTerminal(job.status)) return withQueuePosition(services, job);
      reply.header('preference-applied', `wait=${seconds}`);
      return withQueuePosition(services, await waitForTerminal(services, job.id, seconds * 1000));
    },
  );

  app.post(
    '/jobs/:id/cancel',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'cancelJob',
        summary: 'Cancel a job',
        description:
          'A queued job is removed from the queue; a running job stops at its next iteration. Canceling a ' +
          'canceled job answers the job again.',
        params: JobIdParamsSchema,
        response: { 200: JobSchema, ...problemResponses(...AUTH_PROBLEMS, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await jobStore.getForTenant(id, request.tenant))) throw jobNotFound(id);
      const result = await lifecycle.cancel(id);
      if (!result.applied) {
        if (result.job.status === 'canceled') return result.job;
        throw new ProblemError('JOB_NOT_CANCELABLE', `Job ${id} has already ${result.job.status}`);
      }
      return result.job;
    },
  );
};

/** 202 with the job, or — with `Prefer: wait=N` — 200 if it finishes within N seconds. */
async function answerJob(reply: FastifyReply, services: ApiServices, job: Job, prefer: string | undefined) {
  reply.header('location', `/jobs/${job.id}`);
  const seconds = preferredWaitSeconds(prefer, services.config.maxWaitSeconds);
  if (seconds !== undefined) reply.header('preference-applied', `wait=${seconds}`);
  const current = seconds === undefined ? job : await waitForTerminal(services, job.id, seconds * 1000);
  return reply.code(isTerminal(current.status) ? 200 : 202).send(await withQueuePosition(services, current));
}

/** `Cancel-After` in seconds, at most `maxSeconds`; undefined without the header. */
function cancelAfterSeconds(header: string | undefined, maxSeconds: number): number | undefined {
  if (header === undefined) return undefined;
  const seconds = parseDurationSeconds(header);
  if (seconds === undefined || seconds <= 0) {
    const message = `"${header}" is not a positive duration such as 90s, 5m, 1h or a number of seconds`;
    throw new ProblemError('VALIDATION_FAILED', `Invalid Cancel-After header: ${message}`, {
      errors: [{ path: 'headers.cancel-after', message }],
    });
  }
  return Math.min(seconds, maxSeconds);
}

/**
 * Refuses a job over the tenant's limits (queued jobs; queued or running high-priority jobs) before any
 * image is downloaded or stored. Concurrent requests may overshoot a limit by a few jobs.
 */
async function admit(services: ApiServices, tenant: string, submission: Submission): Promise<void> {
  const limits = services.config.queueLimits;
  const counts = await services.jobStore.activeCounts(tenant);
  if (limits.maxQueuedPerTenant > 0 && counts.queued >= limits.maxQueuedPerTenant) {
    throw new ProblemError(
      'QUEUED_JOBS_LIMIT',
      `You have ${counts.queued} queued jobs, the most allowed (${limits.maxQueuedPerTenant}); submit more once some have started`,
    );
  }
  if (submission.priority === 'high' && counts.active.high >= limits.maxHighPriorityPerTenant) {
    throw new ProblemError(
      'HIGH_PRIORITY_LIMIT',
      `You have ${counts.active.high} high-priority jobs queued or running, the most allowed (${limits.maxHighPriorityPerTenant}); use priority normal or wait for one to end`,
    );
  }
}

/** The effective retention: the request's, at most the server's (RETENTION_HOURS, 0 = keep). */
function retentionSeconds(requested: number | undefined, serverHours: number): number | undefined {
  const server = serverHours > 0 ? serverHours * 3600 : undefined;
  if (requested === undefined) return server;
  return server === undefined ? requested : Math.min(requested, server);
}

/** A queued job with its place in the queue; other jobs as they are. */
async function withQueuePosition(services: ApiServices, job: Job): Promise<Job> {
  if (job.status !== 'queued') return job;
  const position = await estimateQueuePosition(
    { redis: services.redis, queue: services.jobQueue, jobStore: services.jobStore },
    job.id,
  );
  return position ? { ...job, ...position } : job;
}

async function waitForTerminal(services: ApiServices, id: string, timeoutMs: number): Promise<Job> {
  let stop = () => {};
  const finished = new Promise<void>((resolve) => {
    stop = services.events.subscribe(id, (_jobId, event) => {
      if (event.event === 'completed') resolve();
    });
  });
  try {
    // Subscribed first, then read: a completion between the two is not missed.
    const job = await services.jobStore.get(id);
    if (!job || isTerminal(job.job.status))
      return job?.job ?? Promise.reject(new Error(`Job ${id} vanished`));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    const current = await services.jobStore.get(id);
    if (!current) throw new Error(`Job ${id} vanished`);
    return current.job;
  } finally {
    stop();
  }
}
