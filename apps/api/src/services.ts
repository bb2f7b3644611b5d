import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES, type QueueJobData, type WebhookDeliveryData } from '@neural-style/contract';
import {
  connectRedis,
  createStorage,
  duplicateRedis,
  JobEventHub,
  JobStore,
  WebhookDeliveryLog,
  type Config,
  type Storage,
} from '@neural-style/infra';
import { ApiMetrics } from './metrics.js';

/** Everything the routes use, created once per process and handed to `buildApp`. */
export interface ApiServices {
  config: Config;
  redis: Redis;
  storage: Storage;
  jobStore: JobStore;
  jobQueue: Queue<QueueJobData>;
  webhookQueue: Queue<WebhookDeliveryData>;
  webhookLog: WebhookDeliveryLog;
  events: JobEventHub;
  metrics: ApiMetrics;
}

export interface ConnectedServices extends ApiServices {
  close(): Promise<void>;
}

/**
 * Connects to Redis (failing with a clear message when it is down), opens storage and queues, and starts
 * relaying job events. `storage` may be passed in (tests share one S3 server).
 */
export async function createServices(
  config: Config,
  overrides: { storage?: Storage } = {},
): Promise<ConnectedServices> {
  const redis = await connectRedis(config.redisUrl, { name: 'api' });
  const subscriber = await duplicateRedis(redis, 'api-events');
  const storage = overrides.storage ?? createStorage(config.storage);
  const queueOptions = { connection: redis, prefix: config.queuePrefix };
  const jobQueue = new Queue<QueueJobData>(QUEUE_NAMES.jobs, queueOptions);
  const webhookQueue = new Queue<WebhookDeliveryData>(QUEUE_NAMES.webhooks, queueOptions);
  const events = new JobEventHub(subscriber, config.queuePrefix);
  await events.start();
  const metrics = new ApiMetrics(jobQueue);
  const stopMetrics = events.subscribeAll((_jobId, event) => metrics.observe(event));
  return {
    config,
    redis,
    storage,
    jobStore: new JobStore(redis, { prefix: config.queuePrefix, publicUrl: config.publicUrl }),
    jobQueue,
    webhookQueue,
    webhookLog: new WebhookDeliveryLog(redis, config.queuePrefix),
    events,
    metrics,
    async close() {
      stopMetrics();
      await events.close();
      await jobQueue.close();
      await webhookQueue.close();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
