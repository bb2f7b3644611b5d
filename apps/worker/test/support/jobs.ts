import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { resolveOptions, type StyleOptionsInput } from '@neural-style/vocabulary';
import { QUEUE_NAMES, type Job, type QueueJobData, type WebhookSubscription } from '@neural-style/contract';
import { JobStore, storageKeys, type Storage } from '@neural-style/infra';
import { makePng } from './fixtures.js';

/** Submits a job the way the API does (record, stored inputs, queue entry), without HTTP. */
export async function submitJob(
  deps: { redis: Redis; storage: Storage; prefix: string; queue: Queue<QueueJobData> },
  options: StyleOptionsInput,
  extra: { content?: Uint8Array; mask?: Uint8Array; webhook?: WebhookSubscription; attempts?: number } = {},
): Promise<Job> {
  const jobs = new JobStore(deps.redis, { prefix: deps.prefix, publicUrl: 'http://api.test' });
  const resolved = resolveOptions(options);
  const job = await jobs.create({
    tenant: 'public',
    options: resolved,
    ...(extra.webhook ? { webhook: extra.webhook } : {}),
  });
  const content = storageKeys.content(job.id);
  const style = storageKeys.style(job.id, 0);
  await deps.storage.put(content, extra.content ?? (await makePng(40, 32, 0)), 'image/png');
  await deps.storage.put(style, await makePng(32, 32, 3), 'image/png');
  const mask = extra.mask ? storageKeys.mask(job.id, 0) : undefined;
  if (mask && extra.mask) await deps.storage.put(mask, extra.mask, 'image/png');
  await deps.queue.add(
    'style',
    {
      jobId: job.id,
      tenant: 'public',
      options: resolved,
      inputs: { content, styles: [{ key: style, weight: 1, ...(mask ? { mask } : {}) }] },
      ...(extra.webhook ? { webhook: extra.webhook } : {}),
    },
    { jobId: job.id, attempts: extra.attempts ?? 3, backoff: { type: 'exponential', delay: 200 } },
  );
  return job;
}

export function styleQueue(redis: Redis, prefix: string): Queue<QueueJobData> {
  return new Queue<QueueJobData>(QUEUE_NAMES.jobs, { connection: redis, prefix });
}

/** Polls the record until `done(job)` holds. */
export async function waitForJob(
  jobs: JobStore,
  id: string,
  done: (job: Job) => boolean,
  timeoutMs = 60_000,
): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stored = await jobs.get(id);
    if (stored && done(stored.job)) return stored.job;
    if (Date.now() > deadline) {
      throw new Error(`job ${id} did not reach the expected state; last: ${JSON.stringify(stored?.job)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls until `check` holds (every 50 ms), failing after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The queue entry once BullMQ has stored its result. The engine process updates the job record before the
 * worker moves the entry to completed, so a finished record does not yet mean a finished entry.
 */
export async function finishedEntry(queue: Queue<QueueJobData>, id: string) {
  await waitFor(async () => (await queue.getJob(id))?.finishedOn !== undefined);
  return (await queue.getJob(id))!;
}
