import { ConfigError, loadConfig, purgeExpiredJobs, RedisUnavailableError } from '@neural-style/infra';
import { buildApp } from './app.js';
import { createServices } from './services.js';

/** `node main.js`: configuration from the environment, listen, shut down cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const services = await createServices(config);
  const app = await buildApp(services);
  if (config.apiKeys.size === 0) {
    app.log.warn(
      'API_KEYS is empty: the API is open, every caller is tenant "public". Set API_KEYS for anything but local use.',
    );
  }
  // Retention: every API instance sweeps hourly; sweeping twice at once is harmless.
  const purge = () =>
    purgeExpiredJobs(services.jobStore, services.storage, config.retentionHours)
      .then((removed) => removed > 0 && app.log.info(`retention: removed ${removed} expired jobs`))
      .catch((error: unknown) => app.log.error({ err: error }, 'retention sweep failed'));
  const sweeper = setInterval(purge, 3_600_000).unref();
  void purge();
  const shutdown = async (signal: string) => {
    app.log.info(`${signal}: closing`);
    clearInterval(sweeper);
    await app.close();
    await services.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof RedisUnavailableError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
