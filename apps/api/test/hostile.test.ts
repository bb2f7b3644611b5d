import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema, PROBLEM_CONTENT_TYPE, ProblemSchema, type ErrorCode } from '@neural-style/contract';
import {
  auth,
  KEYS,
  multipart,
  pngImage,
  redisAndStorageState,
  startTestApi,
  type TestApi,
} from './support.js';

/**
 * The holes a hostile probe found: each malformed or abusive request answers 4xx problem+json and leaves
 * Redis and storage exactly as they were.
 */

const BUDGET = 3 * 1024 * 1024;
const AUTH_FAILURES = 5;

let api: TestApi;
let port: number;
let content: Buffer;
let style: Buffer;

beforeAll(async () => {
  api = await startTestApi('hostile', {
    MAX_INFLIGHT_BODY_BYTES: String(BUDGET),
    AUTH_FAILURES_PER_MINUTE: String(AUTH_FAILURES),
  });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  port = (api.app.server.address() as AddressInfo).port;
  // 4:3, like the probe's photo.
  [content, style] = await Promise.all([pngImage(64, 48), pngImage(32, 32, '#2040c0')]);
});
afterAll(() => api.close());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function expectProblem(answer: Answer, status: number, code: ErrorCode, detail: RegExp) {
  expect(answer.status, answer.body).toBe(status);
  expect(answer.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  const problem = ProblemSchema.parse(JSON.parse(answer.body));
  expect(problem).toMatchObject({ status, code });
  expect(problem.detail).toMatch(detail);
  return problem;
}

/** Sends a request and checks that Redis keys and stored files are the same afterwards. */
async function unchanged<T>(send: () => Promise<T>): Promise<T> {
  const before = await redisAndStorageState(api);
  const answer = await send();
  expect(await redisAndStorageState(api)).toEqual(before);
  return answer;
}

async function inject(options: Parameters<TestApi['app']['inject']>[0]): Promise<Answer> {
  const response = await api.app.inject(options);
  return { status: response.statusCode, headers: response.headers, body: response.body };
}

const postJobs = (payload: string | Buffer | object, headers: Record<string, string>) =>
  unchanged(() => inject({ method: 'POST', url: '/jobs', payload, headers: { ...auth(), ...headers } }));

/**
 * Writes raw bytes to the listening API and reads one HTTP response: for what Node's parser refuses
 * before Fastify sees a request. `hold` keeps the socket open (a slow upload) until released.
 */
function rawRequest(bytes: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const finish = () => {
      const text = received.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
      const headers: Answer['headers'] = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (received.length < end + 4 + length) return false;
      socket.destroy();
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: received.subarray(end + 4, end + 4 + length).toString(),
      });
      return true;
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      finish();
    });
    socket.on('error', (error) => {
      if (!finish()) reject(error);
    });
    socket.on('close', () => {
      if (!finish()) reject(new Error(`connection closed after ${received.length} bytes`));
    });
    socket.write(bytes);
  });
}

describe('malformed multipart: 400 MALFORMED_REQUEST, not 500', () => {
  it('multipart/form-data without a boundary', async () => {
    const answer = await postJobs('abc', { 'content-type': 'multipart/form-data' });
    expectProblem(answer, 400, 'MALFORMED_REQUEST', /multipart.*malformed: .*Boundary not found/);
  });

  it('a body that ends inside a part', async () => {
    const body = '--xx\r\nContent-Disposition: form-data; name="content"; filename="a.png"\r\n\r\n\x89PNG';
    const answer = await postJobs(body, { 'content-type': 'multipart/form-data; boundary=xx' });
    expectProblem(answer, 400, 'MALFORMED_REQUEST', /Unexpected end/);
  });

  it('a body with no delimiter at all', async () => {
    const answer = await postJobs('just some bytes', { 'content-type': 'multipart/form-data; boundary=xx' });
    expectProblem(answer, 400, 'MALFORMED_REQUEST', /Unexpected end/);
  });
});

describe('ambiguous or empty options', () => {
  const withOptions = (...options: string[]) =>
    multipart([
      { name: 'content', value: content },
      { name: 'style', value: style },
      ...options.map((value) => ({ name: 'options', value })),
    ]);

  it('two options parts: 400 naming the field', async () => {
    const { payload, headers } = withOptions('{"size":64}', '{"size":128}');
    const problem = expectProblem(
      await postJobs(payload, headers),
      400,
      'VALIDATION_FAILED',
      /"options" field only once/,
    );
    expect(problem.errors).toEqual([{ path: 'options', message: 'sent more than once' }]);
  });

  it('options = null: refused, not a default job', async () => {
    const { payload, headers } = withOptions('null');
    expectProblem(await postJobs(payload, headers), 400, 'INVALID_OPTIONS', /options/);
  });
});

