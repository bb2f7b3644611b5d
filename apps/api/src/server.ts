import type { FastifyInstance } from 'fastify';
import { describeRedisStateChange, purgeExpiredJobs, RedisHealthLog, type Config } from '@neural-style/infra';
import { buildApp } from './app.js';
import { createServices } from './services.js';

export interface ApiServer {
  app: FastifyInstance;
  /** Stops listening, the retention sweep and every connection. */
  close(): Promise<void>;
}

/** Jobs may ask for retentions of minutes, so the sweep runs often; it costs one Redis query when idle. */
const RETENTION_SWEEP_MS = 60_000;

/**
 * The API as a running process: connections, the open-mode warning, the retention sweep (every minute) and the
 * listener. Shared by `node main.js` (API alone) and `npm start` (API + worker).
 */
export async function startApiServer(config: Config): Promise<ApiServer> {
  // Connects first: if Redis is down this fails with how to start it.
  const services = await createServices(config);
  const app = await buildApp(services);
  // Redis outages: one structured line when it goes away and one when it is back.
  const redisHealth = new RedisHealthLog((change) => {
    const level = change.state === 'up' ? 'info' : change.state === 'down' ? 'warn' : 'error';
    app.log[level]({ redis: change }, describeRedisStateChange(change));
  }).watch(services.redis);
  services.jobQueue.on('error', (error) => redisHealth.error(error, 'style-jobs queue'));
  services.webhookQueue.on('error', (error) => redisHealth.error(error, 'webhooks queue'));
  if (config.apiKeys.size === 0) {
    app.log.warn(
      'API_KEYS is empty: the API is open, every caller is tenant "public". Set API_KEYS for anything but local use.',
    );
  }
  // Every API instance sweeps; two sweeps at once are harmless.
  const purge = () =>
    purgeExpiredJobs(services.jobStore, services.storage)
      .then((removed) => removed > 0 && app.log.info(`retention: removed ${removed} expired jobs`))
      .catch((error: unknown) => app.log.error({ err: error }, 'retention sweep failed'));
  const sweeper = setInterval(purge, RETENTION_SWEEP_MS).unref();
  void purge();
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    clearInterval(sweeper);
    await app.close();
    await services.close();
    throw error;
  }
  return {
    app,
    async close() {
      clearInterval(sweeper);
      await app.close();
      await services.close();
    },
  };
}
