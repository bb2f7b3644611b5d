import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectedServices } from '@neural-style/api';
import {
  JobSchema,
  QueuePositionSchema,
  WebhookDeliveryListSchema,
  type Job,
  type QueuePosition,
} from '@neural-style/contract';
import { purgeExpiredJobs, storageKeys } from '@neural-style/infra';
import { uniquePrefix, type TestS3 } from '@neural-style/infra/testing';
import { startWorker, type RunningWorker } from '../src/index.js';
import { makePng } from './support/fixtures.js';
import { waitFor } from './support/jobs.js';
import { startServiceStack, type ServiceStack } from './support/stack.js';
import { openEventStream } from './support/sse.js';

/**
 * The job controls end to end (API on loopback, one in-process worker taking one job at a time, real
 * Redis, s3rver): Cancel-After deadlines, fair order between tenants, queue positions, per-job retention,
 * webhook delivery log.
 */

const prefix = uniquePrefix('controls');
const TENANT_KEYS = { acme: 'key-acme', globex: 'key-globex' } as const;
type Tenant = keyof typeof TENANT_KEYS;

let stack: ServiceStack;
let s3: TestS3;
let services: ConnectedServices;
let baseUrl: string;
let worker: RunningWorker;
let receiver: ServiceStack['receiver'];
let images: { content: string; style: string };

beforeAll(async () => {
  // The receiver refuses each job's first webhook delivery, so every job's log has a failed attempt.
  const seen = new Set<string>();
  stack = await startServiceStack({
    prefix,
    env: {
      API_KEYS: `acme:${TENANT_KEYS.acme},globex:${TENANT_KEYS.globex}`,
      WORKER_CONCURRENCY: '1',
    },
    respond: (received) => {
      const id = String(received.at(-1)?.headers['webhook-id']);
      if (seen.has(id)) return 204;
      seen.add(id);
      return 503;
    },
  });
  ({ s3, services, baseUrl, receiver } = stack);
  worker = await startWorker({ env: stack.env, preflight: false, log: () => {} });
  images = {
    content: Buffer.from(await makePng(24, 24, 1)).toString('base64'),
    style: Buffer.from(await makePng(24, 24, 2)).toString('base64'),
  };
  // The engine process starts with the first job (seconds): warm it up so timings below are the jobs' own.
  await waitForStatus((await submit('acme')).id, ['succeeded']);
});

afterAll(async () => {
  await worker.close(0);
  await stack.close();
});

const api = <T = Job>(
  tenant: Tenant,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
) =>
  stack.request<T>(method, route, {
    body,
    headers: { authorization: `Bearer ${TENANT_KEYS[tenant]}`, ...headers },
  });

async function submit(
  tenant: Tenant,
  extra: object = {},
  options: object = { size: 16, iterations: 1 },
  headers: Record<string, string> = {},
) {
  const { status, body } = await api(
    tenant,
    'POST',
    '/jobs',
    { content: { data: images.content }, styles: [{ data: images.style }], options, ...extra },
    headers,
  );
  expect(status, JSON.stringify(body)).toBe(202);
  return JobSchema.parse(body);
}