describe('options the worker would refuse later are refused at submission', () => {
  const jsonJob = (options: object) => ({
    content: { data: content.toString('base64') },
    styles: [{ data: style.toString('base64') }],
    options,
  });

  it.each(['contentWeight', 'styleWeight'])('%s of 1e308: 400, bounded in the schema', async (field) => {
    const answer = await postJobs(jsonJob({ [field]: 1e308 }), {});
    const problem = expectProblem(answer, 400, 'INVALID_OPTIONS', new RegExp(`options.${field}`));
    expect(problem.errors?.[0]?.path).toBe(`options.${field}`);
  });

  it('size 16 with a 4:3 content image: too small for conv5_1, 400 naming size', async () => {
    const answer = await postJobs(jsonJob({ size: 16 }), {});
    const problem = expectProblem(
      answer,
      400,
      'INVALID_OPTIONS',
      /content image is 16x12, too small for layer conv5_1: its short side needs at least 16 px/,
    );
    expect(problem.errors?.[0]?.path).toBe('options.size');
  });

  it('size 4096 × 10000 iterations: 422 COST_LIMIT_EXCEEDED naming MAX_JOB_COST and a size that fits', async () => {
    const answer = await postJobs(jsonJob({ size: 4096, iterations: 10_000 }), {});
    expectProblem(
      answer,
      422,
      'COST_LIMIT_EXCEEDED',
      // Above 1024 px the run is coarse to fine (5 passes, iterations falling 3× per pass), so it costs the passes' sum.
      /4732 megapixel-iterations .* limit of 1000 per job \(MAX_JOB_COST\): lower size \(at most about 1882 at 10000 iterations\)/,
    );
  });
});

