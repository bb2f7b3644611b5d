import { fork } from 'node:child_process';
import { QueueEvents, Worker, type Job as QueueJob } from 'bullmq';
import { QUEUE_NAMES, type QueueJobData, type WebhookDeliveryData } from '@neural-style/contract';
import type { BackendInfo } from '@neural-style/core';
import {
  connectRedis,
  createJobServices,
  describeRedisStateChange,
  duplicateRedis,
  RedisHealthLog,
  loadConfig,
  subscribeCancels,
  type Config,
  type JobLifecycle,
} from '@neural-style/infra';
import { ABORT_REASONS } from './abort-reasons.js';
import type { JobOutcome } from './child/run-job.js';
import { childExecArgv, childModule } from './sandbox.js';
import { createDeadlineWorker } from './deadlines.js';
import { createWebhookWorker, DEFAULT_WEBHOOK_DELIVERY } from './webhooks/webhook-worker.js';
import { ensureVgg19Weights } from './weights.js';

/** A job whose worker died is handed to another one this many times before it is failed. */
const MAX_STALLED_COUNT = 3;

export interface StartWorkerOptions {
  /** Environment of the worker and its child processes (config comes from it). Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Check in a child process that the engine loads before taking jobs. Default true. */
  preflight?: boolean;
  log?: (line: string) => void;
}

