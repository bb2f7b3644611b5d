import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ProblemError } from './problem.js';

/** How long a key is remembered; retries after that create a new job. */
const KEY_TTL_SECONDS = 24 * 3600;
/** A request that holds a key this long without finishing is assumed dead and the key freed. */
const PENDING_TTL_SECONDS = 120;

interface Entry {
  fingerprint: string;
  jobId?: string;
}

/**
 * `Idempotency-Key` (IETF httpapi draft): the first request with a key reserves it with the request's
 * fingerprint; a retry with the same fingerprint gets the same job, one with another fingerprint 422, and
 * a retry while the first is still in progress 409.
 */
export class IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Returns the job id of an earlier identical request, or null when this request reserved the key. */
  async begin(tenant: string, key: string, fingerprint: string): Promise<string | null> {
    const redisKey = this.redisKey(tenant, key);
    const entry: Entry = { fingerprint };
    const reserved = await this.redis.set(redisKey, JSON.stringify(entry), 'EX', PENDING_TTL_SECONDS, 'NX');
    if (reserved === 'OK') return null;
    const raw = await this.redis.get(redisKey);
    if (raw === null) return this.begin(tenant, key, fingerprint);
    const existing = JSON.parse(raw) as Entry;
    if (existing.fingerprint !== fingerprint) {
      throw new ProblemError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was used for a different request; use a new key for a new job',
      );
    }
    if (!existing.jobId) {
      throw new ProblemError(
        'IDEMPOTENCY_KEY_IN_USE',
        'A request with this Idempotency-Key is still being processed; retry later',
        {
          headers: { 'retry-after': '1' },
        },
      );
    }
    return existing.jobId;
  }

  async complete(tenant: string, key: string, fingerprint: string, jobId: string): Promise<void> {
    const entry: Entry = { fingerprint, jobId };
    await this.redis.set(this.redisKey(tenant, key), JSON.stringify(entry), 'EX', KEY_TTL_SECONDS);
  }

  /** Frees the key after a failed request, so a corrected retry may use it. */
  async abandon(tenant: string, key: string): Promise<void> {
    await this.redis.del(this.redisKey(tenant, key));
  }

  private redisKey(tenant: string, key: string): string {
    return `${this.prefix}:idempotency:${tenant}:${createHash('sha256').update(key).digest('hex')}`;
  }
}

/** The header's value: an sf-string (`"abc"`) or, leniently, a bare token. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header.join(',') : header).trim().replace(/^"(.*)"$/, '$1');
  if (value.length === 0 || value.length > 255) {
    throw new ProblemError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 255 characters');
  }
  return value;
}
