import { Queue, QueueEvents } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '@neural-style/vocabulary';
import {
  generateWebhookSecret,
  verifyWebhook,
  type Job,
  type WebhookDeliveryData,
} from '@neural-style/contract';
import { enqueueWebhookEvent, WebhookDeliveryLog } from '@neural-style/infra';
import {
  createWebhookWorker,
  retryDelayMs,
  type WebhookDeliverySettings,
} from '../src/webhooks/webhook-worker.js';
import { startReceiver } from './support/http.js';
import { connectRedis } from '@neural-style/infra';
import { deleteKeysWithPrefix, uniquePrefix } from '@neural-style/infra/testing';

const prefix = uniquePrefix('webhooks');
const redis = await connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const secret = generateWebhookSecret();
const queue = new Queue<WebhookDeliveryData>('webhooks', { connection: redis, prefix });
const queueEvents = new QueueEvents('webhooks', { connection: redis.duplicate(), prefix });

const settings: WebhookDeliverySettings = {
  secret,
  allowPrivate: true,
  timeoutMs: 300,
  maxAttempts: 3,
  baseDelayMs: 20,
  maxDelayMs: 100,
  concurrency: 4,
};

let jobCounter = 0;
function jobRecord(): Job {
  jobCounter += 1;
  return {
    id: `job_01HZX3V5Q8W2E4R6T8Y0A2B${String(jobCounter).padStart(3, '0')}`,
    status: 'succeeded',
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: '2026-01-01T00:00:01.000Z',
    completedAt: '2026-01-01T00:00:05.000Z',
    options: resolveOptions({ size: 64, iterations: 5 }),
    progress: null,
    output: null,
    snapshots: [],
    error: null,
    metrics: null,
    priority: 'normal',
    retentionSeconds: null,
    expiresAt: null,
    cancelAt: null,
    cancellation: null,
  };
}

const cleanups: (() => Promise<unknown>)[] = [];
async function worker(overrides: Partial<WebhookDeliverySettings> = {}) {
  const started = createWebhookWorker(redis.duplicate(), prefix, { ...settings, ...overrides });
  cleanups.push(() => started.close());
  await started.waitUntilReady();
  return started;
}
async function receiver(respond?: Parameters<typeof startReceiver>[0]) {
  const started = await startReceiver(respond);
  cleanups.push(() => started.close());
  return started;
}

async function send(
  url: string,
  record = jobRecord(),
  type: 'job.succeeded' | 'job.failed' = 'job.succeeded',
) {
  await enqueueWebhookEvent(queue, { url, events: ['job.succeeded', 'job.failed'] }, type, record);
  const queued = await queue.getJob(`msg_${record.id}_${type.replace('.', '_')}`);
  if (!queued) throw new Error('webhook was not queued');
  return { record, queued };
}

