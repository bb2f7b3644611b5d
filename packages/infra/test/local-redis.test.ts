import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, startLocalRedisIfNeeded } from '../src/index.js';
import { freePort } from '../src/testing.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'local-redis-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('startLocalRedisIfNeeded (npm start on a machine without Redis)', () => {
  it('starts nothing when Redis answers', async () => {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    expect(await startLocalRedisIfNeeded(url, { dataDir: path.join(scratch, 'unused') })).toBeUndefined();
    await expect(readdir(scratch)).resolves.not.toContain('unused');
  });

  it('starts redis-server on the loopback port nothing answers on, and stop() ends it', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const dataDir = path.join(scratch, 'redis');
    const local = await startLocalRedisIfNeeded(url, { dataDir });
    expect(local).toBeDefined();
    const redis = await connectRedis(url);
    await redis.set('written', '1');
    redis.disconnect();
    await local!.stop();
    // SIGTERM makes it write its dump into the data directory; then nothing answers any more.
    expect(await readdir(dataDir)).toContain('dump.rdb');
    await expect(connectRedis(url, { connectTimeoutMs: 500 })).rejects.toThrow(/not answering/);
  });

  it('explains in one line how to get Redis when redis-server is not installed', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const error = await startLocalRedisIfNeeded(url, {
      dataDir: path.join(scratch, 'none'),
      searchPath: scratch,
    }).catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/redis-server is not installed: install it .*REDIS_URL/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('leaves remote or password-protected URLs alone', async () => {
    const port = await freePort();
    const local = await startLocalRedisIfNeeded(`redis://:secret@127.0.0.1:${port}`, {
      dataDir: path.join(scratch, 'protected'),
    });
    expect(local).toBeUndefined();
  });
});
