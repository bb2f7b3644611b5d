import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
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

/**
 * `Authorization: Bearer <key>` → tenant. Keys are compared by hash, so lookup time says nothing about
 * how much of a guessed key was right. With no keys configured every caller is tenant "public".
 */
export function registerAuth(app: FastifyInstance, config: Config): void {
  const tenants = new Map([...config.apiKeys].map(([key, tenant]) => [hashKey(key), tenant]));
  app.decorateRequest('tenant', '');
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (request.routeOptions.config.public || request.url.startsWith('/docs')) return;
    if (tenants.size === 0) {
      request.tenant = OPEN_MODE_TENANT;
      return;
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const tenant = match?.[1] ? tenants.get(hashKey(match[1])) : undefined;
    if (!tenant) {
      throw new ProblemError(
        'UNAUTHORIZED',
        match ? 'The API key is not valid' : 'Send an API key as "Authorization: Bearer <key>"',
        { headers: { 'www-authenticate': 'Bearer' } },
      );
    }
    request.tenant = tenant;
  });
}
