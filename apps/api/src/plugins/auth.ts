import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { OPEN_MODE_TENANT, type Config } from '@neural-style/infra';
import { ProblemError } from '../problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the auth hook for every non-public route. */
    tenant: string;
  }
  interface FastifyContextConfig {
    /** Reachable without an API key (health, metrics, docs). */
    public?: boolean;
  }
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
const WINDOW_MS = 60_000;

/**
 * `Authorization: Bearer <key>` → tenant. Keys are compared by hash, so lookup time says nothing about
 * how much of a guessed key was right. With no keys configured every caller is tenant "public".
 * Failed authentications are counted per client address (AUTH_FAILURES_PER_MINUTE, a fixed one-minute
 * window in Redis): past the limit the address gets 429 for the rest of the window, whatever key it
 * sends, so guessing keys gains nothing from a right guess either.
 */
export function registerAuth(app: FastifyInstance, config: Config, redis: Redis): void {
  const tenants = new Map([...config.apiKeys].map(([key, tenant]) => [hashKey(key), tenant]));
  const limit = config.authFailuresPerMinute;
  const failureKey = (address: string, window: number) =>
    `${config.queuePrefix}:authfail:${address}:${window}`;
  app.decorateRequest('tenant', '');
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (request.routeOptions.config.public || request.url.startsWith('/docs')) return;
    if (tenants.size === 0) {
      request.tenant = OPEN_MODE_TENANT;
      return;
    }
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    const key = failureKey(request.ip, window);
    if (limit > 0 && Number(await redis.get(key)) >= limit) {
      const retryAfter = Math.ceil(((window + 1) * WINDOW_MS - now) / 1000);
      throw new ProblemError(
        'RATE_LIMITED',
        `More than ${limit} failed authentications from this address in one minute; retry in ${retryAfter} s`,
        { headers: { 'retry-after': String(retryAfter) } },
      );
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const tenant = match?.[1] ? tenants.get(hashKey(match[1])) : undefined;
    if (!tenant) {
      if (limit > 0) await redis.multi().incr(key).pexpire(key, WINDOW_MS).exec();
      throw new ProblemError(
        'UNAUTHORIZED',
        match ? 'The API key is not valid' : 'Send an API key as "Authorization: Bearer <key>"',
        { headers: { 'www-authenticate': 'Bearer' } },
      );
    }
    request.tenant = tenant;
  });
}
