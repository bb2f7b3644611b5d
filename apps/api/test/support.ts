import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { loadConfig, type Config, type Storage } from '@neural-style/infra';
import { deleteKeysWithPrefix, uniquePrefix } from '@neural-style/infra/testing';
import { buildApp, createServices, type ConnectedServices } from '@neural-style/api';

export const KEYS = { acme: 'key-acme', globex: 'key-globex' } as const;
export const auth = (tenant: keyof typeof KEYS = 'acme') => ({ authorization: `Bearer ${KEYS[tenant]}` });

export interface TestApi {
  app: FastifyInstance;
  services: ConnectedServices;
  config: Config;
  close(): Promise<void>;
}

/** The API on a unique Redis prefix and a temporary data directory (or the given storage). */
export async function startTestApi(
  name: string,
  env: Record<string, string> = {},
  overrides: { storage?: Storage } = {},
): Promise<TestApi> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `api-${name}-`));
  const config = loadConfig({
    QUEUE_PREFIX: uniquePrefix(name),
    DATA_DIR: dataDir,
    API_KEYS: `acme:${KEYS.acme},globex:${KEYS.globex}`,
    RATE_LIMIT_PER_MINUTE: '0',
    PUBLIC_URL: 'http://api.test',
    ...env,
  });
  const services = await createServices(config, overrides);
  const app = await buildApp(services, { logger: false });
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

export function pngImage(width = 8, height = 8, color = '#c04020'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } })
    .png()
    .toBuffer();
}

export function jpegImage(width = 64, height = 48): Promise<Buffer> {
  const noise = Buffer.alloc(width * height * 3);
  for (let i = 0; i < noise.length; i += 1) noise[i] = (i * 7919) % 251;
  return sharp(noise, { raw: { width, height, channels: 3 } })
    .jpeg()
    .toBuffer();
}

export interface Part {
  name: string;
  value: string | Buffer;
  filename?: string;
  contentType?: string;
}

/** A multipart/form-data body for app.inject. */
export function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----test${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const isFile = Buffer.isBuffer(part.value);
    const disposition = `form-data; name="${part.name}"${isFile ? `; filename="${part.filename ?? `${part.name}.bin`}"` : ''}`;
    const headers = [`Content-Disposition: ${disposition}`];
    if (isFile) headers.push(`Content-Type: ${part.contentType ?? 'application/octet-stream'}`);
    chunks.push(Buffer.from(`--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** How many style jobs the queue holds in any state (the "nothing was enqueued" check). */
export async function queuedCount(api: TestApi): Promise<number> {
  const counts = await api.services.jobQueue.getJobCounts(
    'waiting',
    'active',
    'delayed',
    'prioritized',
    'completed',
    'failed',
  );
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}
