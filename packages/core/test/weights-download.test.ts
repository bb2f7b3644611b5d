import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { StyleTransferError } from '@neural-style/vocabulary';
import { CANONICAL_WEIGHTS_FILE, downloadVgg19Weights } from '../src/vgg19/download.js';

const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
const md5 = createHash('md5').update(payload).digest('hex');
const sha256 = createHash('sha256').update(payload).digest('hex');

let server: Server;
let baseUrl: string;
let scratch: string;
const requests: string[] = [];
/** Responses the stalling route left open; ended at teardown so the server can close. */
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'weights-download-test-'));
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    if (request.url === '/weights.h5') {
      response.writeHead(200, { 'content-length': payload.length });
      response.end(payload);
    } else if (request.url === '/stall.h5') {
      response.writeHead(200, { 'content-length': payload.length });
      response.write(payload.subarray(0, 1000));
      hanging.push(response);
    } else {
      response.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const response of hanging) response.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(scratch, { recursive: true, force: true });
});

async function freshCacheDir(name: string): Promise<string> {
  const dir = path.join(scratch, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function expectDownloadError(
  promise: Promise<unknown>,
  code: string,
  ...patterns: RegExp[]
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StyleTransferError);
  expect((error as StyleTransferError).code).toBe(code);
  const message = (error as StyleTransferError).message;
  for (const pattern of patterns) expect(message).toMatch(pattern);
  expect(message).not.toContain('\n');
}

describe('downloadVgg19Weights', () => {
  it('downloads into the cache dir under the canonical name after checking the md5', async () => {
    const cacheDir = await freshCacheDir('md5');
    const progress: number[] = [];
    const file = await downloadVgg19Weights({
      cacheDir,
      url: `${baseUrl}/weights.h5`,
      md5,
      onProgress: (received) => progress.push(received),
    });
    expect(file).toBe(path.join(cacheDir, CANONICAL_WEIGHTS_FILE));
    expect((await readFile(file)).equals(payload)).toBe(true);
    expect(progress.at(-1)).toBe(payload.length);
    expect(await readdir(cacheDir)).toEqual([CANONICAL_WEIGHTS_FILE]);
  });

  it('verifies a sha256 when given one, and reuses a verified cached file without a request', async () => {
    const cacheDir = await freshCacheDir('sha256');
    const options = { cacheDir, url: `${baseUrl}/weights.h5`, sha256 };
    await downloadVgg19Weights(options);
    const before = requests.length;
    const file = await downloadVgg19Weights(options);
    expect(requests.length).toBe(before);
    expect((await readFile(file)).equals(payload)).toBe(true);
  });

  it('replaces a cached file whose checksum is wrong', async () => {
    const cacheDir = await freshCacheDir('stale');
    await writeFile(path.join(cacheDir, CANONICAL_WEIGHTS_FILE), 'half a file');
    const before = requests.length;
    const file = await downloadVgg19Weights({ cacheDir, url: `${baseUrl}/weights.h5`, md5 });
    expect(requests.length).toBe(before + 1);
    expect((await readFile(file)).equals(payload)).toBe(true);
  });

  it('rejects a checksum mismatch and leaves nothing in the cache', async () => {
    const cacheDir = await freshCacheDir('mismatch');
    await expectDownloadError(
      downloadVgg19Weights({ cacheDir, url: `${baseUrl}/weights.h5`, md5: '0'.repeat(32) }),
      'WEIGHTS_DOWNLOAD_FAILED',
      /checksum mismatch/,
      new RegExp(md5),
    );
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('reports an HTTP error status', async () => {
    const cacheDir = await freshCacheDir('404');
    await expectDownloadError(
      downloadVgg19Weights({ cacheDir, url: `${baseUrl}/missing.h5`, md5 }),
      'WEIGHTS_DOWNLOAD_FAILED',
      /HTTP 404/,
      /VGG19_WEIGHTS/,
    );
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('fails with one line saying the host is unreachable and how to provide the weights by hand', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expectDownloadError(
      downloadVgg19Weights({
        cacheDir: await freshCacheDir('offline'),
        url: `http://127.0.0.1:${port}/w.h5`,
      }),
      'WEIGHTS_DOWNLOAD_FAILED',
      new RegExp(`could not reach 127\\.0\\.0\\.1:${port}`),
      /ECONNREFUSED/,
      /by hand/,
      /VGG19_WEIGHTS/,
    );
  });

  it('gives up on a stalled transfer and removes the partial file', async () => {
    const cacheDir = await freshCacheDir('stall');
    await expectDownloadError(
      downloadVgg19Weights({ cacheDir, url: `${baseUrl}/stall.h5`, md5, stallTimeoutMs: 200 }),
      'WEIGHTS_DOWNLOAD_FAILED',
      /no data from .*stall\.h5/,
    );
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('stops with ABORTED when the caller aborts', async () => {
    const cacheDir = await freshCacheDir('abort');
    const controller = new AbortController();
    const download = downloadVgg19Weights({
      cacheDir,
      url: `${baseUrl}/stall.h5`,
      md5,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expectDownloadError(download, 'ABORTED', /aborted/);
    expect(await readdir(cacheDir)).toEqual([]);
  });
});
