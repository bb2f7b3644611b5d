import { ConfigError, loadConfig, RedisUnavailableError } from '@neural-style/infra';
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
  const shutdown = async (signal: string) => {
    app.log.info(`${signal}: closing`);
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