export interface RunningWorker {
  config: Config;
  /** The engine backend the preflight found (undefined when preflight was skipped). */
  backend: BackendInfo | undefined;
  styleWorker: Worker<QueueJobData, JobOutcome>;
  webhookWorker: Worker<WebhookDeliveryData> | undefined;
  /**
   * Stops taking jobs, lets running ones finish for `graceMs` (default SHUTDOWN_GRACE_MS), then asks them
   * to hand themselves back to the queue (they resume from their last checkpoint elsewhere).
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts the style-job worker (sandboxed engine), the webhook delivery worker, the Cancel-After deadline
 * worker and the cancel listener.
 */
export async function startWorker(options: StartWorkerOptions = {}): Promise<RunningWorker> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(line));
  const config = loadConfig(env);
  // The engine processes load the weights this resolves to (downloaded on first start when unset).
  const childEnv = { ...env, VGG19_WEIGHTS: await ensureVgg19Weights(config, env, log) };
  const backend = options.preflight === false ? undefined : await preflight(childEnv);
  if (backend) {
    const kernels =
      backend.kernels === 'onednn'
        ? ' with the oneDNN kernels'
        : backend.oneDnnUnavailable
          ? ` without the oneDNN kernels (${backend.oneDnnUnavailable})`
          : '';
    log(`worker: engine backend ${backend.name}${backend.gpu ? ' (GPU)' : ''}${kernels}`);
  }

  const redis = await connectRedis(config.redisUrl, { name: 'worker' });
  // Redis outages: one line when it goes away and one when it is back, not a stack per retry.
  const redisHealth = new RedisHealthLog((change) => log(describeRedisStateChange(change))).watch(redis);
  const subscriber = await duplicateRedis(redis, 'worker-cancels');
  const prefix = config.queuePrefix;
  const jobServices = createJobServices(redis, config);

  const styleWorker = new Worker<QueueJobData, JobOutcome>(QUEUE_NAMES.jobs, childModule('processor'), {
    connection: redis,
    prefix,
    concurrency: config.worker.concurrency,
    useWorkerThreads: false,
    workerForkOptions: { execArgv: childExecArgv(), env: childEnv },
    lockDuration: config.worker.lockMs,
    stalledInterval: config.worker.stalledIntervalMs,
    maxStalledCount: MAX_STALLED_COUNT,
  });
  styleWorker.on('error', (error) => redisHealth.error(error, 'style worker'));
  jobServices.jobQueue.on('error', (error) => redisHealth.error(error, 'style-jobs queue'));
  jobServices.webhookQueue.on('error', (error) => redisHealth.error(error, 'webhooks queue'));
  styleWorker.on('lockRenewalFailed', (jobIds) => {
    for (const id of jobIds) styleWorker.cancelJob(id, ABORT_REASONS.lockLost);
  });
  styleWorker.on('failed', (job, error) => {
    if (job)
      void recordFinalFailure(jobServices.lifecycle, job, error).catch((cause: unknown) =>
        log(`worker: ${String(cause)}`),
      );
  });

  // A job whose workers died MAX_STALLED_COUNT times is failed inside Redis by BullMQ's stalled check, which
  // emits no 'failed' on any worker; only the queue's event stream reports it.
  const eventsConnection = await duplicateRedis(redis, 'worker-queue-events');
  const queueEvents = new QueueEvents(QUEUE_NAMES.jobs, { connection: eventsConnection, prefix });
  queueEvents.on('error', (error) => redisHealth.error(error, 'queue events'));
  queueEvents.on('failed', ({ jobId, failedReason }) => {
    if (!/stalled/i.test(failedReason)) return;
    void jobServices.lifecycle
      .fail(jobId, {
        code: 'INTERNAL',
        message: `the job's worker stopped ${MAX_STALLED_COUNT + 1} times while running it; giving up`,
      })
      .catch((cause: unknown) => log(`worker: ${String(cause)}`));
  });

  const unsubscribe = await subscribeCancels(subscriber, prefix, (jobId) => {
    styleWorker.cancelJob(jobId, ABORT_REASONS.canceled);
  });

  const deadlinesConnection = await duplicateRedis(redis, 'worker-deadlines');
  const deadlineWorker = createDeadlineWorker(deadlinesConnection, prefix, jobServices.lifecycle);
  deadlineWorker.on('error', (error) => log(`deadlines: ${error.message}`));

  const webhookWorker = config.webhooks.secret
    ? createWebhookWorker(await duplicateRedis(redis, 'worker-webhooks'), prefix, {
        ...DEFAULT_WEBHOOK_DELIVERY,
        secret: config.webhooks.secret,
        allowPrivate: config.webhooks.allowPrivate,
        timeoutMs: config.webhooks.timeoutMs,
        maxAttempts: config.webhooks.maxAttempts,
      })
    : undefined;
  if (webhookWorker) webhookWorker.on('error', (error) => redisHealth.error(error, 'webhook worker'));
  else log('worker: WEBHOOK_SECRET is not set, so webhooks are not delivered');

  await styleWorker.waitUntilReady();
  let closing: Promise<void> | undefined;
  return {
    config,
    backend,
    styleWorker,
    webhookWorker,
    close(graceMs = config.worker.shutdownGraceMs) {
      closing ??= (async () => {
        const stopped = styleWorker.close();
        const handBack = setTimeout(() => styleWorker.cancelAllJobs(ABORT_REASONS.shutdown), graceMs);
        await stopped;
        clearTimeout(handBack);
        await unsubscribe();
        await Promise.all([
          webhookWorker?.close(),
          deadlineWorker.close(),
          jobServices.close(),
          queueEvents.close(),
        ]);
        subscriber.disconnect();
        eventsConnection.disconnect();
        deadlinesConnection.disconnect();
        await redis.quit();
      })();
      return closing;
    },
  };
}

/** Fails the job record once BullMQ gives up on it (attempts used up, or an unrecoverable error). */
async function recordFinalFailure(
  lifecycle: JobLifecycle,
  job: QueueJob<QueueJobData>,
  error: Error,
): Promise<void> {
  const final = error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
  if (!final || !job.data?.jobId) return;
  await lifecycle.fail(job.data.jobId, { code: 'INTERNAL', message: error.message });
}

/** Loads the engine once in a throwaway child process; rejects with the engine's message if it cannot. */
function preflight(env: Record<string, string | undefined>): Promise<BackendInfo> {
  return new Promise((resolve, reject) => {
    const child = fork(childModule('preflight'), [], { execArgv: childExecArgv(), env, stdio: 'inherit' });
    let answered = false;
    child.on('message', (message: { ok: boolean; backend?: BackendInfo; message?: string }) => {
      answered = true;
      if (message.ok && message.backend) resolve(message.backend);
      else reject(new Error(`the engine cannot start: ${message.message ?? 'unknown error'}`));
    });
    child.on('exit', (code) => {
      if (!answered) reject(new Error(`the engine check exited with code ${code} before answering`));
    });
    child.on('error', reject);
  });
}
