import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { DeadlineDataSchema, QUEUE_NAMES, type DeadlineData } from '@neural-style/contract';
import { JobNotFoundError, type JobLifecycle } from '@neural-style/infra';

/**
 * Cancels jobs whose Cancel-After deadline has come: each job with a deadline has a delayed entry in the
 * `deadlines` queue, due at its `cancelAt`. The lifecycle's cancel does the rest, queued or running (a
 * running job's worker hears the broadcast and stops at its next iteration). A job that ended before
 * its deadline, or whose record is already gone, is left alone.
 */
export function createDeadlineWorker(redis: Redis, prefix: string, lifecycle: Pick<JobLifecycle, 'cancel'>) {
  return new Worker<DeadlineData, void>(
    QUEUE_NAMES.deadlines,
    async (entry) => {
      const { jobId } = DeadlineDataSchema.parse(entry.data);
      try {
        await lifecycle.cancel(jobId, 'deadline');
      } catch (error) {
        if (!(error instanceof JobNotFoundError)) throw error;
      }
    },
    { connection: redis, prefix, concurrency: 8 },
  );
}
