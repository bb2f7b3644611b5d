import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectedServices } from '@neural-style/api';
import { createClient, createJobAndWait } from '@neural-style/client';
import { decodeImage } from '@neural-style/core';
import {
  JobSchema,
  verifyWebhook,
  type Job,
  type QueueJobData,
  type WebhookEvent,
} from '@neural-style/contract';
import { parseIterationImageKey, publishJobEvent, storageKeys } from '@neural-style/infra';
import { uniquePrefix, type TestS3 } from '@neural-style/infra/testing';
import { startWorker, type JobOutcome, type RunningWorker } from '../src/index.js';
import { makePng } from './support/fixtures.js';
import { finishedEntry, waitFor } from './support/jobs.js';
import { startServiceStack, type ServiceStack } from './support/stack.js';
import { openEventStream, type SseEvent } from './support/sse.js';

/**
 * The whole service across processes: the API (buildApp, listening on loopback), workers with their
 * sandboxed engine processes, real Redis, an S3 server (s3rver) and a local webhook receiver.
 */

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const headers = { authorization: 'Bearer key-acme' };
const prefix = uniquePrefix('e2e');

let stack: ServiceStack;
let s3: TestS3;
let env: Record<string, string | undefined>;
let services: ConnectedServices;
let baseUrl: string;
let receiver: ServiceStack['receiver'];
let queue: Queue<QueueJobData>;

beforeAll(async () => {
  stack = await startServiceStack({ prefix, env: { API_KEYS: 'acme:key-acme' } });
  ({ s3, env, services, baseUrl, receiver } = stack);
  queue = services.jobQueue;
});

afterAll(() => stack.close());

const api = <T = Job>(method: string, route: string, body?: unknown) =>
  stack.request<T>(method, route, { body, headers });

