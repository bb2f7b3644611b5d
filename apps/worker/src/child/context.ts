import { availableParallelism } from 'node:os';
import { createEngine, loadVggWeights, resolveWeightsPath, type Engine } from '@neural-style/core';
import {
  connectRedis,
  createJobServices,
  describeRedisStateChange,
  RedisHealthLog,
  type Config,
  type JobServices,
} from '@neural-style/infra';

/** Everything a job needs, created once per sandboxed child process and reused for every job it runs. */
export interface JobContext extends JobServices {
  config: Config;
  engine: Engine;
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
  const services = createJobServices(redis, config);
  // The parent logs Redis outages once each way; without listeners BullMQ would print a stack per retry here.
  const health = new RedisHealthLog((change) => {
    if (change.state === 'error') console.error(describeRedisStateChange(change));
  });
  services.jobQueue.on('error', (error) => health.error(error, 'style-jobs queue'));
  services.webhookQueue.on('error', (error) => health.error(error, 'webhooks queue'));
  return { ...services, config, engine };
}
