import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { S3Storage } from './storage/s3.js';

/** Helpers for tests of API and worker: throwaway S3 server, unique Redis prefixes and their cleanup. */

interface S3rverConstructor {
  new (options: {
    address: string;
    port: number;
    silent: boolean;
    directory: string;
    configureBuckets: { name: string }[];
  }): { run(): Promise<{ address: string; port: number }>; close(): Promise<void> };
}

export interface TestS3 {
  endpoint: string;
  bucket: string;
  storage: S3Storage;
  /** Environment variables that select this server (for loadConfig or a child process). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** An s3rver on a free loopback port with one empty bucket; the real AWS SDK talks to it. */
export async function startTestS3(bucket = 'neural-style-test'): Promise<TestS3> {
  // s3rver is an untyped dev dependency: load it only when a test asks for it, typed by the interface below.
  const specifier = 's3rver';
  const { default: S3rver } = (await import(specifier)) as { default: S3rverConstructor };
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const storage = new S3Storage({ bucket, region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
  return {
    endpoint,
    bucket,
    storage,
    env: {
      STORAGE: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    async close() {
      storage.client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A queue prefix no other test file uses (a hash tag, like the production default). */
export function uniquePrefix(name: string): string {
  return `{test-${name}-${randomBytes(4).toString('hex')}}`;
}

/** Deletes every key under `prefix` (test cleanup). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** A loopback port nothing listens on right now (for servers a test starts itself). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
