import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema, QueuePositionSchema, type Job, type JobEvent } from '@neural-style/contract';
import { OUTPUT_FORMATS } from '@neural-style/vocabulary';
import { publishJobEvent, storageKeys } from '@neural-style/infra';
import { startTestS3, type TestS3 } from '@neural-style/infra/testing';
import { auth, jpegImage, pngImage, startTestApi, type TestApi } from './support.js';

let payload: object;
beforeAll(async () => {
  payload = {
    content: { data: (await pngImage()).toString('base64') },
    styles: [{ data: (await jpegImage()).toString('base64') }],
  };
});

/** Plays the worker: running, one snapshot, success; returns the finished job. */
async function finishJob(api: TestApi, id: string, image: Buffer): Promise<Job> {
  const { jobStore, storage } = api.services;
  await jobStore.markRunning(id, { backend: 'cpu' });
  await storage.put(storageKeys.snapshot(id, 5, 'png'), image, OUTPUT_FORMATS.png.contentType);
  await jobStore.addSnapshot(id, { iteration: 5, key: storageKeys.snapshot(id, 5, 'png') });
  await storage.put(storageKeys.output(id, 'png'), image, OUTPUT_FORMATS.png.contentType);
  const done = await jobStore.markSucceeded(id, {
    output: { width: 8, height: 8, format: 'png' },
    metrics: { runMs: 9, secondsPerIteration: 0.9 },
  });
  return done.job;
}

async function createJob(api: TestApi): Promise<Job> {
  const response = await api.app.inject({ method: 'POST', url: '/jobs', payload, headers: auth() });
  expect(response.statusCode, response.body).toBe(202);
  return JobSchema.parse(response.json());
}

describe('output and snapshots from filesystem storage', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi('files-fs');
  });
  afterAll(() => api.close());

  it('answers 409 before the job succeeded, then streams the images', async () => {
    const job = await createJob(api);
    const early = await api.app.inject({ method: 'GET', url: `/jobs/${job.id}/output`, headers: auth() });
    expect(early.statusCode).toBe(409);
    expect(early.json<{ code: string }>().code).toBe('JOB_NOT_FINISHED');

    const image = await pngImage(8, 8, '#123456');
    const done = await finishJob(api, job.id, image);
    expect(done.output?.url).toBe(`http://api.test/jobs/${job.id}/output`);
    expect(done.snapshots).toEqual([{ iteration: 5, url: `http://api.test/jobs/${job.id}/snapshots/5` }]);

    const output = await api.app.inject({ method: 'GET', url: `/jobs/${job.id}/output`, headers: auth() });
    expect(output.statusCode).toBe(200);
    expect(output.headers['content-type']).toBe('image/png');
    expect(output.rawPayload).toEqual(image);
    const snapshot = await api.app.inject({
      method: 'GET',
      url: `/jobs/${job.id}/snapshots/5`,
      headers: auth(),
    });
    expect(snapshot.statusCode).toBe(200);
    expect(snapshot.rawPayload).toEqual(image);
    const missing = await api.app.inject({
      method: 'GET',
      url: `/jobs/${job.id}/snapshots/6`,
      headers: auth(),
    });
    expect(missing.statusCode).toBe(404);
  });
});

describe('output from S3 storage', () => {
  let s3: TestS3;
  let api: TestApi;
  beforeAll(async () => {
    s3 = await startTestS3();
    api = await startTestApi('files-s3', s3.env, { storage: s3.storage });
  });
  afterAll(async () => {
    await api.close();
    await s3.close();
  });

  it('redirects to a presigned URL that serves the image', async () => {
    const job = await createJob(api);
    expect((await s3.storage.list(storageKeys.job(job.id))).length).toBe(2);
    const image = await pngImage(8, 8, '#654321');
    await finishJob(api, job.id, image);
    const response = await api.app.inject({ method: 'GET', url: `/jobs/${job.id}/output`, headers: auth() });
    expect(response.statusCode).toBe(302);
    const location = response.headers.location as string;
    expect(location.startsWith(`${s3.endpoint}/${s3.bucket}/jobs/${job.id}/output.png?`)).toBe(true);
    const fetched = await fetch(location);
    expect(Buffer.from(await fetched.arrayBuffer())).toEqual(image);
  });
});

describe('GET /jobs/{id}/events', () => {
  let api: TestApi;
  let base: string;
  beforeAll(async () => {
    api = await startTestApi('sse');
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => api.close());

  /** Reads the whole stream (it ends after `completed`) and splits it into SSE frames. */
  async function readFrames(
    response: Response,
  ): Promise<{ event?: string; data?: string; comment?: string }[]> {
    const text = await response.text();
    return text
      .split('\n\n')
      .filter(Boolean)
      .map((frame) => {
        const fields: Record<string, string> = {};
        for (const line of frame.split('\n')) {
          if (line.startsWith(':')) fields.comment = line.slice(1).trim();
          else {
            const colon = line.indexOf(':');
            fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
          }
        }
        return fields;
      });
  }

  it('relays progress, snapshot and completed in order, then ends the stream', async () => {
    const job = await createJob(api);
    const response = await fetch(`${base}/jobs/${job.id}/events`, { headers: auth() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const framesPromise = readFrames(response);

    // Subscription happens before the headers are sent, so events published now reach the stream.
    const progress = (iteration: number): JobEvent => ({
      event: 'progress',
      data: { iteration, iterations: 10, losses: { content: 1, style: 2, tv: 3, total: 6 } },
    });
    const { redis } = api.services;
    const prefix = api.config.queuePrefix;
    await publishJobEvent(redis, prefix, job.id, progress(1));
    await publishJobEvent(redis, prefix, job.id, progress(2));
    await publishJobEvent(redis, prefix, job.id, {
      event: 'snapshot',
      data: { iteration: 2, url: 'http://api.test/s/2' },
    });
    await publishJobEvent(redis, 'other-prefix', job.id, progress(99));
    const done = await finishJob(api, job.id, await pngImage());
    await publishJobEvent(redis, prefix, job.id, { event: 'completed', data: done });

    const frames = (await framesPromise).filter((frame) => frame.event);
    // A queued job's stream also tells its queue position (no worker here, so no start estimate); it is
    // computed while the events above are already being relayed, so it may come after some of them.
    const positions = frames.filter((frame) => frame.event === 'position');
    expect(positions).toHaveLength(1);
    expect(QueuePositionSchema.strict().parse(JSON.parse(positions[0]!.data!))).toEqual({
      queuePosition: expect.any(Number),
    });
    const relayed = frames.filter((frame) => frame.event !== 'position');
    expect(relayed.map((frame) => frame.event)).toEqual(['progress', 'progress', 'snapshot', 'completed']);
    expect(JSON.parse(relayed[1]!.data!)).toEqual(progress(2).data);
    expect(JSON.parse(relayed[2]!.data!)).toEqual({ iteration: 2, url: 'http://api.test/s/2' });
    expect(JobSchema.parse(JSON.parse(relayed[3]!.data!)).status).toBe('succeeded');
  });

  it('sends one completed event at once for a job that has ended', async () => {
    const job = await createJob(api);
    await api.app.inject({ method: 'POST', url: `/jobs/${job.id}/cancel`, headers: auth() });
    const response = await fetch(`${base}/jobs/${job.id}/events`, { headers: auth() });
    const frames = (await readFrames(response)).filter((frame) => frame.event);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.event).toBe('completed');
    expect(JSON.parse(frames[0]!.data!)).toMatchObject({ id: job.id, status: 'canceled' });
  });
});
