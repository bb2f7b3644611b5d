import {
  connectRedis,
  createJobServices,
  duplicateRedis,
  JobEventHub,
  type Config,
  type JobServices,
  type Storage,
} from '@neural-style/infra';
import { ApiMetrics } from './metrics.js';

/** Everything the routes use, created once per process and handed to `buildApp`. */
export interface ApiServices extends Omit<JobServices, 'close'> {
  config: Config;
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
  const jobServices = createJobServices(redis, config, overrides);
  const events = new JobEventHub(subscriber, config.queuePrefix);
  await events.start();
  const metrics = new ApiMetrics(jobServices.jobQueue);
  const stopMetrics = events.subscribeAll((_jobId, event) => metrics.observe(event));
  return {
    ...jobServices,
    config,
    events,
    metrics,
    async close() {
      stopMetrics();
      await events.close();
      await jobServices.close();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
