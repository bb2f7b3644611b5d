import { availableParallelism } from 'node:os';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createEngine, loadVggWeights, resolveWeightsPath, type Engine } from '@neural-style/core';
import { QUEUE_NAMES, type WebhookDeliveryData } from '@neural-style/contract';
import { connectRedis, createStorage, JobStore, type Config, type Storage } from '@neural-style/infra';

/** Everything a job needs, created once per sandboxed child process and reused for every job it runs. */
export interface JobContext {
  config: Config;
  engine: Engine;
  redis: Redis;
  storage: Storage;
  jobs: JobStore;
  webhooks: Queue<WebhookDeliveryData>;
}

export async function createEngineFromConfig(config: Config): Promise<Engine> {
  return createEngine({
    // VGG19_WEIGHTS, else the file `style-transfer weights` downloaded; the loader explains what to do
    // when there is neither.
    weights: await loadVggWeights(resolveWeightsPath(config.worker.weights)),
    backend: config.worker.backend,
    oneDnn: config.worker.oneDnn,
    maxInputPixels: config.maxInputPixels,
    memoryBudget: {
      bytes: config.worker.memoryBudgetBytes,
      name: 'the worker memory budget (WORKER_MEMORY_BUDGET_MB)',
    },
    // Jobs running side by side share the cores instead of each starting one thread per core.
    threads: Math.max(1, Math.floor(availableParallelism() / config.worker.concurrency)),
  });
}

export async function createJobContext(config: Config): Promise<JobContext> {
  const engine = await createEngineFromConfig(config);
  const redis = await connectRedis(config.redisUrl, { name: 'worker-processor' });
  return {
    config,
    engine,
    redis,
    storage: createStorage(config.storage),
    jobs: new JobStore(redis, { prefix: config.queuePrefix, publicUrl: config.publicUrl }),
    webhooks: new Queue<WebhookDeliveryData>(QUEUE_NAMES.webhooks, {
      connection: redis,
      prefix: config.queuePrefix,
    }),
  };
}
