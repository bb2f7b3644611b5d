import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_WEBHOOK_EVENTS, type Job, type JobEvent } from '@neural-style/contract';
import { resolveOptions } from '@neural-style/vocabulary';
import {
  connectRedis,
  createJobServices,
  duplicateRedis,
  FsStorage,
  JobEventHub,
  loadConfig,
  publishJobEvent,
  storageKeys,
  type JobResult,
  type JobServices,
  type Storage,
} from '@neural-style/infra';
import { deleteKeysWithPrefix, uniquePrefix } from '@neural-style/infra/testing';

const prefix = uniquePrefix('lifecycle');
let redis: Redis;
let hub: JobEventHub;
let dataDir: string;
let services: JobServices;
/** Runs inside the storage's `put`, right after an object is written: where a test wedges in a racing call. */
let afterPut: (key: string) => Promise<void> = async () => {};

/** FsStorage that calls `afterPut` once each object is stored. */
function racingStorage(inner: Storage): Storage {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== 'put') return Reflect.get(target, property, receiver) as unknown;
      return async (key: string, body: Uint8Array, contentType: string) => {
        await target.put(key, body, contentType);
        await afterPut(key);
      };
    },
  });
}

beforeAll(async () => {
  redis = await connectRedis('redis://127.0.0.1:6379');
  hub = new JobEventHub(await duplicateRedis(redis, 'lifecycle-test-events'), prefix);
  await hub.start();
  dataDir = await mkdtemp(path.join(tmpdir(), 'lifecycle-'));
  const config = loadConfig({ QUEUE_PREFIX: prefix, DATA_DIR: dataDir, PUBLIC_URL: 'http://api.test' });
  services = createJobServices(redis, config, { storage: racingStorage(new FsStorage(dataDir)) });
});

afterAll(async () => {
  await services.close();
  await hub.close();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await rm(dataDir, { recursive: true, force: true });
});

const image = new Uint8Array([1, 2, 3]);

const result: JobResult = {
  image,
  format: 'png',
  width: 4,
  height: 3,
  metrics: { runMs: 10, secondsPerIteration: 0.5, backend: 'cpu' },
  progress: { iteration: 2, iterations: 2, losses: { content: 1, style: 1, tv: 0, total: 2 } },
};

async function runningJob(): Promise<Job> {
  const job = await services.lifecycle.create({
    tenant: 'acme',
    options: resolveOptions({ size: 32, iterations: 2 }),
    webhook: { url: 'https://hooks.example/jobs', events: [...ALL_WEBHOOK_EVENTS] },
    content: image,
    styles: [{ bytes: image, weight: 1 }],
  });
  await services.lifecycle.start(job.id, 'cpu');
  return job;
}

/**
 * Records a job's events until `settle()`: it publishes a marker after everything else and waits for it, so
 * every event published before has been delivered (Redis delivers one channel's messages in order).
 */
function recordEvents(id: string) {
  const events: JobEvent[] = [];
  const stop = hub.subscribe(id, (_jobId, event) => events.push(event));
  return {
    async settle(): Promise<JobEvent[]> {
      await publishJobEvent(redis, prefix, id, MARKER);
      await expect.poll(() => events.some(isMarker)).toBe(true);
      stop();
      return events.filter((event) => !isMarker(event));
    },
  };
}

const MARKER: JobEvent = { event: 'snapshot', data: { iteration: 987_654, url: 'marker' } };
const isMarker = (event: JobEvent) => event.event === 'snapshot' && event.data.url === 'marker';

async function webhookTypes(id: string): Promise<string[]> {
  const entries = await services.webhookQueue.getJobs(['waiting', 'delayed', 'active', 'completed']);
  return entries
    .filter((entry) => entry.data.event.data.id === id)
    .map((entry) => entry.data.event.type)
    .sort();
}