beforeAll(async () => {
  await queueEvents.waitUntilReady();
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
afterAll(async () => {
  await queue.close();
  await queueEvents.close();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('webhook delivery worker', () => {
  it('POSTs the event with Standard Webhooks headers that verify with the secret', async () => {
    const hook = await receiver();
    await worker();
    const { record, queued } = await send(hook.url);
    expect(await queued.waitUntilFinished(queueEvents)).toEqual({ delivered: true, status: 204 });

    const [request] = hook.received;
    expect(request?.headers['content-type']).toBe('application/json');
    const event = verifyWebhook({ secret, headers: request!.headers, body: request!.body });
    expect(event).toMatchObject({ type: 'job.succeeded', data: { id: record.id, status: 'succeeded' } });
    expect(request?.headers['webhook-id']).toBe(`msg_${record.id}_job_succeeded`);
  });

  it('only queues the events the subscription asks for, and each event once', async () => {
    const record = jobRecord();
    await enqueueWebhookEvent(
      queue,
      { url: 'http://127.0.0.1:9/', events: ['job.failed'] },
      'job.succeeded',
      record,
    );
    await enqueueWebhookEvent(
      queue,
      { url: 'http://127.0.0.1:9/', events: ['job.failed'] },
      'job.failed',
      record,
    );
    await enqueueWebhookEvent(
      queue,
      { url: 'http://127.0.0.1:9/', events: ['job.failed'] },
      'job.failed',
      record,
    );
    const queued = await queue.getJobs(['waiting', 'delayed', 'active']);
    expect(
      queued.filter((entry) => entry.data.event.data.id === record.id).map((entry) => entry.name),
    ).toEqual(['job.failed']);
    await queue.obliterate({ force: true });
  });

  it('retries non-2xx answers and timeouts with the same message id, then succeeds', async () => {
    // 500, then no answer at all (timeout), then 200.
    const hook = await receiver((seen) => [500, undefined, 200][seen.length - 1]);
    await worker();
    const { record, queued } = await send(hook.url);
    expect(await queued.waitUntilFinished(queueEvents)).toEqual({ delivered: true, status: 200 });

    expect(hook.received).toHaveLength(3);
    expect(new Set(hook.received.map((request) => request.headers['webhook-id'])).size).toBe(1);
    for (const request of hook.received) {
      expect(() => verifyWebhook({ secret, headers: request.headers, body: request.body })).not.toThrow();
    }
    const logs = await queue.getJobLogs(queued.id!);
    expect(logs.logs.join('\n')).toMatch(/HTTP 500[\s\S]*no response within 300 ms/);

    const attempts = await new WebhookDeliveryLog(redis, prefix).list(record.id);
    expect(attempts.map(({ attempt, outcome, status }) => ({ attempt, outcome, status }))).toEqual([
      { attempt: 1, outcome: 'retrying', status: 500 },
      { attempt: 2, outcome: 'retrying', status: null },
      { attempt: 3, outcome: 'delivered', status: 200 },
    ]);
    expect(attempts[1]?.error).toMatch(/no response within 300 ms/);
    expect(attempts[2]).toMatchObject({ error: null, nextRetryAt: null, event: 'job.succeeded' });
    for (const [index, retried] of attempts.slice(0, 2).entries()) {
      // Each retry is logged as due no earlier than the next attempt really started.
      expect(Date.parse(retried.nextRetryAt!)).toBeGreaterThan(Date.parse(retried.attemptedAt));
      expect(Date.parse(attempts[index + 1]!.attemptedAt)).toBeGreaterThanOrEqual(
        Date.parse(retried.nextRetryAt!) - 5,
      );
    }
  });

  it('gives up after maxAttempts with the last failure as the reason', async () => {
    const hook = await receiver(() => 503);
    await worker();
    const { record, queued } = await send(hook.url);
    await expect(queued.waitUntilFinished(queueEvents)).rejects.toThrow(
      'webhook delivery gave up after 3 attempts: receiver answered HTTP 503',
    );
    expect(hook.received).toHaveLength(3);
    const attempts = await new WebhookDeliveryLog(redis, prefix).list(record.id);
    expect(attempts.map((entry) => entry.outcome)).toEqual(['retrying', 'retrying', 'failed']);
    expect(attempts[2]).toMatchObject({ status: 503, nextRetryAt: null });
  });

  it('stops delivering to a URL that answered 410 for the rest of that job', async () => {
    const hook = await receiver(() => 410);
    await worker();
    const first = await send(hook.url);
    expect(await first.queued.waitUntilFinished(queueEvents)).toEqual({ delivered: false, reason: 'gone' });

    const second = await send(hook.url, first.record, 'job.failed');
    expect(await second.queued.waitUntilFinished(queueEvents)).toEqual({ delivered: false, reason: 'gone' });
    expect(hook.received).toHaveLength(1);
    const attempts = await new WebhookDeliveryLog(redis, prefix).list(first.record.id);
    expect(attempts.map(({ event, outcome, status }) => ({ event, outcome, status }))).toEqual([
      { event: 'job.succeeded', outcome: 'gone', status: 410 },
      { event: 'job.failed', outcome: 'skipped', status: null },
    ]);

    // Another job's events still go to the same URL.
    const other = await send(hook.url);
    await other.queued.waitUntilFinished(queueEvents);
    expect(hook.received).toHaveLength(2);
  });

  it('refuses loopback targets unless private addresses are allowed', async () => {
    const hook = await receiver();
    await worker({ allowPrivate: false });
    const literal = await send(hook.url);
    await expect(literal.queued.waitUntilFinished(queueEvents)).rejects.toThrow(
      /127\.0\.0\.1 is a private or loopback address/,
    );
    const named = await send(hook.url.replace('127.0.0.1', 'localhost'));
    await expect(named.queued.waitUntilFinished(queueEvents)).rejects.toThrow(
      /localhost resolves to the private address (127\.0\.0\.1|::1)/,
    );
    expect(hook.received).toHaveLength(0);
  });
});

describe('retryDelayMs', () => {
  const policy = { baseDelayMs: 1000, maxDelayMs: 10_000 };
  it('doubles per attempt within [step/2, step] and stops growing at the cap', () => {
    expect([1, 2, 3, 4, 5, 9].map((attempt) => retryDelayMs(attempt, policy, () => 0))).toEqual([
      500, 1000, 2000, 4000, 5000, 5000,
    ]);
    expect([1, 2, 3, 4, 5, 9].map((attempt) => retryDelayMs(attempt, policy, () => 1))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });
});
