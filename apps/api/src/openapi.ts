import { loadConfig } from '@neural-style/infra';
import { buildApp } from './app.js';
import type { ApiServices } from './services.js';

/** Stand-ins for services that the document build never calls; a call would be a bug, so it throws. */
function unconnected(name: string): never {
  return new Proxy(
    {},
    {
      get(_target, property) {
        throw new Error(`buildOpenApiDocument: ${name}.${String(property)} used without a connection`);
      },
    },
  ) as never;
}

/** The OpenAPI 3.1 document of the API, built in-process without Redis or storage. */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({ PUBLIC_URL: 'http://localhost:3000', RATE_LIMIT_PER_MINUTE: '0' });
  const services: ApiServices = {
    config,
    redis: unconnected('redis'),
    storage: unconnected('storage'),
    jobStore: unconnected('jobStore'),
    jobQueue: unconnected('jobQueue'),
    webhookQueue: unconnected('webhookQueue'),
    deadlineQueue: unconnected('deadlineQueue'),
    webhookLog: unconnected('webhookLog'),
    lifecycle: unconnected('lifecycle'),
    events: unconnected('events'),
    metrics: unconnected('metrics'),
  };
  const app = await buildApp(services, { logger: false });
  await app.ready();
  const document = app.swagger() as unknown as Record<string, unknown>;
  await app.close();
  return document;
}
