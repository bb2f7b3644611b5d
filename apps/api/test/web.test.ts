import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema } from '@neural-style/contract';
import { startTestApi, type TestApi } from './support.js';

/** GET / and /assets/…: the web page, public, with caching headers; a clear problem when it is not built. */

const html =
  '<!doctype html><title>page</title><script type="module" src="/assets/index-abc123.js"></script>';
let root: string;
let api: TestApi;
let unbuilt: TestApi;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'web-root-'));
  await mkdir(path.join(root, 'assets'));
  await writeFile(path.join(root, 'index.html'), html);
  await writeFile(path.join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(path.join(root, 'assets', 'index-def456.css'), 'body{}');
  // Both with API_KEYS set (startTestApi's tenants): the page must load without a key.
  [api, unbuilt] = await Promise.all([
    startTestApi('web', {}, { webRoot: root }),
    startTestApi('web-unbuilt', {}, { webRoot: path.join(root, 'missing') }),
  ]);
});

afterAll(async () => {
  await Promise.all([api.close(), unbuilt.close()]);
  await rm(root, { recursive: true, force: true });
});

describe('web page', () => {
  it('serves index.html at / without a key, revalidated on every load (ETag → 304)', async () => {
    const page = await api.app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.body).toBe(html);
    const etag = page.headers.etag;
    expect(etag).toMatch(/^"[\w-]+"$/);

    const again = await api.app.inject({ url: '/', headers: { 'if-none-match': String(etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('serves hashed assets as immutable, with their content types', async () => {
    const script = await api.app.inject({ url: '/assets/index-abc123.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.body).toBe('console.log(1)');
    const style = await api.app.inject({ url: '/assets/index-def456.css' });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers 404 problems for unknown assets, other file types and paths out of the folder', async () => {
    for (const url of ['/assets/nope.js', '/assets/index.html', '/assets/..%2Findex.html', '/assets/.env']) {
      const response = await api.app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(ProblemSchema.parse(response.json()).code).toBe('NOT_FOUND');
    }
  });

  it('without a build, / answers a 503 problem that says how to build the page', async () => {
    const response = await unbuilt.app.inject({ url: '/' });
    expect(response.statusCode).toBe(503);
    const problem = ProblemSchema.parse(response.json());
    expect(problem.code).toBe('NOT_READY');
    expect(problem.detail).toContain('npm run build -w @neural-style/web');
    // The API goes on working.
    expect((await unbuilt.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('keeps /docs and /openapi.json, and the API routes still need the key', async () => {
    expect((await api.app.inject({ url: '/openapi.json' })).statusCode).toBe(200);
    const docs = await api.app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
    expect((await api.app.inject({ url: '/jobs' })).statusCode).toBe(401);
  });
});
