import { rm } from 'node:fs/promises';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '@neural-style/core';
import { type JobEvent, type QueueJobData } from '@neural-style/contract';
import {
  connectRedis,
  duplicateRedis,
  FsStorage,
  JobEventHub,
  JobStore,
  parseIterationImageKey,
  publishCancel,
  storageKeys,
} from '@neural-style/infra';
import { deleteKeysWithPrefix, uniquePrefix } from '@neural-style/infra/testing';
import { startWorker, type RunningWorker } from '../src/index.js';
import { tempDir, testEnv, writeTinyWeights } from './support/fixtures.js';
import { finishedEntry, styleQueue, submitJob, waitFor, waitForJob } from './support/jobs.js';

const prefix = uniquePrefix('worker');
const redis = await connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const jobs = new JobStore(redis, { prefix, publicUrl: 'http://api.test' });
let dataDir: string;
let weightsDir: string;
let env: Record<string, string | undefined>;
let storage: FsStorage;
let queue: Queue<QueueJobData>;
let hub: JobEventHub;
const workers: RunningWorker[] = [];

async function worker(): Promise<RunningWorker> {
  const started = await startWorker({ env, preflight: false, log: () => {} });
  workers.push(started);
  return started;
}

function recordEvents(id: string): JobEvent[] {
  const events: JobEvent[] = [];
  hub.subscribe(id, (_jobId, event) => events.push(event));
  return events;
}

beforeAll(async () => {
  dataDir = await tempDir('worker-data');
  weightsDir = await writeTinyWeights();
  env = testEnv({ QUEUE_PREFIX: prefix, STORAGE: 'fs', DATA_DIR: dataDir, VGG19_WEIGHTS: weightsDir });
  storage = new FsStorage(dataDir);
  queue = styleQueue(redis, prefix);
  hub = new JobEventHub(await duplicateRedis(redis, 'test-events'), prefix);
  await hub.start();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((running) => running.close(0)));
});

afterAll(async () => {
  await hub.close();
  await queue.close();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await rm(dataDir, { recursive: true, force: true });
  await rm(weightsDir, { recursive: true, force: true });
});

describe('worker start', () => {
  it('refuses to start when the engine cannot load (no GPU in GPU mode, no weights), saying why', async () => {
    const start = (overrides: Record<string, string>) =>
      startWorker({ env: { ...env, ...overrides }, log: () => {} });
    const [gpu, weights] = await Promise.allSettled([
      start({ STYLE_BACKEND: 'tensorflow-gpu' }),
      start({ VGG19_WEIGHTS: `${weightsDir}/missing` }),
    ]);
    expect(gpu).toMatchObject({
      status: 'rejected',
      reason: { message: expect.stringMatching(/^the engine cannot start: @tensorflow\/tfjs-node-gpu/) },
    });
    expect(weights).toMatchObject({
      status: 'rejected',
      reason: {
        message: expect.stringMatching(/^the engine cannot start: VGG19 weights not found at .*missing/),
      },
    });
  });
});

