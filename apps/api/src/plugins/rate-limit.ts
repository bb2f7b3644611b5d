import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { ProblemError } from '../problem.js';

const WINDOW_MS = 60_000;

/**
 * Per-tenant fixed one-minute window in Redis, shared by every API instance. 0 requests per minute turns
 * it off.
 */
export function registerRateLimit(
  app: FastifyInstance,
  redis: Redis,
  prefix: string,
  perMinute: number,
): void {
  if (perMinute <= 0) return;
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.tenant) return;
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    const key = `${prefix}:ratelimit:${request.tenant}:${window}`;
    const [[, count] = []] = (await redis.multi().incr(key).pexpire(key, WINDOW_MS).exec()) ?? [];
    const used = Number(count);
    const resetSeconds = Math.ceil(((window + 1) * WINDOW_MS - now) / 1000);
    reply.headers({
      'ratelimit-limit': String(perMinute),
      'ratelimit-remaining': String(Math.max(0, perMinute - used)),
      'ratelimit-reset': String(resetSeconds),
    });
    if (used > perMinute) {
      throw new ProblemError(
        'RATE_LIMITED',
        `More than ${perMinute} requests in one minute; retry in ${resetSeconds} s`,
        {
          headers: { 'retry-after': String(resetSeconds) },
        },
      );
    }
  });
}
