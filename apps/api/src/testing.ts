import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config, type Storage } from '@neural-style/infra';
import { deleteKeysWithPrefix, uniquePrefix } from '@neural-style/infra/testing';
import { buildApp } from './app.js';
import { createServices, type ConnectedServices } from './services.js';

/** For tests of the API and of whole-service flows (worker end-to-end tests): a real app on a private prefix. */

export const KEYS = { acme: 'key-acme', globex: 'key-globex' } as const;
export const auth = (tenant: keyof typeof KEYS = 'acme') => ({ authorization: `Bearer ${KEYS[tenant]}` });

export interface TestApi {
  app: FastifyInstance;
  services: ConnectedServices;
  config: Config;
  close(): Promise<void>;
}

/**
 * The API with real Redis, on a unique key prefix and a temporary data directory (or the given storage);
 * `close()` removes its keys and files. Two tenants: acme and globex (keys in KEYS).
 */
export async function startTestApi(
  name: string,
  env: Record<string, string> = {},
  overrides: { storage?: Storage; webRoot?: string } = {},
): Promise<TestApi> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `api-${name}-`));
  const config = loadConfig({
    QUEUE_PREFIX: uniquePrefix(name),
    DATA_DIR: dataDir,
    API_KEYS: `acme:${KEYS.acme},globex:${KEYS.globex}`,
    RATE_LIMIT_PER_MINUTE: '0',
    AUTH_FAILURES_PER_MINUTE: '0',
    PUBLIC_URL: 'http://api.test',
    ...env,
  });
  const services = await createServices(config, overrides);
  const app = await buildApp(services, { logger: false, webRoot: overrides.webRoot });
  await app.ready();
  return {
    app,
    services,
    config,
    async close() {
      await app.close();
      await deleteKeysWithPrefix(services.redis, config.queuePrefix);
      await services.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
