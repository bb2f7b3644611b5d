import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveOptions } from '@neural-style/vocabulary';
import { connectRedis, FsStorage, JobStore, purgeExpiredJobs, storageKeys } from '@neural-style/infra';
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

it('deletes ended jobs older than the retention, with their files, and keeps the rest', async () => {
  const store = new JobStore(redis, { prefix, publicUrl: 'http://x' });
  const storage = new FsStorage(dir);
  const options = resolveOptions();
  const ended = await store.create({ tenant: 't', options });
  const active = await store.create({ tenant: 't', options });
  await store.markCanceled(ended.id);
  await storage.put(storageKeys.content(ended.id), new Uint8Array([1]), 'image/png');
  await storage.put(storageKeys.content(active.id), new Uint8Array([1]), 'image/png');

  expect(await purgeExpiredJobs(store, storage, 1)).toBe(0);
  const later = new Date(Date.now() + 2 * 3_600_000);
  expect(await purgeExpiredJobs(store, storage, 1, later)).toBe(1);

  expect(await store.get(ended.id)).toBeNull();
  expect(await storage.list(storageKeys.job(ended.id))).toEqual([]);
  expect((await store.list('t', { limit: 10 })).jobs.map((j) => j.id)).toEqual([active.id]);
  expect(await storage.list(storageKeys.job(active.id))).toHaveLength(1);
});
