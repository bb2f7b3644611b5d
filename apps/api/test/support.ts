import { readdir } from 'node:fs/promises';
import sharp from 'sharp';
import { auth, type TestApi } from '@neural-style/api/testing';

export { auth, KEYS, startTestApi, type TestApi } from '@neural-style/api/testing';

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

/**
 * Everything a request could have left behind: each Redis key under the API's prefix with its value
 * (DUMP) and every file in its storage directory. Equal before and after = the request changed nothing.
 */
export async function redisAndStorageState(
  api: TestApi,
  ignoreKey: (key: string) => boolean = () => false,
): Promise<{ keys: Record<string, string>; files: string[] }> {
  const { redis } = api.services;
  const pattern = `${api.config.queuePrefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  const keys: Record<string, string> = {};
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    for (const key of batch.filter((name) => !ignoreKey(name))) {
      keys[key] = (await redis.dumpBuffer(key))?.toString('hex') ?? '';
    }
  } while (cursor !== '0');
  const storage = api.config.storage;
  const files =
    storage.kind === 'fs'
      ? await readdir(storage.dataDir, { recursive: true }).catch(() => [] as string[])
      : [];
  return { keys, files: files.sort() };
}

/** POST /jobs with a multipart body of `parts`, authorised. */
export function postMultipart(api: TestApi, parts: Part[]) {
  const body = multipart(parts);
  return api.app.inject({ method: 'POST', url: '/jobs', ...body, headers: { ...body.headers, ...auth() } });
}
