import { ConfigError, loadConfig, RedisUnavailableError } from '@neural-style/infra';
import { startApiServer } from './server.js';

/** `node main.js`: configuration from the environment, listen, shut down cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const server = await startApiServer(loadConfig(process.env));
  const shutdown = async (signal: string) => {
    server.app.log.info(`${signal}: closing`);
    await server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof RedisUnavailableError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
