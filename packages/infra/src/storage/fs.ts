import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { assertValidKey, StorageNotFoundError, type Storage, type StoredObject } from './storage.js';

/**
 * Objects under `{dataDir}/objects/{key}`, their content types under `{dataDir}/meta/{key}`. Writes go to a
 * temporary file and are renamed into place, so a crash never leaves half a snapshot that resume would read.
 */
export class FsStorage implements Storage {
  readonly kind = 'fs';
  private readonly objects: string;
  private readonly meta: string;

  constructor(dataDir: string) {
    const root = path.resolve(dataDir);
    this.objects = path.join(root, 'objects');
    this.meta = path.join(root, 'meta');
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await atomicWrite(this.objectPath(key), body);
    await atomicWrite(this.metaPath(key), Buffer.from(contentType));
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.objectPath(key)));
    } catch (error) {
      throw notFoundOr(error, key);
    }
  }

  async getStream(key: string): Promise<StoredObject> {
    const file = this.objectPath(key);
    try {
      const { size } = await stat(file);
      const contentType = await readFile(this.metaPath(key), 'utf8').catch(() => 'application/octet-stream');
      return { body: createReadStream(file), size, contentType };
    } catch (error) {
      throw notFoundOr(error, key);
    }
  }

  async delete(prefix: string): Promise<void> {
    for (const key of await this.list(prefix)) {
      await rm(this.objectPath(key), { force: true });
      await rm(this.metaPath(key), { force: true });
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    // Only the directory part of the prefix needs walking; the rest filters names.
    const baseDir = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const walk = async (relativeDir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(path.join(this.objects, relativeDir), { withFileTypes: true });
      } catch (error) {
        if (isNotFound(error)) return;
        throw error;
      }
      for (const entry of entries) {
        const key = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(key);
        } else if (key.startsWith(prefix) && !entry.name.startsWith('.tmp-')) {
          keys.push(key);
        }
      }
    };
    await walk(baseDir);
    return keys.sort();
  }

  async ping(): Promise<void> {
    await mkdir(this.objects, { recursive: true });
    const probe = path.join(this.objects, `.tmp-ping-${randomUUID()}`);
    await writeFile(probe, '');
    await rm(probe);
  }

  private objectPath(key: string): string {
    assertValidKey(key);
    return path.join(this.objects, key);
  }

  private metaPath(key: string): string {
    assertValidKey(key);
    return path.join(this.meta, key);
  }
}

async function atomicWrite(file: string, body: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = path.join(path.dirname(file), `.tmp-${randomUUID()}`);
  await writeFile(temporary, body);
  await rename(temporary, file);
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'EISDIR');
}

function notFoundOr(error: unknown, key: string): unknown {
  return isNotFound(error) ? new StorageNotFoundError(key, { cause: error }) : error;
}
