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

export type RedisStateChange =
  | { state: 'down'; error: string }
  | { state: 'up'; downForMs: number }
  /** An error that is not about reaching Redis (a script error, a bad reply): reported each time. */
  | { state: 'error'; source: string; error: string };

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

function isConnectionError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return (
    (code !== undefined && CONNECTION_ERROR_CODES.has(code)) || /Connection is closed/i.test(error.message)
  );
}

/**
 * One report per change of Redis reachability, however many connections, queues and reconnect attempts
 * see the outage: `down` at the first connection error, `up` when a watched connection is ready again.
 * Without it BullMQ prints a stack per queue per retry (every 2 s) outside the JSON log.
 */
export class RedisHealthLog {
  private downSince: number | undefined;

  constructor(private readonly report: (change: RedisStateChange) => void) {}

  /** Follows an ioredis connection's errors and reconnects. */
  watch(redis: Redis): this {
    redis.on('error', (error: Error) => this.error(error, 'redis'));
    redis.on('ready', () => this.ready());
    return this;
  }

  /** The `error` listener of BullMQ Queue, Worker and QueueEvents objects. */
  readonly error = (error: Error, source = 'redis'): void => {
    if (!isConnectionError(error)) {
      this.report({ state: 'error', source, error: error.message });
      return;
    }
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.report({ state: 'down', error: error.message });
  };

  private ready(): void {
    if (this.downSince === undefined) return;
    const downForMs = Date.now() - this.downSince;
    this.downSince = undefined;
    this.report({ state: 'up', downForMs });
  }
}

/** A state change as one log line. */
export function describeRedisStateChange(change: RedisStateChange): string {
  if (change.state === 'down') return `redis: unreachable (${change.error}); retrying every 2 s`;
  if (change.state === 'up') return `redis: reachable again after ${(change.downForMs / 1000).toFixed(1)} s`;
  return `redis: ${change.source}: ${change.error}`;
}
