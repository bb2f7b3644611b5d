import { Redis } from 'ioredis';

export class RedisUnavailableError extends Error {
  constructor(url: string, cause: unknown) {
    super(
      `Redis is not answering at ${redactUrl(url)}: start it with \`redis-server\` (or \`docker compose up -d redis\`), ` +
        'or point REDIS_URL at a running server',
      { cause },
    );
    this.name = 'RedisUnavailableError';
  }
}

export interface RedisOptions {
  /** Shown in CLIENT LIST; helps to tell API, worker and subscriber connections apart. */
  name?: string;
  /** How long to wait for the first connection. */
  connectTimeoutMs?: number;
}

/**
 * Connects and waits until Redis answers PING, so a missing server is one clear error at start instead of
 * endless reconnect noise. Commands never fail while a later reconnect is in progress (BullMQ requires
 * `maxRetriesPerRequest: null`).
 */
export async function connectRedis(url: string, options: RedisOptions = {}): Promise<Redis> {
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  let connected = false;
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    connectTimeout: timeoutMs,
    connectionName: options.name,
    // No reconnect loop until the first connection succeeded; afterwards back off up to 2 s.
    retryStrategy: (attempt) => (connected ? Math.min(attempt * 100, 2_000) : null),
  });
  redis.on('error', () => {
    // Reported by the failing command or by connect(); without a listener ioredis prints every retry.
  });
  try {
    await redis.connect();
    await redis.ping();
    connected = true;
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new RedisUnavailableError(url, error);
  }
}

/** A second connection with the same settings (a subscriber cannot issue normal commands). */
export async function duplicateRedis(redis: Redis, name: string): Promise<Redis> {
  const copy = redis.duplicate({ connectionName: name, lazyConnect: true });
  copy.on('error', () => {});
  await copy.connect();
  return copy;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
