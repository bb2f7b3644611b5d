import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE, ProblemSchema, type ErrorCode } from '@neural-style/contract';
import {
  auth,
  jpegImage,
  multipart,
  pngImage,
  queuedCount,
  startTestApi,
  type Part,
  type TestApi,
} from './support.js';

let api: TestApi;
let png: Buffer;
let jpeg: Buffer;
let big: Buffer;

const MAX_UPLOAD_BYTES = 64 * 1024;

beforeAll(async () => {
  // Tight limits so "too large" inputs stay small; private URLs refused (the default).
  api = await startTestApi('bad-input', {
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    MAX_INPUT_PIXELS: '10000',
  });
  png = await pngImage();
  jpeg = await jpegImage();
  big = await pngImage(101, 100);
});
afterAll(() => api.close());

async function expectRefused(
  request: { payload: Buffer | object; headers?: Record<string, string> },
  status: number,
  code: ErrorCode,
  detail: RegExp,
) {
  const before = await queuedCount(api);
  const response = await api.app.inject({
    method: 'POST',
    url: '/jobs',
    payload: request.payload,
    headers: { ...request.headers, ...auth() },
  });
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  const problem = ProblemSchema.parse(response.json());
  expect(problem.code).toBe(code);
  expect(problem.status).toBe(status);
  expect(problem.type).toBe(`urn:neural-style:problem:${code.toLowerCase().replaceAll('_', '-')}`);
  expect(problem.detail).toMatch(detail);
  expect(await queuedCount(api)).toBe(before);
  expect((await api.services.jobStore.list('acme', { limit: 1 })).jobs).toEqual([]);
}

const form = (parts: Part[]) => multipart(parts);
const withStyle = (content: Buffer, extra: Part[] = []) =>
  form([{ name: 'content', value: content }, { name: 'style', value: jpeg }, ...extra]);

describe('bad input answers 4xx problem+json and enqueues nothing', () => {
  it('not an image', async () => {
    await expectRefused(
      withStyle(Buffer.from('this is a text file, not a picture')),
      422,
      'IMAGE_INVALID',
      /content image is not a readable image/,
    );
  });

  it('a truncated image', async () => {
    await expectRefused(
      withStyle(jpeg.subarray(0, Math.floor(jpeg.length / 2))),
      422,
      'IMAGE_INVALID',
      /content image is not a readable image \(.+\)/,
    );
  });

  it('an unsupported format (SVG)', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>');
    await expectRefused(withStyle(svg), 422, 'IMAGE_INVALID', /unsupported format svg/);
  });

  it('too many pixels', async () => {
    await expectRefused(
      withStyle(big),
      422,
      'IMAGE_TOO_LARGE',
      /101×100 = .*\(10100 pixels\), over the limit of .*\(10000 pixels\)/,
    );
  });

  it('a too large upload (multipart)', async () => {
    await expectRefused(
      withStyle(Buffer.alloc(MAX_UPLOAD_BYTES + 1)),
      413,
      'PAYLOAD_TOO_LARGE',
      /"content" file is larger than 65536 bytes/,
    );
  });

  it('a too large upload (base64 in JSON)', async () => {
    const payload = {
      content: { data: Buffer.alloc(MAX_UPLOAD_BYTES + 1).toString('base64') },
      styles: [{ data: jpeg.toString('base64') }],
    };
    await expectRefused({ payload }, 413, 'PAYLOAD_TOO_LARGE', /content image is larger than 65536 bytes/);
  });

  it('an unknown option (multipart and JSON)', async () => {
    await expectRefused(
      withStyle(png, [{ name: 'options', value: '{"iterationz": 5}' }]),
      400,
      'INVALID_OPTIONS',
      /Unrecognized key: "iterationz"/,
    );
    const payload = {
      content: { data: png.toString('base64') },
      styles: [{ data: jpeg.toString('base64') }],
      options: { colour: 'red' },
    };
    await expectRefused({ payload }, 400, 'INVALID_OPTIONS', /options: Unrecognized key: "colour"/);
  });

  it('an out-of-range number', async () => {
    await expectRefused(
      withStyle(png, [{ name: 'options', value: '{"iterations": 0}' }]),
      400,
      'INVALID_OPTIONS',
      /options\.iterations: .*>=1/,
    );
    const payload = {
      content: { data: png.toString('base64') },
      styles: [{ data: jpeg.toString('base64') }],
      options: { size: 100000 },
    };
    await expectRefused({ payload }, 400, 'INVALID_OPTIONS', /options\.size: .*<=4096/);
  });

  it('options that are not JSON', async () => {
    await expectRefused(
      withStyle(png, [{ name: 'options', value: '{iterations: 5' }]),
      400,
      'INVALID_OPTIONS',
      /"options" field is not valid JSON/,
    );
  });

  it('init "image" without an init image', async () => {
    await expectRefused(
      withStyle(png, [{ name: 'options', value: '{"init":"image"}' }]),
      400,
      'INVALID_OPTIONS',
      /no init image/,
    );
  });

  it.each([
    ['loopback', 'http://127.0.0.1:9/x.png'],
    ['private', 'http://10.0.0.8/x.png'],
    ['link-local metadata', 'http://169.254.169.254/latest/meta-data'],
    ['IPv6 loopback', 'http://[::1]/x.png'],
    ['localhost by name', 'http://localhost/x.png'],
  ])('a URL to a %s address', async (_kind, url) => {
    const payload = { content: { url }, styles: [{ data: jpeg.toString('base64') }] };
    await expectRefused(
      { payload },
      422,
      'URL_FORBIDDEN',
      /content image: Refusing to fetch .*private|loopback/,
    );
  });

  it('a webhook to a private address', async () => {
    await expectRefused(
      withStyle(png, [{ name: 'webhook', value: 'http://192.168.1.10/hook' }]),
      422,
      'URL_FORBIDDEN',
      /webhook URL/,
    );
  });

  it('a missing style image and unknown parts', async () => {
    await expectRefused(
      form([{ name: 'content', value: png }]),
      400,
      'VALIDATION_FAILED',
      /At least one "style"/,
    );
    await expectRefused(
      withStyle(png, [{ name: 'colour', value: 'red' }]),
      400,
      'VALIDATION_FAILED',
      /Unknown field "colour"/,
    );
  });

  it('a JSON body that does not match the schema', async () => {
    await expectRefused(
      { payload: { content: { data: png.toString('base64') }, styles: [] } },
      400,
      'VALIDATION_FAILED',
      /styles/,
    );
    await expectRefused(
      { payload: { content: { file: 'x' }, styles: [{ data: 'AAAA' }] } },
      400,
      'VALIDATION_FAILED',
      /content/,
    );
  });

  it('malformed JSON and unsupported content types', async () => {
    await expectRefused(
      { payload: Buffer.from('{"content":'), headers: { 'content-type': 'application/json' } },
      400,
      'VALIDATION_FAILED',
      /JSON/i,
    );
    await expectRefused(
      { payload: Buffer.from('hello'), headers: { 'content-type': 'text/plain' } },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /text\/plain/,
    );
  });
});
