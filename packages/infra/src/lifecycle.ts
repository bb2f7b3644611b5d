import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { OUTPUT_FORMATS, type OutputFormat } from '@neural-style/vocabulary';
import {
  QUEUE_NAMES,
  type CancelReason,
  type DeadlineData,
  type Job,
  type JobPriority,
  type JobError,
  type JobMetrics,
  type JobProgress,
  type QueueJobData,
  type WebhookDeliveryData,
  type WebhookEventType,
  type WebhookSubscription,
} from '@neural-style/contract';
import { publishCancel, publishJobEvent } from './events.js';
import { newJobId } from './ids.js';
import type { JobStore, TransitionResult } from './job-store.js';
import { fairQueuePriority } from './scheduling.js';
import { storageKeys, type Storage } from './storage/index.js';
import { enqueueWebhookEvent } from './webhooks.js';

/** What a new job is made of: the validated request. */
export interface NewJob {
  tenant: string;
  options: Job['options'];
  /** The plan made at submission (passes, tiles, memory estimate), kept in the record. */
  plan?: NonNullable<Job['plan']>;
  webhook?: WebhookSubscription;
  /** Default normal. */
  priority?: JobPriority;
  /** The effective retention (the caller applies the server's cap); absent: kept until deleted. */
  retentionSeconds?: number;
  /** Cancel-After: the job is canceled this long after its creation unless it has ended. */
  cancelAfterSeconds?: number;
  content: Uint8Array;
  styles: StyleInput[];
  init?: Uint8Array;
}

/** A style image with its blend weight and optional masks, as the API validated them. */
export interface StyleInput {
  bytes: Uint8Array;
  weight: number;
  mask?: Uint8Array;
  styleMask?: Uint8Array;
}

/** The engine's result as the record and storage need it. */
export interface JobResult {
  image: Uint8Array;
  format: OutputFormat;
  width: number;
  height: number;
  metrics: Pick<JobMetrics, 'runMs' | 'secondsPerIteration' | 'backend'>;
  progress: JobProgress;
}

export interface JobLifecycleDeps {
  redis: Redis;
  prefix: string;
  storage: Storage;
  jobStore: JobStore;
  jobQueue: Queue<QueueJobData>;
  webhookQueue: Queue<WebhookDeliveryData>;
  deadlineQueue: Queue<DeadlineData>;
  /** Queue attempts per job (JOB_MAX_ATTEMPTS). */
  maxAttempts: number;
}

const WEBHOOK_FOR_STATUS: Partial<Record<Job['status'], WebhookEventType>> = {
  succeeded: 'job.succeeded',
  failed: 'job.failed',
  canceled: 'job.canceled',
};

/**
 * Every status change of a job, for the API and the worker alike. All changes are compare-and-set in
 * JobStore, and the one call that made a change announces it (a `completed` event for SSE listeners and
 * metrics, the matching webhook), so each job ends in one terminal state announced once.
 */
export class JobLifecycle {
  constructor(private readonly deps: JobLifecycleDeps) {}

