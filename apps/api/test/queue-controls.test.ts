import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema, ProblemSchema } from '@neural-style/contract';
import { auth, jpegImage, multipart, pngImage, queuedCount, startTestApi, type TestApi } from './support.js';

let api: TestApi;
let payload: { content: { data: string }; styles: { data: string }[] };

beforeAll(async () => {
  api = await startTestApi('queue-controls', {
    MAX_QUEUED_JOBS_PER_TENANT: '3',
    MAX_HIGH_PRIORITY_JOBS_PER_TENANT: '1',
    RETENTION_HOURS: '24',
  });
  payload = {
    content: { data: (await pngImage()).toString('base64') },
    styles: [{ data: (await jpegImage()).toString('base64') }],
  };
});
afterAll(() => api.close());

const create = (tenant: 'acme' | 'globex', extra: object = {}) =>
  api.app.inject({ method: 'POST', url: '/jobs', payload: { ...payload, ...extra }, headers: auth(tenant) });

describe('per-tenant queue limits', () => {
  it('refuses a second queued high-priority job and a fourth queued job with 429 problems, storing nothing', async () => {
    const high = await create('acme', { priority: 'high' });
    expect(high.statusCode, high.body).toBe(202);
    expect(JobSchema.parse(high.json())).toMatchObject({ priority: 'high', queuePosition: 0 });

    const before = await queuedCount(api);
    const secondHigh = await create('acme', { priority: 'high' });
    expect(secondHigh.statusCode).toBe(429);
    expect(secondHigh.headers['content-type']).toContain('application/problem+json');
    expect(ProblemSchema.parse(secondHigh.json())).toMatchObject({
      code: 'HIGH_PRIORITY_LIMIT',
      type: 'urn:neural-style:problem:high-priority-limit',
    });

    expect((await create('acme')).statusCode).toBe(202);
    expect((await create('acme', { priority: 'low' })).statusCode).toBe(202);
    const fourth = await create('acme');
    expect(fourth.statusCode).toBe(429);
    expect(ProblemSchema.parse(fourth.json()).code).toBe('QUEUED_JOBS_LIMIT');
    expect(ProblemSchema.parse(fourth.json()).detail).toContain('(3)');
    expect(await queuedCount(api)).toBe(before + 2);
    const listed = await api.app.inject({ url: '/jobs', headers: auth('acme') });
    expect(listed.json<{ jobs: unknown[] }>().jobs).toHaveLength(3);

    // Another tenant is not affected, and a canceled job frees its place.
    expect((await create('globex', { priority: 'high' })).statusCode).toBe(202);
    const highId = JobSchema.parse(high.json()).id;
    await api.app.inject({ method: 'POST', url: `/jobs/${highId}/cancel`, headers: auth('acme') });
    expect((await create('acme', { priority: 'high' })).statusCode).toBe(202);
  });
});

describe('priority and retention fields', () => {
  it('multipart takes priority and retention as text parts; bad values are 400 problems', async () => {
    const parts = async (extra: { name: string; value: string }[]) => {
      const body = multipart([
        { name: 'content', value: await pngImage(), contentType: 'image/png' },
        { name: 'style', value: await jpegImage(), contentType: 'image/jpeg' },
        ...extra,
      ]);
      return { payload: body.payload, headers: { ...body.headers, ...auth('globex') } };
    };
    const ok = await api.app.inject({
      method: 'POST',
      url: '/jobs',
      ...(await parts([
        { name: 'priority', value: 'low' },
        { name: 'retention', value: '1h30m' },
      ])),
    });
    expect(ok.statusCode, ok.body).toBe(202);
    expect(JobSchema.parse(ok.json())).toMatchObject({ priority: 'low', retentionSeconds: 5400 });

    for (const [name, value] of [
      ['priority', 'urgent'],
      ['retention', '-5m'],
      ['retention', '0'],
    ] as const) {
      const bad = await api.app.inject({
        method: 'POST',
        url: '/jobs',
        ...(await parts([{ name, value }])),
      });
      expect(bad.statusCode, `${name}=${value}`).toBe(400);
      expect(ProblemSchema.parse(bad.json()).errors?.[0]?.path).toBe(name);
    }
  });

  it('a retention beyond the server’s is cut to it', async () => {
    const response = await create('globex', { retention: '30d' });
    expect(JobSchema.parse(response.json()).retentionSeconds).toBe(24 * 3600);
  });
});
