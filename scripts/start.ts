import path from 'node:path';
import { startApiServer, type ApiServer } from '@neural-style/api';
import { loadConfig, startLocalRedisIfNeeded } from '@neural-style/infra';
import { startWorker, type RunningWorker } from '@neural-style/worker';
import { errorMessage } from '@neural-style/vocabulary';

/**
 * `npm start`: API and worker in one process on one machine, with filesystem storage by default and
 * Redis at REDIS_URL (a local redis-server is started when nothing answers there and one is installed).
 * The engine still runs in the worker's sandboxed child processes.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const dataDir = config.storage.kind === 'fs' ? config.storage.dataDir : './.data';
  const localRedis = await startLocalRedisIfNeeded(config.redisUrl, {
    dataDir: path.join(dataDir, 'redis'),
  });
  let server: ApiServer | undefined;
  let worker: RunningWorker | undefined;
  // Installed before the (possibly long) first start, so Ctrl-C during the weights download still stops
  // the redis-server started here, which runs in its own process group.
  const shutdown = async (signal: string) => {
    server?.app.log.info(
      `${signal}: stopping (running jobs get ${config.worker.shutdownGraceMs} ms, then resume later)`,
    );
    await server?.close();
    await worker?.close();
    await localRedis?.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  try {
    // The API connects first: if Redis is down this fails with how to start it.
    server = await startApiServer(config);
    const log = server.app.log;
    if (localRedis) {
      log.info(
        `redis: nothing answered at ${config.redisUrl}, so npm start started redis-server (pid ${localRedis.pid}, data in ${localRedis.dataDir}); it stops with npm start`,
      );
    }
    worker = await startWorker({ log: (line) => log.info(line) });
    log.info(
      `storage: ${config.storage.kind === 'fs' ? `filesystem at ${config.storage.dataDir}` : `S3 bucket ${config.storage.bucket}`}`,
    );
  } catch (error) {
    await server?.close();
    await localRedis?.stop();
    throw error;
  }
}

main().catch((error: unknown) => {
  // Configuration, Redis and engine problems (missing weights, no GPU) all explain themselves in one line.
  console.error(errorMessage(error));
  process.exit(1);
});
