import { startApiServer } from '@neural-style/api';
import { loadConfig } from '@neural-style/infra';
import { startWorker } from '@neural-style/worker';
import { errorMessage } from '@neural-style/vocabulary';

/**
 * `npm start`: API and worker in one process on one machine, with filesystem storage by default and
 * Redis at REDIS_URL. The engine still runs in the worker's sandboxed child processes.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // The API connects first: if Redis is down this fails with how to start it.
  const server = await startApiServer(config);
  const log = server.app.log;
  let worker;
  try {
    worker = await startWorker({ log: (line) => log.info(line) });
  } catch (error) {
    await server.close();
    throw error;
  }
  const running = worker;
  const shutdown = async (signal: string) => {
    log.info(`${signal}: stopping (running jobs get ${config.worker.shutdownGraceMs} ms, then resume later)`);
    await server.close();
    await running.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  log.info(
    `storage: ${config.storage.kind === 'fs' ? `filesystem at ${config.storage.dataDir}` : `S3 bucket ${config.storage.bucket}`}`,
  );
}

main().catch((error: unknown) => {
  // Configuration, Redis and engine problems (missing weights, no GPU) all explain themselves in one line.
  console.error(errorMessage(error));
  process.exit(1);
});
