import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { JobSchema, ListJobsResponseSchema, ProblemSchema, type Job } from '@neural-style/contract';
import { cancelChannel, duplicateRedis, publishJobEvent, subscribeCancels } from '@neural-style/infra';
import { auth, jpegImage, pngImage, queuedCount, startTestApi, type KEYS, type TestApi } from './support.js';

let api: TestApi;
let payload: { content: { data: string }; styles: { data: string }[]; options?: object; webhook?: object };

beforeAll(async () => {
  api = await startTestApi('jobs');
  payload = {
    content: { data: (await pngImage()).toString('base64') },
    styles: [{ data: (await jpegImage()).toString('base64') }],
  };
});
afterAll(() => api.close());

async function create(
  tenant: keyof typeof KEYS = 'acme',
  body: object = payload,
  headers: Record<string, string> = {},
) {
  return api.app.inject({
    method: 'POST',
    url: '/jobs',
    payload: body,
    headers: { ...auth(tenant), ...headers },
  });
}

async function createJob(tenant: keyof typeof KEYS = 'acme'): Promise<Job> {
  const response = await create(tenant);
  expect(response.statusCode, response.body).toBe(202);
  return JobSchema.parse(response.json());
}

describe('Idempotency-Key', () => {
  it('same key and body → the same job, no second queue entry', async () => {
    const headers = { 'idempotency-key': '"retry-1"' };
    const first = await create('acme', payload, headers);
    const before = await queuedCount(api);
    const second = await create('acme', { styles: payload.styles, content: payload.content }, headers);
    expect(second.statusCode).toBe(202);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json<Job>().id).toBe(first.json<Job>().id);
    expect(await queuedCount(api)).toBe(before);
  });

  it('same key with a different body → 422', async () => {
    const headers = { 'idempotency-key': 'retry-2' };
    expect((await create('acme', payload, headers)).statusCode).toBe(202);
    const before = await queuedCount(api);
    const response = await create('acme', { ...payload, options: { iterations: 3 } }, headers);
    expect(response.statusCode).toBe(422);
    expect(ProblemSchema.parse(response.json()).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await queuedCount(api)).toBe(before);
  });

  it('a concurrent retry while the first is in progress → 409, and exactly one job', async () => {
    const headers = { 'idempotency-key': 'retry-3' };
    const before = await queuedCount(api);
    const responses = await Promise.all([create('acme', payload, headers), create('acme', payload, headers)]);
    const statuses = responses.map((response) => response.statusCode).sort();
    expect(statuses).toEqual([202, 409]);
    const conflict = responses.find((response) => response.statusCode === 409)!;
    expect(ProblemSchema.parse(conflict.json()).code).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect(await queuedCount(api)).toBe(before + 1);
  });

  it('keys are per tenant', async () => {
    const headers = { 'idempotency-key': 'shared-key' };
    const acme = await create('acme', payload, headers);
    const globex = await create('globex', payload, headers);
    expect(globex.statusCode).toBe(202);
    expect(globex.json<Job>().id).not.toBe(acme.json<Job>().id);
  });

  it('a failed request frees its key for a corrected retry', async () => {
    const headers = { 'idempotency-key': 'retry-4' };
    const bad = await create('acme', { ...payload, options: { iterations: -1 } }, headers);
    expect(bad.statusCode).toBe(400);
    expect((await create('acme', { ...payload, options: { iterations: -1 } }, headers)).statusCode).toBe(400);
    const good = await create('acme', payload, headers);
    expect(good.statusCode).toBe(202);
  });
});

describe('tenants', () => {
  it('answers 404 for another tenant’s job on every route, and 401 without a key', async () => {
    const job = await createJob('acme');
    for (const [method, url] of [
      ['GET', `/jobs/${job.id}`],
      ['POST', `/jobs/${job.id}/cancel`],
      ['GET', `/jobs/${job.id}/output`],
      ['GET', `/jobs/${job.id}/snapshots/1`],
      ['GET', `/jobs/${job.id}/events`],
    ] as const) {
      const response = await api.app.inject({ method, url, headers: auth('globex') });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(ProblemSchema.parse(response.json()).code).toBe('NOT_FOUND');
    }
    expect(
      (await api.app.inject({ method: 'GET', url: `/jobs/${job.id}`, headers: auth('acme') })).statusCode,
    ).toBe(200);
    const anonymous = await api.app.inject({ method: 'GET', url: `/jobs/${job.id}` });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
    const wrong = await api.app.inject({
      method: 'GET',
      url: '/jobs',
      headers: { authorization: 'Bearer nope' },
    });
    expect(ProblemSchema.parse(wrong.json()).code).toBe('UNAUTHORIZED');
    expect((await api.services.jobStore.get(job.id))?.job.status).toBe('queued');
  });
});