describe('JobLifecycle', () => {
  it('a succeeded job: output stored, checkpoints gone, announced once', async () => {
    const job = await runningJob();
    await services.storage.put(storageKeys.checkpoint(job.id, 1, 'png'), image, 'image/png');
    const events = recordEvents(job.id);

    const done = await services.lifecycle.succeed(job.id, result);

    expect(done.applied).toBe(true);
    expect(done.job.output).toEqual({
      url: `http://api.test/jobs/${job.id}/output`,
      width: 4,
      height: 3,
      format: 'png',
    });
    expect(await services.storage.get(storageKeys.output(job.id, 'png'))).toEqual(image);
    expect(await services.storage.list(storageKeys.checkpoints(job.id))).toEqual([]);
    const completed = (await events.settle()).filter((event) => event.event === 'completed');
    expect(completed.map((event) => event.data.status)).toEqual(['succeeded']);
    expect(await webhookTypes(job.id)).toEqual(['job.started', 'job.succeeded']);
  });

  it('a cancel between the engine’s end and markSucceeded: canceled, no output, one job.canceled', async () => {
    const job = await runningJob();
    const events = recordEvents(job.id);
    // The engine has returned and the output is stored; the cancel lands before the record says succeeded.
    afterPut = async (key) => {
      if (key === storageKeys.output(job.id, 'png')) await services.lifecycle.cancel(job.id);
    };
    let done;
    try {
      done = await services.lifecycle.succeed(job.id, result);
    } finally {
      afterPut = async () => {};
    }

    expect(done.applied).toBe(false);
    expect(done.job.status).toBe('canceled');
    const record = (await services.jobStore.get(job.id))?.job;
    expect(record).toMatchObject({ status: 'canceled', output: null });
    expect(await services.storage.list(storageKeys.job(job.id))).not.toContain(
      storageKeys.output(job.id, 'png'),
    );
    expect(await services.storage.list(storageKeys.job(job.id))).toHaveLength(2); // the inputs
    const completed = (await events.settle()).filter((event) => event.event === 'completed');
    expect(completed.map((event) => event.data.status)).toEqual(['canceled']);
    expect(await webhookTypes(job.id)).toEqual(['job.canceled', 'job.started']);
  });

  it('a running job canceled by the API, then by its worker’s abort handling, is announced once', async () => {
    const job = await runningJob();
    const events = recordEvents(job.id);

    const byApi = await services.lifecycle.cancel(job.id);
    const byWorker = await services.lifecycle.cancel(job.id);

    expect([byApi.applied, byWorker.applied]).toEqual([true, false]);
    expect(byWorker.job.status).toBe('canceled');
    const completed = (await events.settle()).filter((event) => event.event === 'completed');
    expect(completed).toHaveLength(1);
    expect(await webhookTypes(job.id)).toEqual(['job.canceled', 'job.started']);
  });

  it('a queued job canceled: off the queue, announced once', async () => {
    const job = await services.lifecycle.create({
      tenant: 'acme',
      options: resolveOptions({ size: 32, iterations: 2 }),
      content: image,
      styles: [{ bytes: image, weight: 1 }],
    });
    expect(await services.jobQueue.getJob(job.id)).toBeDefined();
    const events = recordEvents(job.id);

    const canceled = await services.lifecycle.cancel(job.id);

    expect(canceled).toMatchObject({ applied: true, previous: 'queued', job: { status: 'canceled' } });
    expect(await services.jobQueue.getJob(job.id)).toBeUndefined();
    const completed = (await events.settle()).filter((event) => event.event === 'completed');
    expect(completed).toHaveLength(1);
    // A worker's late `start` is refused: the job stays canceled.
    expect((await services.lifecycle.start(job.id, 'cpu')).applied).toBe(false);
  });

  it('fail announces only the call that ended the job', async () => {
    const job = await runningJob();
    const events = recordEvents(job.id);
    const error = { code: 'INTERNAL', message: 'boom' };

    const first = await services.lifecycle.fail(job.id, error);
    const second = await services.lifecycle.fail(job.id, error);

    expect([first.applied, second.applied]).toEqual([true, false]);
    const completed = (await events.settle()).filter((event) => event.event === 'completed');
    expect(completed.map((event) => event.data.status)).toEqual(['failed']);
    expect(await webhookTypes(job.id)).toEqual(['job.failed', 'job.started']);
  });
});