describe('errors Fastify and Node raise before any route: problem+json', () => {
  it('414 for a job id over 100 characters', async () => {
    const answer = await unchanged(() => inject({ url: `/jobs/${'a'.repeat(101)}`, headers: auth() }));
    expectProblem(answer, 414, 'URI_TOO_LONG', /longer than 100 characters/);
  });

  it('400 for bad percent-encoding (FST_ERR_BAD_URL)', async () => {
    const answer = await unchanged(() => inject({ url: '/jobs/%E0%A4%A', headers: auth() }));
    expectProblem(answer, 400, 'MALFORMED_REQUEST', /not valid percent-encoding/);
  });

  it('431 for huge headers and for too many headers', async () => {
    const huge = await unchanged(() =>
      rawRequest(`GET /jobs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    expectProblem(huge, 431, 'HEADERS_TOO_LARGE', /headers are larger/);
    const many = Array.from({ length: 3000 }, (_, i) => `X-H${i}: a\r\n`).join('');
    const tooMany = await unchanged(() => rawRequest(`GET /jobs HTTP/1.1\r\nHost: x\r\n${many}\r\n`));
    expectProblem(tooMany, 431, 'HEADERS_TOO_LARGE', /headers are larger/);
  });

  it('400 for an invalid method', async () => {
    const answer = await unchanged(() => rawRequest('FROB /jobs HTTP/1.1\r\nHost: x\r\n\r\n'));
    expectProblem(answer, 400, 'MALFORMED_REQUEST', /not valid HTTP: the method/);
  });

  it('400 for broken chunked encoding', async () => {
    const answer = await unchanged(() =>
      rawRequest(
        `POST /jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEYS.acme}\r\n` +
          'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      ),
    );
    expectProblem(answer, 400, 'MALFORMED_REQUEST', /chunked transfer encoding is malformed/);
  });
});

describe('failed authentication is rate-limited per client address', () => {
  const address = '203.0.113.9';
  const attempt = (key: string) =>
    inject({ url: '/jobs', headers: { authorization: `Bearer ${key}` }, remoteAddress: address });

  it(`${AUTH_FAILURES} wrong keys answer 401, then 429 with Retry-After, even for the right key`, async () => {
    const isCounter = (key: string) => key.includes(':authfail:');
    const before = await redisAndStorageState(api, isCounter);
    for (let i = 0; i < AUTH_FAILURES; i += 1) {
      expectProblem(await attempt('wrong'), 401, 'UNAUTHORIZED', /not valid/);
    }
    const limited = expectProblem(await attempt('wrong'), 429, 'RATE_LIMITED', /failed authentications/);
    expect(limited.status).toBe(429);
    const right = await attempt(KEYS.acme);
    expectProblem(right, 429, 'RATE_LIMITED', /failed authentications/);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(right.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another address is not affected.
    expect((await inject({ url: '/jobs', headers: auth() })).status).toBe(200);
    expect(await redisAndStorageState(api, isCounter)).toEqual(before);
  });
});

describe('concurrent large bodies are admitted against MAX_INFLIGHT_BODY_BYTES', () => {
  const head = (length: number) =>
    `POST /jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEYS.acme}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

  it('a body over the whole budget: 413; one that does not fit now: 503 + Retry-After; freed when done', async () => {
    const tooLarge = await unchanged(() => rawRequest(head(BUDGET + 1)));
    expectProblem(tooLarge, 413, 'PAYLOAD_TOO_LARGE', /MAX_INFLIGHT_BODY_BYTES/);

    // A slow upload holds 2.5 MiB of the 3 MiB budget.
    const slow = connect(port, '127.0.0.1');
    slow.on('error', () => {});
    slow.write(head(2.5 * 1024 * 1024) + '{"content":');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const body = `{"x":"${'a'.repeat(2 * 1024 * 1024)}"}`;
    const busy = await unchanged(() => rawRequest(head(body.length) + body));
    const problem = expectProblem(busy, 503, 'SERVER_BUSY', /body budget/);
    expect(problem.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('2');

    slow.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Admitted now: refused for what it is (an unknown field), not for the budget.
    const admitted = await unchanged(() => rawRequest(head(body.length) + body));
    expectProblem(admitted, 400, 'VALIDATION_FAILED', /x/);
  });
});

describe('media types and Prefer', () => {
  it('Content-Type: APPLICATION/JSON is JSON (media types are case-insensitive)', async () => {
    const answer = await postJobs(JSON.stringify({ content: {}, styles: [] }), {
      'content-type': 'APPLICATION/JSON; Charset=UTF-8',
    });
    expectProblem(answer, 400, 'VALIDATION_FAILED', /content/);
  });
});

describe('hourly cost budget per tenant, and Prefer: wait', () => {
  let costly: TestApi;
  beforeAll(async () => {
    // 64x48 × 100 iterations = 0.31 megapixel-iterations: one such job fits in 0.5 per hour, two do not.
    costly = await startTestApi('hostile-cost', { MAX_TENANT_COST_PER_HOUR: '0.5' });
  });
  afterAll(() => costly.close());

  const submit = (tenant: 'acme' | 'globex', options: object = { size: 64, iterations: 100 }) =>
    costly.app.inject({
      method: 'POST',
      url: '/jobs',
      headers: auth(tenant),
      payload: {
        content: { data: content.toString('base64') },
        styles: [{ data: style.toString('base64') }],
        options,
      },
    });

  it('refuses the job that would pass MAX_TENANT_COST_PER_HOUR with 422 and Retry-After, charging nothing', async () => {
    expect((await submit('acme')).statusCode).toBe(202);
    const before = await redisAndStorageState(costly);
    const refused = await submit('acme');
    expect(await redisAndStorageState(costly)).toEqual(before);
    const problem = expectProblem(
      { status: refused.statusCode, headers: refused.headers, body: refused.body },
      422,
      'COST_LIMIT_EXCEEDED',
      /0\.31 megapixel-iterations\) would take the tenant past its limit of 0\.50 per hour \(MAX_TENANT_COST_PER_HOUR; 0\.31 used/,
    );
    expect(problem.code).toBe('COST_LIMIT_EXCEEDED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Budgets are per tenant; shallow layers make size 16 large enough.
    const shallow = await submit('globex', {
      size: 16,
      iterations: 10,
      contentLayers: ['conv2_2'],
      styleLayers: ['conv1_1', 'conv2_1'],
    });
    expect(shallow.statusCode, shallow.body).toBe(202);
  });

  it('Prefer: wait=1e3 is not wait=1: not delta-seconds, so the preference is ignored', async () => {
    const { id } = JobSchema.parse(
      (await costly.app.inject({ url: '/jobs?limit=1', headers: auth('globex') })).json<{ jobs: unknown[] }>()
        .jobs[0],
    );
    const ignored = await costly.app.inject({
      url: `/jobs/${id}`,
      headers: { ...auth('globex'), prefer: 'wait=1e3' },
    });
    expect(ignored.statusCode).toBe(200);
    expect(ignored.headers['preference-applied']).toBeUndefined();
    const applied = await costly.app.inject({
      url: `/jobs/${id}`,
      headers: { ...auth('globex'), prefer: 'wait=1' },
    });
    expect(applied.headers['preference-applied']).toBe('wait=1');
  });
});
