import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema, PROBLEM_CONTENT_TYPE, ProblemSchema } from '@neural-style/contract';
import { auth, jpegImage, multipart, queuedCount, startTestApi, type TestApi } from './support.js';

let small: TestApi;
let standard: TestApi;
let photo: Buffer;

beforeAll(async () => {
  [small, standard] = await Promise.all([
    startTestApi('memory-small', { WORKER_MEMORY_BUDGET_MB: '1500' }),
    startTestApi('memory-default', {}),
  ]);
  photo = await jpegImage(64, 48);
});
afterAll(() => Promise.all([small.close(), standard.close()]));

function submit(api: TestApi, options: object) {
  const { payload, headers } = multipart([
    { name: 'content', value: photo },
    { name: 'style', value: photo },
    { name: 'options', value: JSON.stringify(options) },
  ]);
  return api.app.inject({ method: 'POST', url: '/jobs', payload, headers: { ...headers, ...auth() } });
}

describe('jobs beyond the memory budget', () => {
  it('are refused at submission with 422 naming the limit and what to change, nothing enqueued', async () => {
    const before = await queuedCount(small);
    const response = await submit(small, { size: 4096, styleScale: 4 });
    expect(response.statusCode, response.body).toBe(422);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    const problem = ProblemSchema.parse(response.json());
    expect(problem.code).toBe('MEMORY_LIMIT');
    expect(problem.detail).toMatch(/WORKER_MEMORY_BUDGET_MB/);
    expect(problem.detail).toMatch(/lower size, styleScale/);
    expect(await queuedCount(small)).toBe(before);
    expect((await small.services.jobStore.list('acme', { limit: 1 })).jobs).toEqual([]);
  });

  it('at the schema maximum size are accepted with a tiled plan within the budget, or refused up front', async () => {
    const accepted = await submit(standard, { size: 4096 });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const job = JobSchema.parse(accepted.json());
    const last = job.plan!.passes.at(-1)!;
    expect([last.width, last.height]).toEqual([4096, 3072]);
    expect(last.tiles).toBeDefined();
    expect(job.plan!.passes.map((pass) => pass.longSide)).toEqual([256, 512, 1024, 2048, 4096]);
    expect(job.plan!.peak.totalBytes).toBeLessThanOrEqual(4.5e9);

    const everything = await submit(standard, { size: 4096, lbfgsHistory: 1000, styleScale: 4 });
    expect([202, 422]).toContain(everything.statusCode);
    if (everything.statusCode === 202) {
      expect(JobSchema.parse(everything.json()).plan!.peak.totalBytes).toBeLessThanOrEqual(4.5e9);
    } else {
      expect(ProblemSchema.parse(everything.json()).code).toBe('MEMORY_LIMIT');
    }
  });

  it('refuse sliced Wasserstein when the plan tiles a pass (tiles assemble Grams only), nothing enqueued', async () => {
    const before = await queuedCount(standard);
    const response = await submit(standard, { size: 4096, styleLoss: 'sliced-wasserstein' });
    expect(response.statusCode, response.body).toBe(400);
    const problem = ProblemSchema.parse(response.json());
    expect(problem.code).toBe('INVALID_OPTIONS');
    expect(problem.detail).toMatch(/^the 2048-px pass runs in tiles.*drop styleLoss "sliced-wasserstein"$/);
    expect(await queuedCount(standard)).toBe(before);
    expect((await submit(standard, { size: 512, styleLoss: 'sliced-wasserstein' })).statusCode).toBe(202);
  });

  it('accept masks on a tiled plan: each tile takes its piece of every mask', async () => {
    const { payload, headers } = multipart([
      { name: 'content', value: photo },
      { name: 'style', value: photo },
      { name: 'mask', value: photo },
      { name: 'options', value: JSON.stringify({ size: 4096 }) },
    ]);
    const response = await standard.app.inject({
      method: 'POST',
      url: '/jobs',
      payload,
      headers: { ...headers, ...auth() },
    });
    expect(response.statusCode, response.body).toBe(202);
    expect(JobSchema.parse(response.json()).plan!.passes.at(-1)!.tiles).toBeDefined();
  });
});
