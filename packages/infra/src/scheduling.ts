import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobPriority, QueuePosition } from '@neural-style/contract';
import type { JobStore } from './job-store.js';

/** Tie-break within one rank: high before normal before low. */
const CLASS_OFFSET: Record<JobPriority, number> = { high: 0, normal: 1, low: 2 };
const CLASSES = Object.keys(CLASS_OFFSET).length;
/** BullMQ's largest priority. */
const MAX_BULLMQ_PRIORITY = 2_097_152;

/**
 * BullMQ priority (1 = taken first) of a tenant's new job. Its rank is how many of the tenant's jobs of the
 * same or a higher class are queued or running, so every tenant's next job competes at rank 0 whatever
 * another tenant has queued: a burst delays others by about one job per worker. The class breaks ties
 * within a rank and, since a high job is ranked only among high ones, puts it ahead of its tenant's
 * normal and low jobs.
 */
export function fairQueuePriority(priority: JobPriority, active: Record<JobPriority, number>): number {
  const rank =
    priority === 'high'
      ? active.high
      : priority === 'normal'
        ? active.high + active.normal
        : active.high + active.normal + active.low;
  return Math.min(MAX_BULLMQ_PRIORITY, 1 + rank * CLASSES + CLASS_OFFSET[priority]);
}

/**
 * Jobs a worker takes before `jobId`: BullMQ takes from its wait list (jobs without a priority) first,
 * then from the prioritized set in score order. Undefined when the job is in neither (running, delayed
 * for a retry, finished).
 */
export async function queuePosition(
  redis: Redis,
  queue: Pick<Queue, 'toKey'>,
  jobId: string,
): Promise<number | undefined> {
  const waitKey = queue.toKey('wait');
  const replies =
    (await redis
      .multi()
      .llen(waitKey)
      .zrank(queue.toKey('prioritized'), jobId)
      .lpos(waitKey, jobId)
      .exec()) ?? [];
  const [waiting, rank, index] = replies.map(([error, reply]) => (error ? undefined : reply));
  if (typeof waiting !== 'number') return undefined;
  // The wait list is taken from its tail (RPOPLPUSH): the job at index i has waiting - 1 - i ahead of it.
  if (typeof index === 'number') return waiting - 1 - index;
  return typeof rank === 'number' ? waiting + rank : undefined;
}

/**
 * The queue position of a queued job and, once run times are known, when it should start: with R jobs
 * running (on average half done; at least one assumed) and each run taking the median recent run time, a slot frees after
 * half a run and then R more every run.
 */
export async function estimateQueuePosition(
  deps: { redis: Redis; queue: Pick<Queue, 'toKey'>; jobStore: JobStore },
  jobId: string,
  now: Date = new Date(),
): Promise<QueuePosition | undefined> {
  const [position, running, runTimes] = await Promise.all([
    queuePosition(deps.redis, deps.queue, jobId),
    deps.redis.llen(deps.queue.toKey('active')),
    deps.jobStore.recentRunTimes(),
  ]);
  if (position === undefined) return undefined;
  const median = [...runTimes].sort((a, b) => a - b)[Math.floor(runTimes.length / 2)];
  if (median === undefined) return { queuePosition: position };
  // Between two jobs nothing may be running for a moment: count at least one slot.
  const waitMs = median * (Math.floor(position / Math.max(1, running)) + 0.5);
  return { queuePosition: position, estimatedStartAt: new Date(now.getTime() + waitMs).toISOString() };
}