describe('POST /jobs/{id}/cancel', () => {
  let subscriber: Redis;
  beforeAll(async () => {
    subscriber = await duplicateRedis(api.services.redis, 'cancel-test');
  });
  afterAll(() => subscriber.disconnect());

  it('cancels a queued job: record canceled, queue entry removed, cancel broadcast, webhook queued', async () => {
    const response = await create('acme', {
      ...payload,
      webhook: { url: 'https://hooks.example.com/c', events: ['job.canceled'] },
    });
    const job = response.json<Job>();
    const broadcasts: string[] = [];
    const stop = await subscribeCancels(subscriber, api.config.queuePrefix, (id) => broadcasts.push(id));

    const canceled = await api.app.inject({ method: 'POST', url: `/jobs/${job.id}/cancel`, headers: auth() });
    expect(canceled.statusCode).toBe(200);
    expect(JobSchema.parse(canceled.json())).toMatchObject({ id: job.id, status: 'canceled' });
    expect(canceled.json<Job>().completedAt).not.toBeNull();
    expect(await api.services.jobQueue.getJob(job.id)).toBeUndefined();
    const webhook = await api.services.webhookQueue.getJob(`msg_${job.id}_job_canceled`);
    expect(webhook?.data).toMatchObject({
      url: 'https://hooks.example.com/c',
      event: { type: 'job.canceled', data: { id: job.id, status: 'canceled' } },
    });
    await expect.poll(() => broadcasts).toEqual([job.id]);
    await stop();

    const again = await api.app.inject({ method: 'POST', url: `/jobs/${job.id}/cancel`, headers: auth() });
    expect(again.statusCode).toBe(200);
    expect(cancelChannel(api.config.queuePrefix)).toContain(api.config.queuePrefix);
  });

  it('refuses to cancel a finished job', async () => {
    const job = await createJob();
    await api.services.jobStore.markRunning(job.id, { backend: 'cpu' });
    await api.services.jobStore.markSucceeded(job.id, {
      output: { width: 8, height: 8, format: 'png' },
      metrics: { runMs: 10, secondsPerIteration: 0.01 },
    });
    const response = await api.app.inject({ method: 'POST', url: `/jobs/${job.id}/cancel`, headers: auth() });
    expect(response.statusCode).toBe(409);
    expect(ProblemSchema.parse(response.json())).toMatchObject({
      code: 'JOB_NOT_CANCELABLE',
      detail: expect.stringMatching(/already succeeded/),
    });
  });
});

describe('GET /jobs', () => {
  it('pages through the caller’s jobs newest first and filters by status', async () => {
    const own = [await createJob('globex'), await createJob('globex'), await createJob('globex')];
    await api.app.inject({ method: 'POST', url: `/jobs/${own[0]!.id}/cancel`, headers: auth('globex') });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const response = await api.app.inject({ method: 'GET', url: `/jobs${query}`, headers: auth('globex') });
      expect(response.statusCode).toBe(200);
      const page = ListJobsResponseSchema.parse(response.json());
      seen.push(...page.jobs.map((job) => job.id));
      cursor = page.nextCursor;
    } while (cursor);
    const expected = (await api.services.jobStore.list('globex', { limit: 100 })).jobs.map((job) => job.id);
    expect(seen).toEqual(expected);
    expect(seen.slice(0, 3)).toEqual(own.map((job) => job.id).reverse());
    expect([...seen].sort().reverse()).toEqual(seen);

    const canceled = await api.app.inject({
      method: 'GET',
      url: '/jobs?status=canceled',
      headers: auth('globex'),
    });
    expect(canceled.json<{ jobs: Job[] }>().jobs.map((job) => job.id)).toEqual([own[0]!.id]);

    for (const query of ['?limit=0', '?limit=101', '?status=paused', '?cursor=nonsense']) {
      const bad = await api.app.inject({ method: 'GET', url: `/jobs${query}`, headers: auth('globex') });
      expect(bad.statusCode, query).toBe(400);
      expect(ProblemSchema.parse(bad.json()).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('Prefer: wait', () => {
  it('answers 200 with the finished job when it ends in time', async () => {
    const newest = (await api.services.jobStore.list('acme', { limit: 1 })).jobs[0]?.id;
    const pending = create('acme', payload, { prefer: 'wait=10' });
    // Play the worker: wait for the new job to be queued, finish it, announce it.
    let job: Job | undefined;
    await expect
      .poll(async () => {
        job = (await api.services.jobStore.list('acme', { limit: 1 })).jobs[0];
        return job && job.id !== newest && (await api.services.jobQueue.getJob(job.id)) !== undefined;
      })
      .toBe(true);
    const { jobStore, redis } = api.services;
    await jobStore.markRunning(job!.id, { backend: 'cpu' });
    const done = await jobStore.markSucceeded(job!.id, {
      output: { width: 8, height: 8, format: 'png' },
      metrics: { runMs: 5, secondsPerIteration: 0.5 },
    });
    await publishJobEvent(redis, api.config.queuePrefix, job!.id, { event: 'completed', data: done.job });
    const response = await pending;
    expect(response.statusCode).toBe(200);
    expect(response.headers['preference-applied']).toBe('wait=10');
    expect(response.json<Job>()).toMatchObject({ id: job!.id, status: 'succeeded' });
  });

  it('answers 202 when the wait runs out', async () => {
    const response = await create('acme', payload, { prefer: 'wait=1' });
    expect(response.statusCode).toBe(202);
    expect(response.json<Job>().status).toBe('queued');
  });
});
