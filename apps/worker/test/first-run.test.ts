import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema } from '@neural-style/contract';
import { CANONICAL_WEIGHTS_FILE } from '@neural-style/core/weights-download';
import { randomVggWeights } from '@neural-style/core/testing';
import { uniquePrefix } from '@neural-style/infra/testing';
import { auth, startTestApi, type TestApi } from '@neural-style/api/testing';
import { startWorker } from '../src/index.js';
import { makePng, testEnv } from './support/fixtures.js';
import { writeKerasH5Weights } from './support/keras-h5.js';

/**
 * A fresh machine: no VGG19_WEIGHTS, an empty weights cache and data dir. The worker fetches the weights
 * from a loopback mirror (VGG19_WEIGHTS_URL), verifies them (VGG19_WEIGHTS_SHA256) and runs a job.
 */

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
let scratch: string;
let weights: Buffer;
let sha256: string;
let mirror: Server;
let mirrorUrl: string;
let requests = 0;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'first-run-'));
  const file = path.join(scratch, 'mirror.h5');
  await writeKerasH5Weights(file, randomVggWeights({ seed: 3 }));
  weights = await readFile(file);
  sha256 = createHash('sha256').update(weights).digest('hex');
  mirror = createServer((request, response) => {
    requests += 1;
    if (request.url !== '/vgg19.h5') return response.writeHead(404).end();
    response.writeHead(200, { 'content-length': weights.length });
    // Two halves, so the download reports progress more than once.
    response.write(weights.subarray(0, weights.length >> 1));
    setTimeout(() => response.end(weights.subarray(weights.length >> 1)), 20);
  });
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
  mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/vgg19.h5`;
});

afterAll(async () => {
  await new Promise((resolve) => mirror.close(resolve));
  await rm(scratch, { recursive: true, force: true });
});

/** A machine that has never run the service: its own empty cache and data directories. */
async function freshMachine(name: string, overrides: Record<string, string> = {}) {
  const cacheHome = await mkdtemp(path.join(scratch, `${name}-cache-`));
  const dataDir = await mkdtemp(path.join(scratch, `${name}-data-`));
  const env = testEnv({
    QUEUE_PREFIX: uniquePrefix(`first-run-${name}`),
    DATA_DIR: dataDir,
    XDG_CACHE_HOME: cacheHome,
    VGG19_WEIGHTS: '',
    VGG19_WEIGHTS_URL: mirrorUrl,
    VGG19_WEIGHTS_SHA256: sha256,
    ...overrides,
  });
  return { env, cacheDir: path.join(cacheHome, 'neural-style'), dataDir };
}

async function startFailure(env: Record<string, string | undefined>): Promise<string> {
  const error = await startWorker({ env, log: () => {} }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

async function closedPortUrl(): Promise<string> {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  return `http://127.0.0.1:${port}/vgg19.h5`;
}

describe('first run without VGG19_WEIGHTS', () => {
  let api: TestApi | undefined;
  afterAll(() => api?.close());

  it('downloads the weights from the mirror, verifies them, and a job succeeds', async () => {
    const machine = await freshMachine('ok');
    const lines: string[] = [];
    const before = requests;
    const worker = await startWorker({ env: machine.env, log: (line) => lines.push(line) });
    try {
      expect(requests - before).toBe(1);
      expect(await readdir(machine.cacheDir)).toEqual([CANONICAL_WEIGHTS_FILE]);
      expect((await readFile(path.join(machine.cacheDir, CANONICAL_WEIGHTS_FILE))).equals(weights)).toBe(
        true,
      );
      expect(lines.join('\n')).toMatch(
        /VGG19_WEIGHTS is not set; downloading the VGG19 weights \(.* MB\) from http:\/\/127\.0\.0\.1/,
      );
      expect(lines.some((line) => /VGG19 weights 100% /.test(line))).toBe(true);
      expect(lines).toContain(
        `worker: VGG19 weights downloaded and verified: ${path.join(machine.cacheDir, CANONICAL_WEIGHTS_FILE)}`,
      );

      api = await startTestApi('first-run', {
        QUEUE_PREFIX: machine.env.QUEUE_PREFIX!,
        DATA_DIR: machine.dataDir,
      });
      const created = await api.app.inject({
        method: 'POST',
        url: '/jobs',
        headers: auth(),
        payload: {
          content: { data: Buffer.from(await makePng(40, 32, 0)).toString('base64') },
          styles: [{ data: Buffer.from(await makePng(32, 32, 3)).toString('base64') }],
          options: { size: 32, iterations: 3 },
        },
      });
      expect(created.statusCode, created.body).toBe(202);
      const id = JobSchema.parse(created.json()).id;
      const deadline = Date.now() + 60_000;
      let job = JobSchema.parse(created.json());
      while (job.status === 'queued' || job.status === 'running') {
        if (Date.now() > deadline) throw new Error(`job ${id} stuck: ${JSON.stringify(job)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        job = JobSchema.parse((await api.app.inject({ url: `/jobs/${id}`, headers: auth() })).json());
      }
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    } finally {
      await worker.close(0);
    }

    // A second start finds the verified file and does not download again.
    const again: string[] = [];
    const second = await startWorker({ env: machine.env, preflight: false, log: (line) => again.push(line) });
    await second.close(0);
    expect(requests - before).toBe(1);
    expect(again.some((line) => /VGG19 weights found and verified/.test(line))).toBe(true);
  });

  it('a checksum mismatch refuses to start, in one line, and keeps nothing', async () => {
    const machine = await freshMachine('mismatch', { VGG19_WEIGHTS_SHA256: '0'.repeat(64) });
    const message = await startFailure(machine.env);
    expect(message).toMatch(/checksum mismatch/);
    expect(message).toContain(sha256);
    expect(await readdir(machine.cacheDir)).toEqual([]);
  });

  it('offline (connection refused): one line saying what failed and how to provide the file by hand', async () => {
    const url = await closedPortUrl();
    const machine = await freshMachine('offline', { VGG19_WEIGHTS_URL: url });
    const message = await startFailure(machine.env);
    expect(message).toMatch(/could not reach 127\.0\.0\.1:\d+ \(.*ECONNREFUSED/);
    expect(message).toMatch(/set VGG19_WEIGHTS/);

    // The worker process itself: exit 1 and exactly that one line on stderr.
    const run = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', path.join(repoRoot, 'apps/worker/src/main.ts')],
      { env: machine.env, cwd: repoRoot },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(run.code).toBe(1);
    const stderr = run.stderr.trim().split('\n');
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^worker: VGG19 weights download failed: could not reach/);
  });
});
