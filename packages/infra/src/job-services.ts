import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  QUEUE_NAMES,
  type DeadlineData,
  type QueueJobData,
  type WebhookDeliveryData,
} from '@neural-style/contract';
import type { Config } from './config.js';
import { JobStore } from './job-store.js';
import { JobLifecycle } from './lifecycle.js';
import { createStorage, type Storage } from './storage/index.js';
import { WebhookDeliveryLog } from './webhook-log.js';

/** The job services every process uses (API, worker, its sandboxed children), on one Redis connection. */
export interface JobServices {
  redis: Redis;
  storage: Storage;
  jobStore: JobStore;
  jobQueue: Queue<QueueJobData>;
  webhookQueue: Queue<WebhookDeliveryData>;
  /** Cancel-After deadlines, delayed until due. */
  deadlineQueue: Queue<DeadlineData>;
  webhookLog: WebhookDeliveryLog;
  lifecycle: JobLifecycle;
  /** Closes the queues; the Redis connection stays the caller's. */
  close(): Promise<void>;
}

/** Builds the job services from the configuration; `storage` may be passed in (tests share one S3 server). */
export function createJobServices(
  redis: Redis,
  config: Pick<Config, 'queuePrefix' | 'publicUrl' | 'storage' | 'worker'>,
  overrides: { storage?: Storage } = {},
): JobServices {
  const prefix = config.queuePrefix;
  const storage = overrides.storage ?? createStorage(config.storage);
  const jobStore = new JobStore(redis, { prefix, publicUrl: config.publicUrl });
  const jobQueue = new Queue<QueueJobData>(QUEUE_NAMES.jobs, { connection: redis, prefix });
  const webhookQueue = new Queue<WebhookDeliveryData>(QUEUE_NAMES.webhooks, { connection: redis, prefix });
  const deadlineQueue = new Queue<DeadlineData>(QUEUE_NAMES.deadlines, { connection: redis, prefix });
  const lifecycle = new JobLifecycle({
    redis,
    prefix,
    storage,
    jobStore,
    jobQueue,
    webhookQueue,
    deadlineQueue,
    maxAttempts: config.worker.maxAttempts,
  });
  return {
    redis,
    storage,
    jobStore,
    jobQueue,
    webhookQueue,
    deadlineQueue,
    webhookLog: new WebhookDeliveryLog(redis, prefix),
    lifecycle,
    async close() {
      await Promise.all([jobQueue.close(), webhookQueue.close(), deadlineQueue.close()]);
    },
  };
}
