import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  connectRedis,
  describeRedisStateChange,
  RedisHealthLog,
  startLocalRedisIfNeeded,
  type LocalRedis,
  type RedisStateChange,
} from '../src/index.js';
import { freePort } from '../src/testing.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'redis-health-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('an outage is one "down" and one "up", whatever the retries and queues on the connection', async () => {
  // A private server this test can stop and start again.
  const url = `redis://127.0.0.1:${await freePort()}`;
  const start = () => startLocalRedisIfNeeded(url, { dataDir: path.join(scratch, 'redis') });
  let server: LocalRedis | undefined = await start();
  const redis = await connectRedis(url);
  const changes: RedisStateChange[] = [];
  const health = new RedisHealthLog((change) => changes.push(change)).watch(redis);
  const queue = new Queue('health-test', { connection: redis, prefix: 'health-test' });
  queue.on('error', (error) => health.error(error, 'queue'));
  await queue.waitUntilReady();
  try {
    // The first error is the dropped connection (ECONNRESET) or the first refused reconnect.
    await server!.stop();
    await until(() => changes.length > 0);
    // Several reconnect attempts (every 100 ms .. 2 s), each an error on the connection and the queue.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    server = await start();
    await until(() => changes.some((change) => change.state === 'up'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(changes.map((change) => change.state)).toEqual(['down', 'up']);
    expect(describeRedisStateChange(changes[0]!)).toMatch(
      /^redis: unreachable \(.*(ECONNREFUSED|ECONNRESET).*\); retrying/,
    );
    expect(describeRedisStateChange(changes[1]!)).toMatch(/^redis: reachable again after \d+\.\d s$/);
    expect(await redis.ping()).toBe('PONG');
  } finally {
    await queue.close();
    redis.disconnect();
    await server?.stop();
  }
});

it('errors that are not about reaching Redis are reported as they come', () => {
  const changes: RedisStateChange[] = [];
  const health = new RedisHealthLog((change) => changes.push(change));
  health.error(new Error('ERR Error running script'), 'queue');
  expect(changes).toEqual([{ state: 'error', source: 'queue', error: 'ERR Error running script' }]);
});
