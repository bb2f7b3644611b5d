import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { publishJobEvent } from '@neural-style/infra';
import { ApiError, createClient, createJobAndWait, type StyleClient } from '@neural-style/client';
import { KEYS, startTestApi, type TestApi } from '@neural-style/api/testing';

let api: TestApi;
let client: StyleClient;
let image: string;

beforeAll(async () => {
  api = await startTestApi('client');
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  client = createClient({
    baseUrl: `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`,
    apiKey: KEYS.acme,
  });
  image = (
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .png()
      .toBuffer()
  ).toString('base64');
});
afterAll(() => api.close());

/** Stands in for the worker: finishes the next job that appears and announces it. */
async function finishNextJob(knownIds: Set<string>): Promise<void> {
  const { jobStore, redis } = api.services;
  for (;;) {
    const [job] = (await jobStore.list('acme', { limit: 1 })).jobs;
    if (job && !knownIds.has(job.id) && (await api.services.jobQueue.getJob(job.id))) {
      await jobStore.markRunning(job.id, { backend: 'cpu' });
      const done = await jobStore.markSucceeded(job.id, {
        output: { width: 8, height: 8, format: 'png' },
        metrics: { runMs: 3, secondsPerIteration: 0.3 },
      });
      await publishJobEvent(redis, api.config.queuePrefix, job.id, { event: 'completed', data: done.job });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('generated client against the live API', () => {
  it('createJobAndWait resolves with the finished job', async () => {
    const known = new Set(
      (await api.services.jobStore.list('acme', { limit: 100 })).jobs.map((job) => job.id),
    );
    const [job] = await Promise.all([
      createJobAndWait(
        client,
        { content: { data: image }, styles: [{ data: image }], options: { iterations: 3 } },
        { waitSeconds: 5 },
      ),
      finishNextJob(known),
    ]);
    expect(job.status).toBe('succeeded');
    expect(job.options.iterations).toBe(3);
    expect(job.output?.url).toBe(`http://api.test/jobs/${job.id}/output`);

    const listed = await client.GET('/jobs', { params: { query: { status: 'succeeded', limit: 10 } } });
    expect(listed.data?.jobs.map((entry) => entry.id)).toContain(job.id);
    const fetched = await client.GET('/jobs/{id}', { params: { path: { id: job.id } } });
    expect(fetched.data?.metrics?.backend).toBe('cpu');
  });

  it('turns problem+json answers into ApiError with the stable code', async () => {
    const error = await createJobAndWait(client, {
      content: { data: image },
      styles: [{ data: image }],
      options: { iterations: 0 },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).code).toBe('INVALID_OPTIONS');

    const missing = await client.GET('/jobs/{id}', {
      params: { path: { id: 'job_00000000000000000000000000' } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.code).toBe('NOT_FOUND');
  });

  it('is refused without the API key', async () => {
    const anonymous = createClient({
      baseUrl: `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`,
    });
    const response = await anonymous.GET('/jobs', { params: { query: {} } });
    expect(response.response.status).toBe(401);
  });
});
