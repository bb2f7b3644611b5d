import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { ProblemSchema, type Job } from '@neural-style/contract';
import { publishJobEvent } from '@neural-style/infra';
import { buildOpenApiDocument } from '@neural-style/api';
import { auth, jpegImage, pngImage, startTestApi, type TestApi } from './support.js';

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1 with every route, built without any connection', async () => {
    const document = await buildOpenApiDocument();
    expect(document.openapi).toBe('3.1.0');
    const paths = document.paths as Record<string, Record<string, unknown>>;
    expect(
      Object.fromEntries(Object.entries(paths).map(([path, methods]) => [path, Object.keys(methods).sort()])),
    ).toEqual({
      '/jobs': ['get', 'post'],
      '/jobs/{id}': ['get'],
      '/jobs/{id}/cancel': ['post'],
      '/jobs/{id}/output': ['get'],
      '/jobs/{id}/snapshots/{iteration}': ['get'],
      '/jobs/{id}/events': ['get'],
      '/jobs/{id}/webhooks': ['get'],
      '/healthz': ['get'],
      '/readyz': ['get'],
      '/metrics': ['get'],
    });
    const post = paths['/jobs']!.post as { requestBody: { content: Record<string, unknown> } };
    expect(Object.keys(post.requestBody.content).sort()).toEqual(['application/json', 'multipart/form-data']);

    const problems = await lintFromString({
      source: JSON.stringify(document),
      absoluteRef: 'openapi.json',
      config: await createConfig({
        rules: { struct: 'error', 'no-unresolved-refs': 'error', 'operation-operationId-unique': 'error' },
      }),
    });
    expect(
      problems.filter((problem) => problem.severity === 'error').map((problem) => problem.message),
    ).toEqual([]);
  });
});

describe('operations routes', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi('operations', { RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => api.close());

  it('serves /healthz, /readyz, /openapi.json and /docs without a key', async () => {
    expect((await api.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await api.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', checks: { redis: 'ok', storage: 'ok' } });
    const document = await api.app.inject('/openapi.json');
    expect(document.json<{ openapi: string }>().openapi).toBe('3.1.0');
    const docs = await api.app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('exports Prometheus metrics: queue depth by state, durations, iterations/s, failures', async () => {
    const payload = {
      content: { data: (await pngImage()).toString('base64') },
      styles: [{ data: (await jpegImage()).toString('base64') }],
    };
    const created = await api.app.inject({ method: 'POST', url: '/jobs', payload, headers: auth('globex') });
    const job = created.json<Job>();
    const { jobStore, redis } = api.services;
    await jobStore.markRunning(job.id, { backend: 'cpu' });
    const failed = await jobStore.markFailed(job.id, { code: 'NON_FINITE_LOSS', message: 'loss became NaN' });
    await publishJobEvent(redis, api.config.queuePrefix, job.id, { event: 'completed', data: failed.job });

    await expect
      .poll(async () => (await api.app.inject('/metrics')).body)
      .toContain('neural_style_job_failures_total{code="NON_FINITE_LOSS"} 1');
    const metrics = (await api.app.inject('/metrics')).body;
    // Every job is queued with a priority (fair order between tenants): BullMQ keeps it in "prioritized".
    expect(metrics).toContain('neural_style_queue_jobs{state="prioritized"} 1');
    expect(metrics).toContain('neural_style_queue_jobs{state="waiting"} 0');
    expect(metrics).toContain('neural_style_queue_jobs{state="active"} 0');
    expect(metrics).toContain('neural_style_jobs_finished_total{status="failed"} 1');
    expect(metrics).toMatch(/neural_style_job_duration_seconds_count\{status="failed"\} 1/);
    expect(metrics).toContain('# TYPE neural_style_job_iterations_per_second histogram');
  });

  it('rate-limits each tenant separately with a 429 problem and Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1)
      statuses.push(
        (await api.app.inject({ method: 'GET', url: '/jobs', headers: auth('acme') })).statusCode,
      );
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await api.app.inject({ method: 'GET', url: '/jobs', headers: auth('acme') });
    expect(ProblemSchema.parse(limited.json()).code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    // Another tenant still has its own budget (globex used one request in the metrics test).
    expect((await api.app.inject({ method: 'GET', url: '/jobs', headers: auth('globex') })).statusCode).toBe(
      200,
    );
  });

  it('answers unknown routes with a problem', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/nope', headers: auth('globex') });
    expect(response.statusCode).toBe(404);
    expect(ProblemSchema.parse(response.json()).code).toBe('NOT_FOUND');
  });
});

describe('open mode', () => {
  it('serves everyone as tenant "public" when no API keys are configured', async () => {
    const api = await startTestApi('open', { API_KEYS: '' });
    try {
      const response = await api.app.inject({ method: 'GET', url: '/jobs' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ jobs: [], nextCursor: null });
    } finally {
      await api.close();
    }
  });
});
