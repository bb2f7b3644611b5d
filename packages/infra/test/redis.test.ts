import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectRedis, RedisUnavailableError } from '@neural-style/infra';

describe('connectRedis', () => {
  it('connects to the Redis on 127.0.0.1:6379', async () => {
    const redis = await connectRedis('redis://127.0.0.1:6379', { name: 'infra-test' });
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();
  });

  it('says how to start Redis when nothing answers', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const url = `redis://:hunter2@127.0.0.1:${port}`;
    const error = await connectRedis(url, { connectTimeoutMs: 1_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toContain(`Redis is not answering at redis://:***@127.0.0.1:${port}`);
    expect((error as Error).message).toContain('redis-server');
    expect((error as Error).message).not.toContain('hunter2');
  });
});