async function record(id: string, tenant: Tenant = 'acme'): Promise<Job> {
  const { status, body } = await api(tenant, 'GET', `/jobs/${id}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return JobSchema.parse(body);
}

async function waitForStatus(id: string, statuses: Job['status'][], tenant: Tenant = 'acme') {
  let job: Job | undefined;
  await waitFor(async () => statuses.includes((job = await record(id, tenant)).status), 60_000);
  return job!;
}

/** Cancels whatever a test left queued or running, so the next test starts with an idle worker. */
afterEach(async () => {
  for (const tenant of Object.keys(TENANT_KEYS) as Tenant[]) {
    for (const status of ['queued', 'running']) {
      const { body } = await api<{ jobs: Job[] }>(tenant, 'GET', `/jobs?status=${status}&limit=100`);
      await Promise.all(body.jobs.map(({ id }) => api(tenant, 'POST', `/jobs/${id}/cancel`)));
    }
  }
  await waitFor(async () => (await services.jobQueue.getActiveCount()) === 0);
});

/** A job that would run for minutes: tiny weights, but thousands of iterations. */
const LONG = { size: 24, iterations: 5000 };

/** The `job.canceled` webhook bodies the receiver got for a job (the refused first attempt included). */
function canceledWebhooks(id: string): Job[] {
  return receiver.received
    .map((request) => JSON.parse(request.body) as { type: string; data: Job })
    .filter((event) => event.type === 'job.canceled' && event.data.id === id)
    .map((event) => event.data);
}

describe('Cancel-After deadline', () => {
  const canceledHook = () => ({ webhook: { url: receiver.url, events: ['job.canceled'] } });

  it('cancels a running job when its deadline passes, saying so in the record and the webhook', async () => {
    const job = await submit('acme', canceledHook(), LONG, {
      'cancel-after': '2s',
    });
    expect(Date.parse(job.cancelAt!) - Date.parse(job.createdAt)).toBe(2000);

    const canceled = await waitForStatus(job.id, ['canceled', 'succeeded', 'failed']);
    expect(canceled.status).toBe('canceled');
    expect(canceled.cancellation).toEqual({
      reason: 'deadline',
      stage: 'running',
      message: 'The Cancel-After deadline passed',
    });
    const tookMs = Date.parse(canceled.completedAt!) - Date.parse(canceled.createdAt);
    expect(tookMs).toBeGreaterThanOrEqual(2000);
    expect(tookMs).toBeLessThan(5000);
    expect(canceled.progress!.iteration).toBeLessThan(LONG.iterations);

    await waitFor(() => canceledWebhooks(job.id).length > 0);
    expect(canceledWebhooks(job.id)[0]!.cancellation).toMatchObject({ reason: 'deadline', stage: 'running' });
    // The worker stops the engine: nothing is left running.
    await waitFor(async () => (await services.jobQueue.getActiveCount()) === 0);
  });

  it('cancels a job still queued behind another when its deadline passes', async () => {
    const blocker = await submit('acme', {}, LONG);
    await waitForStatus(blocker.id, ['running']);
    const job = await submit('acme', canceledHook(), LONG, {
      'cancel-after': '2',
    });

    const canceled = await waitForStatus(job.id, ['canceled', 'running']);
    expect(canceled).toMatchObject({
      status: 'canceled',
      startedAt: null,
      cancellation: { reason: 'deadline', stage: 'queued' },
    });
    const tookMs = Date.parse(canceled.completedAt!) - Date.parse(canceled.createdAt);
    expect(tookMs).toBeGreaterThanOrEqual(2000);
    expect(tookMs).toBeLessThan(5000);
    expect(await services.jobQueue.getJob(job.id)).toBeUndefined();
    await waitFor(() => canceledWebhooks(job.id).length > 0);
    expect(canceledWebhooks(job.id)[0]!.cancellation).toMatchObject({ reason: 'deadline', stage: 'queued' });

    // A cancel on request says so, and that it stopped a running job.
    const stopped = await api('acme', 'POST', `/jobs/${blocker.id}/cancel`);
    expect(stopped.body.cancellation).toMatchObject({ reason: 'requested', stage: 'running' });
  });

  it('leaves a job that ends in time alone and drops its deadline', async () => {
    const job = await submit('acme', {}, undefined, { 'cancel-after': '1m' });
    expect(await services.deadlineQueue.getJob(job.id)).toBeDefined();
    const done = await waitForStatus(job.id, ['succeeded', 'canceled', 'failed']);
    expect(done).toMatchObject({ status: 'succeeded', cancellation: null });
    await waitFor(async () => (await services.deadlineQueue.getJob(job.id)) === undefined);
  });

  it('cuts a deadline to the server maximum and refuses one that is not a duration', async () => {
    const far = await submit('acme', {}, LONG, { 'cancel-after': '400d' });
    const max = services.config.maxCancelAfterSeconds * 1000;
    expect(Date.parse(far.cancelAt!) - Date.parse(far.createdAt)).toBe(max);

    const refused = await api<{ code: string; errors: { path: string }[] }>(
      'acme',
      'POST',
      '/jobs',
      { content: { data: images.content }, styles: [{ data: images.style }] },
      { 'cancel-after': 'tomorrow' },
    );
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'headers.cancel-after' }],
    });
  });
});

describe('fair order between tenants', () => {
  it('a burst of 50 jobs from one tenant delays another tenant’s job by at most one job', async () => {
    // The worker is busy while the burst arrives (paused here, so the test does not race the tiny jobs).
    await worker.styleWorker.pause();
    const burst: Job[] = [];
    for (let i = 0; i < 50; i += 1) burst.push(await submit('acme'));
    const single = await submit('globex');
    worker.styleWorker.resume();

    const started = await waitForStatus(single.id, ['running', 'succeeded'], 'globex');
    const startedBefore = await Promise.all(
      burst.slice(0, 3).map(async ({ id }) => {
        const job = await record(id);
        return job.startedAt !== null && job.startedAt <= started.startedAt!;
      }),
    );
    // The burst's first job may already run, its second may tie on rank with globex's job; never its third.
    expect(startedBefore[2]).toBe(false);
    expect(startedBefore.filter(Boolean).length).toBeLessThanOrEqual(2);
  });

  it('a high-priority job goes before its own tenant’s normal ones', async () => {
    await worker.styleWorker.pause();
    const normal = [await submit('acme'), await submit('acme'), await submit('acme')];
    const high = await submit('acme', { priority: 'high' });
    expect(high.priority).toBe('high');
    worker.styleWorker.resume();
    const started = await waitForStatus(high.id, ['running', 'succeeded']);
    for (const { id } of normal) {
      const other = await record(id);
      expect(other.startedAt === null || other.startedAt > started.startedAt!).toBe(true);
    }
  });
});

describe('queue position', () => {
  it('counts down as the jobs ahead finish, with a start estimate from recent run times', async () => {
    // The jobs ahead run for well over the stream's 1-s position poll, so it sees every change.
    const options = { size: 24, iterations: 12 };
    const aheadOptions = { size: 24, iterations: 100 };
    const ahead = [await submit('acme', {}, aheadOptions), await submit('acme', {}, aheadOptions)];
    const last = await submit('acme', {}, options);
    const stream = await openEventStream(`${baseUrl}/jobs/${last.id}/events`, {
      authorization: `Bearer ${TENANT_KEYS.acme}`,
    });
    const whileQueued = await record(last.id);
    if (whileQueued.status === 'queued') {
      expect(whileQueued.queuePosition).toBeGreaterThanOrEqual(0);
      expect(whileQueued.queuePosition).toBeLessThanOrEqual(1);
    }

    const events = await stream.done;
    const positions = events
      .filter((event) => event.event === 'position')
      .map((event) => QueuePositionSchema.strict().parse(event.data) as QueuePosition);
    // One event per change: the jobs ahead start one after another (the first may have started already).
    const counts = positions.map((position) => position.queuePosition);
    expect(counts.at(-1)).toBe(0);
    expect(counts.length).toBeGreaterThanOrEqual(2);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(new Set(counts).size).toBe(counts.length);
    // Earlier tests' jobs have run, so the estimate is known, and it lies after the job's creation.
    for (const position of positions) {
      expect(Date.parse(position.estimatedStartAt!)).toBeGreaterThan(Date.parse(last.createdAt));
    }
    expect(events.findIndex((event) => event.event === 'progress')).toBeGreaterThan(
      events.findIndex((event) => event.event === 'position'),
    );
    expect(events.at(-1)?.event).toBe('completed');

    const done = await record(last.id);
    expect(done.status).toBe('succeeded');
    expect(done.queuePosition).toBeUndefined();
    for (const { id } of ahead) expect((await record(id)).status).toBe('succeeded');
  });
});

describe('per-job retention', () => {
  it('sets expiresAt from the job’s retention and removes files and record after it', async () => {
    const job = await submit('acme', { retention: '2s' });
    expect(job).toMatchObject({ retentionSeconds: 2, expiresAt: null });
    const done = await waitForStatus(job.id, ['succeeded']);
    expect(Date.parse(done.expiresAt!) - Date.parse(done.completedAt!)).toBe(2000);
    expect(await s3.storage.list(storageKeys.job(job.id))).toContain(storageKeys.output(job.id, 'png'));

    expect(await purgeExpiredJobs(services.jobStore, s3.storage)).toBe(0);
    const expired = new Date(Date.parse(done.expiresAt!) + 1);
    expect(await purgeExpiredJobs(services.jobStore, s3.storage, expired)).toBe(1);
    expect(await s3.storage.list(storageKeys.job(job.id))).toEqual([]);
    expect((await api('acme', 'GET', `/jobs/${job.id}`)).status).toBe(404);
  });

  it('is at most the server’s retention, which applies by default', async () => {
    const server = services.config.retentionHours * 3600;
    expect((await submit('acme', { retention: '3650d' })).retentionSeconds).toBe(server);
    expect((await submit('acme')).retentionSeconds).toBe(server);
    const refused = await api<{ code: string; errors: { path: string }[] }>('acme', 'POST', '/jobs', {
      content: { data: images.content },
      styles: [{ data: images.style }],
      retention: 'soon',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((error) => error.path)).toEqual(['retention']);
  });
});

describe('webhook delivery log', () => {
  it('lists each attempt: the refused first delivery and its successful retry', async () => {
    const job = await submit('acme', { webhook: { url: receiver.url, events: ['job.succeeded'] } });
    await waitForStatus(job.id, ['succeeded']);
    let deliveries: ReturnType<typeof WebhookDeliveryListSchema.parse>['deliveries'] = [];
    await waitFor(async () => {
      const { status, body } = await api<unknown>('acme', 'GET', `/jobs/${job.id}/webhooks`);
      expect(status).toBe(200);
      deliveries = WebhookDeliveryListSchema.parse(body).deliveries;
      return deliveries.some((attempt) => attempt.outcome === 'delivered');
    });
    expect(deliveries).toEqual([
      expect.objectContaining({
        event: 'job.succeeded',
        attempt: 1,
        outcome: 'retrying',
        status: 503,
        error: 'receiver answered HTTP 503',
        nextRetryAt: expect.any(String),
      }),
      expect.objectContaining({ event: 'job.succeeded', attempt: 2, outcome: 'delivered', status: 204 }),
    ]);
    expect(deliveries[0]!.webhookId).toBe(deliveries[1]!.webhookId);

    // Tenant-scoped like every job route.
    expect((await api('globex', 'GET', `/jobs/${job.id}/webhooks`)).status).toBe(404);
  });
});