  /** Stores the inputs, creates the record, then queues the work (in that order: a worker must find both). */
  async create(input: NewJob): Promise<Job> {
    const { storage, jobStore } = this.deps;
    const id = newJobId();
    const inputs: QueueJobData['inputs'] = {
      content: storageKeys.content(id),
      styles: input.styles.map((style, index) => ({
        key: storageKeys.style(id, index),
        weight: style.weight,
        ...(style.mask ? { mask: storageKeys.mask(id, index) } : {}),
        ...(style.styleMask ? { styleMask: storageKeys.styleMask(id, index) } : {}),
      })),
      ...(input.init ? { init: storageKeys.init(id) } : {}),
    };
    await storage.put(inputs.content, input.content, 'application/octet-stream');
    const styleFiles = input.styles.flatMap(
      (style, index): [string | undefined, Uint8Array | undefined][] => {
        const keys = inputs.styles[index]!;
        return [
          [keys.key, style.bytes],
          [keys.mask, style.mask],
          [keys.styleMask, style.styleMask],
        ];
      },
    );
    await Promise.all(
      styleFiles.flatMap(([key, bytes]) =>
        key && bytes ? [storage.put(key, bytes, 'application/octet-stream')] : [],
      ),
    );
    if (input.init && inputs.init) await storage.put(inputs.init, input.init, 'application/octet-stream');

    const webhook = input.webhook ? { webhook: input.webhook } : {};
    const createdAt = new Date();
    const cancelAt =
      input.cancelAfterSeconds === undefined
        ? undefined
        : new Date(createdAt.getTime() + input.cancelAfterSeconds * 1000);
    const job = await jobStore.create({
      id,
      createdAt,
      tenant: input.tenant,
      options: input.options,
      ...(input.plan && { plan: input.plan }),
      priority: input.priority ?? 'normal',
      ...(input.retentionSeconds === undefined ? {} : { retentionSeconds: input.retentionSeconds }),
      ...(cancelAt ? { cancelAt } : {}),
      ...webhook,
    });
    const data: QueueJobData = {
      jobId: id,
      tenant: input.tenant,
      options: input.options,
      inputs,
      ...webhook,
    };
    try {
      if (cancelAt) {
        // Before the work is queued, so a job never runs without its deadline armed.
        await this.deps.deadlineQueue.add(
          QUEUE_NAMES.deadlines,
          { jobId: id },
          {
            jobId: id,
            delay: Math.max(0, cancelAt.getTime() - Date.now()),
            removeOnComplete: true,
            removeOnFail: { age: 24 * 3600 },
          },
        );
      }
      await this.deps.jobQueue.add(QUEUE_NAMES.jobs, data, {
        jobId: id,
        priority: await this.queuePriority(input.tenant, job.priority),
        attempts: this.deps.maxAttempts,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    } catch (error) {
      await jobStore.markFailed(id, { code: 'INTERNAL', message: 'The job could not be queued' });
      throw error;
    }
    return job;
  }

  /** queued → running (or running again after a crash); `job.started` goes out on the first start only. */
  async start(id: string, backend: string): Promise<TransitionResult> {
    const started = await this.deps.jobStore.markRunning(id, { backend });
    if (started.applied && started.previous === 'queued') await this.queueWebhook(started.job, 'job.started');
    return started;
  }

  /**
   * Cancels a queued or running job and announces it. A queued entry leaves the queue; a running job's
   * worker hears the broadcast and stops at its next iteration (a worker that grabbed a queued job
   * meanwhile finds it canceled and skips it).
   */
  async cancel(id: string, reason: CancelReason = 'requested'): Promise<TransitionResult> {
    const canceled = await this.deps.jobStore.markCanceled(id, reason);
    if (!canceled.applied) return canceled;
    if (canceled.previous === 'queued') await this.deps.jobQueue.remove(id).catch(() => 0);
    await publishCancel(this.deps.redis, this.deps.prefix, id);
    await this.announce(canceled.job);
    return canceled;
  }

  /**
   * Stores the output, then marks the job succeeded. The output goes first so that a succeeded record
   * always has its file; if the job ended otherwise meanwhile (a cancel that raced the engine's last
   * iteration), the file is deleted again: that end was announced by whoever made it.
   */
  async succeed(id: string, result: JobResult): Promise<TransitionResult> {
    const { storage, jobStore } = this.deps;
    const outputKey = storageKeys.output(id, result.format);
    await storage.put(outputKey, result.image, OUTPUT_FORMATS[result.format].contentType);
    const done = await jobStore.markSucceeded(id, {
      output: { width: result.width, height: result.height, format: result.format },
      metrics: result.metrics,
      progress: result.progress,
    });
    if (!done.applied) {
      await storage.delete(outputKey);
      return done;
    }
    // Resume points are of no use once the job is done.
    await storage.delete(storageKeys.checkpoints(id));
    await this.announce(done.job);
    return done;
  }

  /** Marks a queued or running job failed and announces it, unless it had ended already. */
  async fail(id: string, error: JobError): Promise<TransitionResult> {
    const failed = await this.deps.jobStore.markFailed(id, error);
    if (failed.applied) await this.announce(failed.job);
    return failed;
  }

  /** The new job counts itself among the tenant's active jobs: its rank is one less (scheduling.ts). */
  private async queuePriority(tenant: string, priority: JobPriority): Promise<number> {
    const { active } = await this.deps.jobStore.activeCounts(tenant);
    return fairQueuePriority(priority, { ...active, [priority]: Math.max(0, active[priority] - 1) });
  }

  /** The `completed` event and the terminal webhook, for the transition this process just made. */
  private async announce(job: Job): Promise<void> {
    await publishJobEvent(this.deps.redis, this.deps.prefix, job.id, { event: 'completed', data: job });
    const type = WEBHOOK_FOR_STATUS[job.status];
    if (type) await this.queueWebhook(job, type);
    // An ended job's deadline has nothing left to do (an entry being processed right now stays; it is a no-op).
    if (job.cancelAt) await this.deps.deadlineQueue.remove(job.id).catch(() => 0);
  }

  private async queueWebhook(job: Job, type: WebhookEventType): Promise<void> {
    const stored = await this.deps.jobStore.get(job.id);
    await enqueueWebhookEvent(this.deps.webhookQueue, stored?.webhook, type, job);
  }
}
