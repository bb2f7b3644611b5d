import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema } from '@neural-style/contract';
import { resolveOptions } from '@neural-style/vocabulary';
import { connectRedis, InvalidCursorError, JobNotFoundError, JobStore, newJobId } from '@neural-style/infra';
import { deleteKeysWithPrefix, uniquePrefix } from '@neural-style/infra/testing';

const prefix = uniquePrefix('job-store');
let redis: Redis;
let store: JobStore;
const options = resolveOptions({ iterations: 10 });

beforeAll(async () => {
  redis = await connectRedis('redis://127.0.0.1:6379');
  store = new JobStore(redis, { prefix, publicUrl: 'http://api.test/' });
});
afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('newJobId', () => {
  it('is a valid, strictly increasing job id even within one millisecond', () => {
    const ids = Array.from({ length: 200 }, () => newJobId(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^job_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(newJobId(1_700_000_000_001) > ids.at(-1)!).toBe(true);
  });
});

describe('JobStore', () => {
  it('walks a job through queued → running → succeeded with a valid public record', async () => {
    const created = await store.create({ tenant: 't1', options });
    expect(JobSchema.parse(created)).toEqual(created);
    expect(created.status).toBe('queued');

    const running = await store.markRunning(created.id, { backend: 'cpu' });
    expect(running.applied).toBe(true);
    expect(running.job.status).toBe('running');
    expect(running.job.metrics).toMatchObject({ backend: 'cpu', runMs: null });

    const progress = { iteration: 3, iterations: 10, losses: { content: 1, style: 2, tv: 0.5, total: 3.5 } };
    expect((await store.updateProgress(created.id, progress)).job.progress).toEqual(progress);
    await store.addSnapshot(created.id, { iteration: 5, key: `jobs/${created.id}/snapshots/5.png` });
    await store.addSnapshot(created.id, { iteration: 2, key: `jobs/${created.id}/snapshots/2.png` });

    const done = await store.markSucceeded(created.id, {
      output: { width: 32, height: 24, format: 'png' },
      metrics: { runMs: 1200, secondsPerIteration: 0.12 },
    });
    expect(done.applied).toBe(true);
    const job = JobSchema.parse(done.job);
    expect(job.status).toBe('succeeded');
    expect(job.completedAt).not.toBeNull();
    expect(job.output).toEqual({
      url: `http://api.test/jobs/${created.id}/output`,
      width: 32,
      height: 24,
      format: 'png',
    });
    expect(job.snapshots.map((s) => s.iteration)).toEqual([2, 5]);
    expect(job.snapshots[0]?.url).toBe(`http://api.test/jobs/${created.id}/snapshots/2`);
    expect(job.metrics).toMatchObject({ backend: 'cpu', runMs: 1200, secondsPerIteration: 0.12 });
    expect((await store.get(created.id))?.job).toEqual(job);
  });

  it('never moves a canceled job back to running or succeeded', async () => {
    const { id } = await store.create({ tenant: 't1', options });
    expect((await store.markCanceled(id)).applied).toBe(true);
    const running = await store.markRunning(id, { backend: 'cpu' });
    expect(running.applied).toBe(false);
    expect(running.job.status).toBe('canceled');
    const succeeded = await store.markSucceeded(id, {
      output: { width: 1, height: 1, format: 'png' },
      metrics: { runMs: 1, secondsPerIteration: 1 },
    });
    expect(succeeded.applied).toBe(false);
    expect((await store.get(id))?.job.status).toBe('canceled');
  });

  it('lets exactly one of a racing cancel and finish win, and indexes the winner', async () => {
    const { id } = await store.create({ tenant: 'race', options });
    await store.markRunning(id, { backend: 'cpu' });
    const progress = { iteration: 1, iterations: 10, losses: { content: 1, style: 1, tv: 1, total: 3 } };
    const results = await Promise.all([
      store.markCanceled(id),
      store.markSucceeded(id, {
        output: { width: 1, height: 1, format: 'png' },
        metrics: { runMs: 1, secondsPerIteration: 1 },
      }),
      store.updateProgress(id, progress),
    ]);
    const terminal = results.slice(0, 2).filter((result) => result.applied);
    expect(terminal).toHaveLength(1);
    const final = (await store.get(id))!.job;
    expect(final.status).toBe(terminal[0]!.job.status);
    const other = final.status === 'canceled' ? 'succeeded' : 'canceled';
    expect((await store.list('race', { status: final.status, limit: 10 })).jobs.map((j) => j.id)).toEqual([
      id,
    ]);
    expect((await store.list('race', { status: other, limit: 10 })).jobs).toEqual([]);
    expect((await store.list('race', { status: 'running', limit: 10 })).jobs).toEqual([]);
  });

  it('keeps the first start time and queue time when a job is picked up again', async () => {
    const { id } = await store.create({ tenant: 't1', options });
    const first = await store.markRunning(id, { backend: 'cpu', startedAt: new Date(Date.now() + 1000) });
    const again = await store.markRunning(id, { backend: 'wasm' });
    expect(again.applied).toBe(true);
    expect(again.job.startedAt).toBe(first.job.startedAt);
    expect(again.job.metrics?.queueMs).toBe(first.job.metrics?.queueMs);
    expect(again.job.metrics?.backend).toBe('wasm');
  });

  it('lists a tenant’s jobs newest first with cursor pagination and a status filter', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await store.create({ tenant: 'pager', options })).id);
    await store.markCanceled(ids[1]!);
    await store.create({ tenant: 'someone-else', options });

    const first = await store.list('pager', { limit: 2 });
    expect(first.jobs.map((j) => j.id)).toEqual([ids[4], ids[3]]);
    const second = await store.list('pager', { limit: 2, cursor: first.nextCursor! });
    expect(second.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    const third = await store.list('pager', { limit: 2, cursor: second.nextCursor! });
    expect(third.jobs.map((j) => j.id)).toEqual([ids[0]]);
    expect(third.nextCursor).toBeNull();

    expect((await store.list('pager', { status: 'canceled', limit: 10 })).jobs.map((j) => j.id)).toEqual([
      ids[1],
    ]);
    expect((await store.list('pager', { status: 'queued', limit: 10 })).jobs).toHaveLength(4);
    await expect(store.list('pager', { limit: 2, cursor: 'garbage' })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });

  it('hides other tenants’ jobs', async () => {
    const { id } = await store.create({ tenant: 'owner', options });
    expect(await store.getForTenant(id, 'owner')).not.toBeNull();
    expect(await store.getForTenant(id, 'intruder')).toBeNull();
  });

  it('keeps the webhook subscription next to the record', async () => {
    const webhook = { url: 'https://hooks.example.com/x', events: ['job.succeeded' as const] };
    const { id } = await store.create({ tenant: 't1', options, webhook });
    expect((await store.get(id))?.webhook).toEqual(webhook);
  });

  it('records why and at which stage a job was canceled', async () => {
    const queued = await store.create({ tenant: 't4', options });
    expect((await store.markCanceled(queued.id)).job.cancellation).toEqual({
      reason: 'requested',
      stage: 'queued',
      message: 'Canceled on request',
    });
    const running = await store.create({ tenant: 't4', options, cancelAt: new Date('2030-01-01T00:00:00Z') });
    expect(running.cancelAt).toBe('2030-01-01T00:00:00.000Z');
    await store.markRunning(running.id, { backend: 'cpu' });
    expect((await store.markCanceled(running.id, 'deadline')).job.cancellation).toMatchObject({
      reason: 'deadline',
      stage: 'running',
    });
  });

  it('counts a tenant’s queued and active jobs per priority until they end', async () => {
    const high = await store.create({ tenant: 't5', options, priority: 'high' });
    const low = await store.create({ tenant: 't5', options, priority: 'low' });
    await store.create({ tenant: 't5', options });
    expect(await store.activeCounts('t5')).toEqual({ queued: 3, active: { low: 1, normal: 1, high: 1 } });
    await store.markRunning(high.id, { backend: 'cpu' });
    expect(await store.activeCounts('t5')).toEqual({ queued: 2, active: { low: 1, normal: 1, high: 1 } });
    await store.markFailed(high.id, { code: 'INTERNAL', message: 'x' });
    await store.markCanceled(low.id);
    expect(await store.activeCounts('t5')).toEqual({ queued: 1, active: { low: 0, normal: 1, high: 0 } });
  });

  it('keeps the last run times of succeeded jobs for start estimates', async () => {
    const { id } = await store.create({ tenant: 't6', options });
    await store.markRunning(id, { backend: 'cpu' });
    await store.markSucceeded(id, {
      output: { width: 1, height: 1, format: 'png' },
      metrics: { runMs: 4321, secondsPerIteration: 0.4 },
    });
    expect((await store.recentRunTimes())[0]).toBe(4321);
  });

  it('reads records written before the priority, retention and deadline fields existed', async () => {
    const { id } = await store.create({ tenant: 't7', options });
    const stored = (await store.get(id))!;
    const legacy = Object.fromEntries(
      Object.entries(stored.job).filter(
        ([key]) => !['priority', 'retentionSeconds', 'expiresAt', 'cancelAt', 'cancellation'].includes(key),
      ),
    );
    await redis.set(`${prefix}:job:${id}`, JSON.stringify({ ...stored, job: legacy }));
    expect(JobSchema.parse((await store.get(id))!.job)).toMatchObject({
      priority: 'normal',
      retentionSeconds: null,
      cancellation: null,
    });
  });

  it('reports missing jobs', async () => {
    await expect(store.markRunning(newJobId(), { backend: 'cpu' })).rejects.toBeInstanceOf(JobNotFoundError);
    expect(await store.get(newJobId())).toBeNull();
  });
});
