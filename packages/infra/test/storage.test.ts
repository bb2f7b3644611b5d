import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FsStorage,
  parseIterationImageKey,
  StorageNotFoundError,
  storageKeys,
  type Storage,
} from '@neural-style/infra';
import { startTestS3, type TestS3 } from '@neural-style/infra/testing';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

function storageContract(
  name: string,
  open: () => Promise<{ storage: Storage; close: () => Promise<void> }>,
) {
  describe(name, () => {
    let storage: Storage;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ storage, close } = await open());
    });
    afterAll(() => close());

    it('stores, reads and streams an object with its content type', async () => {
      const body = new Uint8Array([1, 2, 3, 4, 5]);
      await storage.put('jobs/a/output.png', body, 'image/png');
      expect(Buffer.from(await storage.get('jobs/a/output.png'))).toEqual(Buffer.from(body));
      const object = await storage.getStream('jobs/a/output.png');
      expect(object.size).toBe(5);
      expect(object.contentType).toBe('image/png');
      expect(await readAll(object.body)).toEqual(Buffer.from(body));
    });

    it('raises StorageNotFoundError for missing keys', async () => {
      await expect(storage.get('jobs/missing/output.png')).rejects.toBeInstanceOf(StorageNotFoundError);
      await expect(storage.getStream('jobs/missing/output.png')).rejects.toBeInstanceOf(StorageNotFoundError);
    });

    it('lists and deletes by prefix without touching other jobs', async () => {
      await storage.put(storageKeys.content('b'), new Uint8Array([1]), 'image/jpeg');
      await storage.put(storageKeys.snapshot('b', 10, 'jpeg'), new Uint8Array([2]), 'image/jpeg');
      await storage.put(storageKeys.content('bb'), new Uint8Array([3]), 'image/jpeg');
      expect(await storage.list('jobs/b/')).toEqual(['jobs/b/inputs/content', 'jobs/b/snapshots/10.jpg']);
      await storage.delete(storageKeys.job('b'));
      expect(await storage.list('jobs/b/')).toEqual([]);
      expect(await storage.list('jobs/bb/')).toEqual(['jobs/bb/inputs/content']);
    });

    it('refuses keys that would leave the store', async () => {
      await expect(storage.put('../escape', new Uint8Array([1]), 'text/plain')).rejects.toThrow(
        /Invalid storage key/,
      );
    });

    it('answers ping', async () => {
      await expect(storage.ping()).resolves.toBeUndefined();
    });
  });
}

storageContract('FsStorage', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'fs-storage-'));
  return { storage: new FsStorage(dir), close: () => rm(dir, { recursive: true, force: true }) };
});

storageContract('S3Storage (s3rver)', async () => {
  const s3 = await startTestS3();
  return { storage: s3.storage, close: () => s3.close() };
});

describe('S3Storage presigned URLs', () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startTestS3();
  });
  afterAll(() => s3.close());

  it('serve the object without credentials', async () => {
    await s3.storage.put('jobs/p/output.png', new Uint8Array([9, 8, 7]), 'image/png');
    const url = await s3.storage.presignGet('jobs/p/output.png', 60);
    expect(url).toContain('X-Amz-Signature=');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([9, 8, 7]));
  });

  it('fails ping for a bucket that does not exist', async () => {
    const { S3Storage } = await import('@neural-style/infra');
    const missing = new S3Storage({
      bucket: 'no-such-bucket',
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await expect(missing.ping()).rejects.toThrow();
    missing.client.destroy();
  });
});

describe('storageKeys', () => {
  it('lays out snapshots and checkpoints apart, with the format’s extension', () => {
    expect(storageKeys.snapshot('job_1', 10, 'jpeg')).toBe('jobs/job_1/snapshots/10.jpg');
    expect(storageKeys.checkpoint('job_1', 4, 'webp')).toBe('jobs/job_1/checkpoints/4.webp');
    expect(storageKeys.output('job_1', 'png')).toBe('jobs/job_1/output.png');
    expect(storageKeys.checkpoint('job_1', 4, 'png').startsWith(storageKeys.checkpoints('job_1'))).toBe(true);
    expect(storageKeys.snapshot('job_1', 4, 'png').startsWith(storageKeys.snapshots('job_1'))).toBe(true);
  });

  it('parses the keys it makes, and nothing else', () => {
    expect(parseIterationImageKey(storageKeys.snapshot('job_1', 10, 'jpeg'))).toEqual({
      jobId: 'job_1',
      kind: 'snapshot',
      iteration: 10,
      format: 'jpeg',
    });
    expect(parseIterationImageKey(storageKeys.checkpoint('job_2', 7, 'webp'))).toEqual({
      jobId: 'job_2',
      kind: 'checkpoint',
      iteration: 7,
      format: 'webp',
    });
    for (const other of [
      storageKeys.output('job_1', 'png'),
      storageKeys.content('job_1'),
      'jobs/job_1/snapshots/10.jpeg',
      'jobs/job_1/snapshots/ten.png',
      'jobs/job_1/thumbnails/10.png',
    ]) {
      expect(parseIterationImageKey(other)).toBeUndefined();
    }
  });
});
