import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { buildApp, createServices, type ConnectedServices } from '@neural-style/api';
import { loadConfig } from '@neural-style/infra';
import { deleteKeysWithPrefix, startTestS3, type TestS3 } from '@neural-style/infra/testing';
import { testEnv, writeTinyWeights } from './fixtures.js';
import { startReceiver, type ReceivedRequest } from './http.js';

/**
 * The service the end-to-end tests run against: the API listening on loopback over real Redis and an S3
 * server (s3rver), tiny VGG weights on disk and a local webhook receiver. Workers are the tests' own.
 */
export interface ServiceStack {
  s3: TestS3;
  receiver: Awaited<ReturnType<typeof startReceiver>>;
  /** The environment the API was configured from, for workers to share. */
  env: Record<string, string | undefined>;
  services: ConnectedServices;
  baseUrl: string;
  /** A JSON request to the API; the answer's status and parsed body. */
  request<T>(
    method: string,
    route: string,
    init?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startServiceStack(options: {
  prefix: string;
  env: Record<string, string>;
  respond?: (received: ReceivedRequest[]) => number | undefined;
}): Promise<ServiceStack> {
  const [s3, weightsDir, receiver] = await Promise.all([
    startTestS3(),
    writeTinyWeights(),
    startReceiver(options.respond),
  ]);
  const env = testEnv({
    ...s3.env,
    QUEUE_PREFIX: options.prefix,
    VGG19_WEIGHTS: weightsDir,
    RATE_LIMIT_PER_MINUTE: '0',
    ...options.env,
  });
  const services = await createServices(loadConfig(env));
  const app = await buildApp(services, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    s3,
    receiver,
    env,
    services,
    baseUrl,
    async request(method, route, { body, headers = {} } = {}) {
      const response = await fetch(`${baseUrl}${route}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    },
    async close() {
      await app.close();
      await deleteKeysWithPrefix(services.redis, options.prefix);
      await services.close();
      await receiver.close();
      await s3.close();
      await rm(weightsDir, { recursive: true, force: true });
    },
  };
}