describe('style worker', () => {
  let shared: RunningWorker;
  beforeAll(async () => {
    shared = await startWorker({ env, log: () => {} });
  });
  afterAll(() => shared.close(0));

  it('runs a job to success: output, progress, snapshots, metrics and events in order', async () => {
    expect(shared.backend).toEqual({ name: 'cpu', gpu: false, kernels: 'builtin' });
    const job = await submitJob(
      { redis, storage, prefix, queue },
      { size: 32, iterations: 12, snapshotEvery: 4 },
    );
    const events = recordEvents(job.id);

    const done = await waitForJob(jobs, job.id, (record) => record.status === 'succeeded');
    expect(done.progress).toMatchObject({ iteration: 12, iterations: 12 });
    expect(done.snapshots.map((snapshot) => snapshot.iteration)).toEqual([4, 8, 12]);
    expect(done.snapshots[0]?.url).toBe(`http://api.test/jobs/${job.id}/snapshots/4`);
    expect(done.output).toEqual({
      url: `http://api.test/jobs/${job.id}/output`,
      width: 32,
      height: 26,
      format: 'png',
    });
    expect(done.metrics).toMatchObject({ backend: 'cpu' });
    expect(done.metrics?.secondsPerIteration).toBeGreaterThan(0);
    expect(done.metrics?.runMs).toBeGreaterThan(0);

    const output = await decodeImage(await storage.get(storageKeys.output(job.id, 'png')));
    expect([output.width, output.height]).toEqual([32, 26]);
    expect(await storage.list(`jobs/${job.id}/snapshots/`)).toHaveLength(3);

    await waitFor(() => events.some((event) => event.event === 'completed'));
    const names = events.map((event) => event.event);
    expect(names.at(-1)).toBe('completed');
    expect(names.filter((name) => name === 'snapshot')).toHaveLength(3);
    const iterations = events.flatMap((event) => (event.event === 'progress' ? [event.data.iteration] : []));
    expect(iterations).toEqual([...iterations].sort((a, b) => a - b));
    expect(iterations.at(-1)).toBe(12);

    const queued = await finishedEntry(queue, job.id);
    expect(queued.returnvalue).toEqual({ status: 'succeeded', resumedFrom: null });
  });

  it('fails a job with unreadable input at once, with the engine’s code and message', async () => {
    const job = await submitJob(
      { redis, storage, prefix, queue },
      { size: 32, iterations: 5 },
      { content: new TextEncoder().encode('not an image') },
    );
    const failed = await waitForJob(jobs, job.id, (record) => record.status === 'failed');
    expect(failed.error?.code).toBe('IMAGE_INVALID');
    expect(failed.error?.message).toMatch(/content image/);
    const queued = await finishedEntry(queue, job.id);
    expect(await queued.getState()).toBe('failed');
    expect(queued.attemptsMade).toBe(1);
  });

  it('stops a running job when it is canceled', async () => {
    const job = await submitJob({ redis, storage, prefix, queue }, { size: 32, iterations: 2000 });
    await waitForJob(jobs, job.id, (record) => (record.progress?.iteration ?? 0) > 0);
    // What the API does on POST /jobs/{id}/cancel.
    await jobs.markCanceled(job.id);
    await publishCancel(redis, prefix, job.id);

    const queued = await finishedEntry(queue, job.id);
    expect(queued.returnvalue).toEqual({ status: 'canceled', resumedFrom: null });
    const record = (await jobs.get(job.id))?.job;
    expect(record?.status).toBe('canceled');
    expect(record?.progress?.iteration).toBeLessThan(2000);
    expect(await storage.list(`jobs/${job.id}/output`)).toEqual([]);
  });
});

describe('graceful shutdown', () => {
  it('hands a running job back; another worker resumes it from the checkpoint', async () => {
    const first = await worker();
    const job = await submitJob({ redis, storage, prefix, queue }, { size: 32, iterations: 40 });
    // Without user snapshots the worker checkpoints every tenth of the run (4 iterations here).
    await waitFor(async () => (await storage.list(storageKeys.checkpoints(job.id))).length > 0);
    await first.close(0);

    const handedBack = await queue.getJob(job.id);
    expect(await handedBack?.getState()).toBe('waiting');
    expect(handedBack?.attemptsMade).toBe(0);
    const [checkpointKey, ...older] = await storage.list(storageKeys.checkpoints(job.id));
    expect(older).toEqual([]);
    const checkpoint = parseIterationImageKey(checkpointKey!)?.iteration ?? 0;
    expect(checkpoint).toBeGreaterThan(0);

    await worker();
    const done = await waitForJob(jobs, job.id, (record) => record.status === 'succeeded');
    expect(done.progress?.iteration).toBe(40);
    const queued = await finishedEntry(queue, job.id);
    expect(queued.returnvalue.resumedFrom).toBeGreaterThanOrEqual(checkpoint);
    expect(done.snapshots).toEqual([]);
    expect(await storage.list(storageKeys.snapshots(job.id))).toEqual([]);
    // Resume points go once the job is done.
    expect(await storage.list(storageKeys.checkpoints(job.id))).toEqual([]);
  });

  it('resumes from the user’s newest snapshot, and writes no checkpoints when snapshots come as often', async () => {
    const first = await worker();
    // A tenth of 40 iterations is 4: snapshots every 4 make private checkpoints redundant.
    const job = await submitJob(
      { redis, storage, prefix, queue },
      { size: 32, iterations: 40, snapshotEvery: 4 },
    );
    await waitForJob(jobs, job.id, (record) => record.snapshots.length > 0);
    await first.close(0);
    const handedBack = await jobs.get(job.id);
    const newest = handedBack?.job.snapshots.at(-1)?.iteration ?? 0;
    expect(newest).toBeGreaterThan(0);
    expect(await storage.list(storageKeys.checkpoints(job.id))).toEqual([]);

    await worker();
    const done = await waitForJob(jobs, job.id, (record) => record.status === 'succeeded');
    const queued = await finishedEntry(queue, job.id);
    expect(queued.returnvalue.resumedFrom).toBe(newest);
    expect(done.snapshots.map((snapshot) => snapshot.iteration)).toEqual([
      4, 8, 12, 16, 20, 24, 28, 32, 36, 40,
    ]);
    expect(await storage.list(storageKeys.checkpoints(job.id))).toEqual([]);
  });
});
