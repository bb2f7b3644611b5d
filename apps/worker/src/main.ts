import { errorMessage } from '@neural-style/vocabulary';
import { startWorker } from './worker.js';

/**
 * `node apps/worker/dist/main.js`: the worker process. SIGTERM/SIGINT stop taking jobs, give running ones
 * SHUTDOWN_GRACE_MS to finish, then hand them back to the queue from their last checkpoint.
 */
try {
  const worker = await startWorker();
  console.log(
    `worker: taking jobs from queue ${worker.config.queuePrefix}:style-jobs, concurrency ${worker.config.worker.concurrency}`,
  );
  const shutdown = (signal: string) => {
    console.log(`worker: ${signal}, stopping (grace period ${worker.config.worker.shutdownGraceMs} ms)`);
    worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`worker: shutdown failed: ${errorMessage(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  console.error(`worker: ${errorMessage(error)}`);
  process.exit(1);
}
