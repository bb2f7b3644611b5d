import type { StorageConfig } from '../config.js';
import { FsStorage } from './fs.js';
import { S3Storage } from './s3.js';
import type { Storage } from './storage.js';

export * from './storage.js';
export { FsStorage } from './fs.js';
export { S3Storage, type S3StorageOptions } from './s3.js';

export function createStorage(config: StorageConfig): Storage {
  return config.kind === 'fs' ? new FsStorage(config.dataDir) : new S3Storage(config);
}
