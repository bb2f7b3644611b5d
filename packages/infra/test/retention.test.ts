import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveOptions } from '@neural-style/vocabulary';
import {
  connectRedis,
  FsStorage,
  JobStore,
  purgeExpiredJobs,
  storageKeys,
  WebhookDeliveryLog,
} from '@neural-style/infra';
import { deleteKeysWithPrefix, uniquePrefix } from '@neural-style/infra/testing';

const prefix = uniquePrefix('retention');
let redis: Redis;
let dir: string;

beforeAll(async () => {
  redis = await connectRedis('redis://127.0.0.1:6379');
  dir = await mkdtemp(path.join(tmpdir(), 'retention-'));
});
afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await rm(dir, { recursive: true, force: true });
});

it('deletes ended jobs once their retention is over, with files and webhook log, and keeps the rest', async () => {
  const store = new JobStore(redis, { prefix, publicUrl: 'http://x' });
  const storage = new FsStorage(dir);
  const log = new WebhookDeliveryLog(redis, prefix);
  const options = resolveOptions();
  const hour = await store.create({ tenant: 't', options, retentionSeconds: 3600 });
  const day = await store.create({ tenant: 't', options, retentionSeconds: 86_400 });
  const forever = await store.create({ tenant: 't', options });
  const active = await store.create({ tenant: 't', options, retentionSeconds: 1 });
  for (const { id } of [hour, day, forever]) {
    const ended = await store.markCanceled(id);
    expect(ended.job.expiresAt).toBe(
      ended.job.retentionSeconds === null
        ? null
        : new Date(Date.parse(ended.job.completedAt!) + ended.job.retentionSeconds * 1000).toISOString(),
    );
  }
  for (const { id } of [hour, day, forever, active]) {
    await storage.put(storageKeys.content(id), new Uint8Array([1]), 'image/png');
  }
  await log.record(hour.id, {
    event: 'job.canceled',
    webhookId: `msg_${hour.id}_job_canceled`,
    url: 'http://receiver.test/',
    attempt: 1,
    attemptedAt: new Date().toISOString(),
    outcome: 'delivered',
    status: 204,
    error: null,
    nextRetryAt: null,
  });

  expect(await purgeExpiredJobs(store, storage)).toBe(0);
  expect(await purgeExpiredJobs(store, storage, new Date(Date.now() + 2 * 3_600_000))).toBe(1);

  expect(await store.get(hour.id)).toBeNull();
  expect(await storage.list(storageKeys.job(hour.id))).toEqual([]);
  expect(await log.list(hour.id)).toEqual([]);
  const kept = [day, forever, active].map((job) => job.id).sort();
  expect((await store.list('t', { limit: 10 })).jobs.map((j) => j.id).sort()).toEqual(kept);
  for (const id of kept) expect(await storage.list(storageKeys.job(id))).toHaveLength(1);

  // Years later only the job without a retention and the one that never ended remain.
  expect(await purgeExpiredJobs(store, storage, new Date(Date.now() + 1e12))).toBe(1);
  expect((await store.list('t', { limit: 10 })).jobs.map((j) => j.id).sort()).toEqual(
    [forever.id, active.id].sort(),
  );
});