async function pollJob(id: string, until: (job: Job) => boolean, timeoutMs = 60_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api('GET', `/jobs/${id}`);
    const job = JobSchema.parse(body);
    if (until(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} stuck: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Webhook deliveries for one job, each checked against its Standard Webhooks signature. */
function verifiedWebhooks(jobId: string): WebhookEvent[] {
  return receiver.received
    .map((request) =>
      verifyWebhook({ secret: env.WEBHOOK_SECRET!, headers: request.headers, body: request.body }),
    )
    .filter((event) => event.data.id === jobId);
}

async function waitForWebhook(jobId: string, type: WebhookEvent['type']): Promise<WebhookEvent[]> {
  const deadline = Date.now() + 30_000;
  while (!verifiedWebhooks(jobId).some((event) => event.type === type)) {
    if (Date.now() > deadline) throw new Error(`no ${type} webhook for ${jobId}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return verifiedWebhooks(jobId);
}

async function jsonJob(options: object): Promise<Job> {
  const { status, body } = await api('POST', '/jobs', {
    content: { data: Buffer.from(await makePng(40, 32, 0)).toString('base64') },
    styles: [{ data: Buffer.from(await makePng(32, 32, 3)).toString('base64') }],
    options,
    webhook: { url: receiver.url },
  });
  expect(status, JSON.stringify(body)).toBe(202);
  return body;
}

describe('API + worker', () => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await startWorker({ env, log: () => {} });
  });
  afterAll(() => worker.close(0));

  it('JSON submission: succeeds with output and snapshots in S3, SSE in order, signed webhooks', async () => {
    const created = await jsonJob({ size: 32, iterations: 9, snapshotEvery: 3 });
    const stream = await openEventStream(`${baseUrl}/jobs/${created.id}/events`, headers);

    const done = await pollJob(created.id, (job) => job.status === 'succeeded');
    expect(done.snapshots.map((snapshot) => snapshot.iteration)).toEqual([3, 6, 9]);
    expect(done.output).toMatchObject({ width: 32, height: 26, format: 'png' });

    // Output and snapshots are in the bucket, and the API serves them (via a presigned S3 redirect).
    const stored = await decodeImage(await s3.storage.get(storageKeys.output(created.id, 'png')));
    expect([stored.width, stored.height]).toEqual([32, 26]);
    const served = await fetch(`${baseUrl}/jobs/${created.id}/output`, { headers });
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(
      Buffer.from(await s3.storage.get(storageKeys.output(created.id, 'png'))),
    );
    const snapshot = await fetch(`${baseUrl}/jobs/${created.id}/snapshots/6`, { headers });
    expect(snapshot.status).toBe(200);
    expect((await decodeImage(new Uint8Array(await snapshot.arrayBuffer()))).width).toBe(32);

    const events = await stream.done;
    expectOrderedEvents(events, 9);
    expect(events.filter((event) => event.event === 'snapshot').map((event) => event.data)).toEqual(
      done.snapshots,
    );

    const webhooks = await waitForWebhook(created.id, 'job.succeeded');
    expect(webhooks.map((event) => event.type).sort()).toEqual(['job.started', 'job.succeeded']);
    expect(webhooks.find((event) => event.type === 'job.succeeded')?.data).toMatchObject({
      id: created.id,
      status: 'succeeded',
      output: done.output,
    });
  });

  it('multipart submission runs to success', async () => {
    const form = new FormData();
    form.append('content', new Blob([await makePng(32, 40, 1)], { type: 'image/png' }), 'content.png');
    form.append('style', new Blob([await makePng(24, 24, 2)], { type: 'image/png' }), 'style-a.png');
    form.append('style', new Blob([await makePng(24, 24, 5)], { type: 'image/png' }), 'style-b.png');
    form.append('options', JSON.stringify({ size: 32, iterations: 6, outputFormat: 'jpeg' }));
    const response = await fetch(`${baseUrl}/jobs`, { method: 'POST', headers, body: form });
    const created = (await response.json()) as Job;
    expect(response.status, JSON.stringify(created)).toBe(202);
    expect(response.headers.get('location')).toBe(`/jobs/${created.id}`);

    const done = await pollJob(created.id, (job) => job.status === 'succeeded');
    expect(done.output).toMatchObject({ width: 26, height: 32, format: 'jpeg' });
    const output = await decodeImage(await s3.storage.get(storageKeys.output(created.id, 'jpeg')));
    expect([output.width, output.height]).toEqual([26, 32]);
  });

  it('the generated client creates a job and waits for it', async () => {
    const client = createClient({ baseUrl, apiKey: 'key-acme' });
    const job = await createJobAndWait(
      client,
      {
        content: { data: Buffer.from(await makePng(24, 24, 4)).toString('base64') },
        styles: [{ data: Buffer.from(await makePng(24, 24, 6)).toString('base64'), weight: 2 }],
        options: { size: 24, iterations: 4, outputFormat: 'webp' },
      },
      { waitSeconds: 5, timeoutMs: 60_000 },
    );
    expect(job.status).toBe('succeeded');
    expect(job.output).toMatchObject({ width: 24, height: 24, format: 'webp' });
    expect(job.progress?.iteration).toBe(4);
  });

  it('cancels a running job: it stops early, announced and counted once', async () => {
    const created = await jsonJob({ size: 32, iterations: 5000 });
    const running = await pollJob(created.id, (job) => (job.progress?.iteration ?? 0) > 0);
    // The record says which pass runs, how fast, and when the whole plan should end.
    expect(running.progress!.pass).toMatchObject({ index: 0, count: 1, width: 32 });
    expect(running.progress!.secondsPerIteration).toBeGreaterThan(0);
    expect(Date.parse(running.progress!.estimatedFinishAt!)).toBeGreaterThan(Date.now());
    const canceled = await api('POST', `/jobs/${created.id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');

    const webhooks = await waitForWebhook(created.id, 'job.canceled');
    expect(webhooks.map((event) => event.type).sort()).toEqual(['job.canceled', 'job.started']);
    const entry = await finishedEntry(queue, created.id);
    expect(await entry.getState()).toBe('completed');
    expect(entry.returnvalue).toEqual({ status: 'canceled', resumedFrom: null });
    const final = await pollJob(created.id, () => true);
    expect(final.status).toBe('canceled');
    expect(final.progress?.iteration).toBeLessThan(5000);
    expect(await s3.storage.list(`jobs/${created.id}/output`)).toEqual([]);

    // The worker has ended its run; an event published now reaches the API after anything it published.
    const marker = new Promise<void>((resolve) => {
      const stop = services.events.subscribe(created.id, (_id, event) => {
        if (event.event === 'snapshot' && event.data.url === 'marker') resolve(stop());
      });
    });
    await publishJobEvent(services.redis, prefix, created.id, {
      event: 'snapshot',
      data: { iteration: 1, url: 'marker' },
    });
    await marker;
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toContain('neural_style_jobs_finished_total{status="canceled"} 1\n');
  });
});

describe('crash resume', () => {
  it('a worker killed with SIGKILL mid-job: a second worker finishes it from its checkpoint, once', async () => {
    const first = await spawnWorkerProcess(env);
    const created = await jsonJob({ size: 32, iterations: 60 });
    // Checkpoints every 6 iterations (a tenth of the run); kill once one exists.
    await waitFor(async () => (await s3.storage.list(storageKeys.checkpoints(created.id))).length > 0);
    const engineProcesses = childPids(first.pid!);
    expect(engineProcesses.length).toBeGreaterThan(0);
    first.kill('SIGKILL');
    // The sandboxed engine process notices its parent is gone and exits instead of finishing the job.
    await waitFor(() => engineProcesses.every((pid) => !isAlive(pid)));
    const [checkpointKey] = await s3.storage.list(storageKeys.checkpoints(created.id));
    const checkpoint = parseIterationImageKey(checkpointKey!)?.iteration ?? 0;
    expect(checkpoint).toBeGreaterThan(0);
    expect(checkpoint).toBeLessThan(60);

    const second = await startWorker({ env, preflight: false, log: () => {} });
    try {
      const done = await pollJob(created.id, (job) => job.status === 'succeeded');
      expect(done.progress?.iteration).toBe(60);
      const entry = await finishedEntry(queue, created.id);
      const outcome = entry.returnvalue as JobOutcome;
      expect(outcome.resumedFrom).toBeGreaterThanOrEqual(checkpoint);
      // Started twice (the killed worker, then this one), completed once, no failed attempt.
      expect(entry.attemptsStarted).toBe(2);
      expect(entry.attemptsMade).toBe(1);

      const webhooks = await waitForWebhook(created.id, 'job.succeeded');
      expect(webhooks.map((event) => event.type).sort()).toEqual(['job.started', 'job.succeeded']);
    } finally {
      await second.close(0);
    }
  });
});

function expectOrderedEvents(events: SseEvent[], iterations: number): void {
  expect(events.at(-1)?.event).toBe('completed');
  expect(events.filter((event) => event.event === 'completed')).toHaveLength(1);
  const progress = events.flatMap((event) =>
    event.event === 'progress' ? [(event.data as { iteration: number }).iteration] : [],
  );
  expect(progress.length).toBeGreaterThan(0);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  expect(progress.at(-1)).toBe(iterations);
}

/** `node --import tsx apps/worker/src/main.ts`, resolved once it says it is taking jobs. */
function spawnWorkerProcess(environment: Record<string, string | undefined>): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', path.join(repoRoot, 'apps/worker/src/main.ts')],
    { cwd: repoRoot, env: environment, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('taking jobs')) resolve(child);
    });
    child.on('exit', (code) =>
      reject(new Error(`worker process exited (${code}) before starting: ${output}`)),
    );
  });
}

function childPids(pid: number): number[] {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((child) => child > 0);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
