import { z } from 'zod';
import {
  BACKEND_CHOICES,
  DEFAULT_MEMORY_BUDGET_BYTES,
  FALSE_SPELLINGS,
  parseBoolean,
  TRUE_SPELLINGS,
} from '@neural-style/vocabulary';

/**
 * The one configuration module of API and worker: every environment variable, its default and its
 * validation live here, so `docs/configuration.md` has a single source to follow.
 */

const bool = z
  .enum([...TRUE_SPELLINGS, ...FALSE_SPELLINGS])
  .transform((value) => parseBoolean(value) === true);
const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
const nonNegativeNumber = z.coerce.number().min(0);
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

const apiKeys = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const keys = new Map<string, string>();
    for (const pair of value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)) {
      const separator = pair.indexOf(':');
      const tenant = pair.slice(0, separator).trim();
      const key = pair.slice(separator + 1).trim();
      if (separator <= 0 || !key || !/^[A-Za-z0-9_.-]+$/.test(tenant)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected tenant:key pairs (tenant of A-Za-z0-9_.-), got "${pair}"`,
        });
        continue;
      }
      keys.set(key, tenant);
    }
    return keys;
  });

const EnvSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().min(1).default('{neural-style}'),
  STORAGE: z.enum(['fs', 's3']).default('fs'),
  DATA_DIR: z.string().default('./.data'),
  S3_ENDPOINT: optionalString,
  S3_REGION: z.string().default('us-east-1'),
  S3_BUCKET: optionalString,
  S3_FORCE_PATH_STYLE: bool.default(false),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_PRESIGN_SECONDS: nonNegativeInt.default(900),
  API_KEYS: apiKeys,
  RATE_LIMIT_PER_MINUTE: nonNegativeInt.default(120),
  AUTH_FAILURES_PER_MINUTE: nonNegativeInt.default(10),
  MAX_INFLIGHT_BODY_BYTES: nonNegativeInt.default(128 * 1024 * 1024),
  MAX_JOB_COST: nonNegativeNumber.default(1000),
  MAX_TENANT_COST_PER_HOUR: nonNegativeNumber.default(10_000),
  MAX_UPLOAD_BYTES: positiveInt.default(20 * 1024 * 1024),
  MAX_INPUT_PIXELS: positiveInt.default(40_000_000),
  URL_FETCH_ALLOW_PRIVATE: bool.default(false),
  URL_FETCH_TIMEOUT_MS: positiveInt.default(15_000),
  MAX_WAIT_SECONDS: nonNegativeInt.default(60),
  MAX_QUEUED_JOBS_PER_TENANT: nonNegativeInt.default(1000),
  MAX_HIGH_PRIORITY_JOBS_PER_TENANT: nonNegativeInt.default(5),
  MAX_CANCEL_AFTER_SECONDS: positiveInt.default(24 * 3600),
  WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]+$/, 'expected whsec_ followed by base64')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),
  WEBHOOK_MAX_ATTEMPTS: positiveInt.default(8),
  VGG19_WEIGHTS: optionalString,
  VGG19_WEIGHTS_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  VGG19_WEIGHTS_SHA256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  STYLE_BACKEND: z.enum(BACKEND_CHOICES).default('auto'),
  STYLE_ONEDNN: bool.default(true),
  WORKER_CONCURRENCY: positiveInt.default(1),
  WORKER_MEMORY_BUDGET_MB: positiveInt.default(DEFAULT_MEMORY_BUDGET_BYTES / 1e6),
  JOB_LOCK_MS: positiveInt.default(30_000),
  JOB_STALLED_INTERVAL_MS: positiveInt.default(30_000),
  JOB_MAX_ATTEMPTS: positiveInt.default(5),
  SHUTDOWN_GRACE_MS: nonNegativeInt.default(30_000),
  RETENTION_HOURS: nonNegativeInt.default(168),
});

export type StorageConfig =
  | { kind: 'fs'; dataDir: string }
  | {
      kind: 's3';
      endpoint: string | undefined;
      region: string;
      bucket: string;
      forcePathStyle: boolean;
      /** Absent: the AWS default credential chain (env, profile, instance role). */
      credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
      /** Lifetime of presigned GET URLs for outputs; 0 streams through the API instead of redirecting. */
      presignSeconds: number;
    };

export interface Config {
  port: number;
  host: string;
  /** Base of the URLs in Job records (output, snapshots), without a trailing slash. */
  publicUrl: string;
  logLevel: z.output<typeof EnvSchema>['LOG_LEVEL'];
  redisUrl: string;
  queuePrefix: string;
  storage: StorageConfig;
  /** API key → tenant. Empty: open mode (everything is tenant "public"). */
  apiKeys: ReadonlyMap<string, string>;
  rateLimitPerMinute: number;
  /** Failed authentications per client address per minute before it gets 429; 0 = unlimited. */
  authFailuresPerMinute: number;
  /** Declared request-body bytes the API holds at once; 0 = unbounded. */
  maxInflightBodyBytes: number;
  /** Cost caps in megapixel-iterations (output pixels × iterations, summed over passes); 0 = off. */
  cost: { maxPerJob: number; maxPerTenantPerHour: number };
  maxUploadBytes: number;
  maxInputPixels: number;
  urlFetch: { allowPrivate: boolean; timeoutMs: number };
  maxWaitSeconds: number;
  queueLimits: {
    /** Queued jobs one tenant may have at once; 0 = no limit. */
    maxQueuedPerTenant: number;
    /** Queued or running `high` jobs one tenant may have at once; 0 = none. */
    maxHighPriorityPerTenant: number;
  };
  /** Longest `Cancel-After` deadline; longer ones are cut to it. */
  maxCancelAfterSeconds: number;
  webhooks: { secret: string | undefined; allowPrivate: boolean; timeoutMs: number; maxAttempts: number };
  worker: {
    weights: string | undefined;
    /** Where a worker without VGG19_WEIGHTS downloads them from (undefined: the canonical Keras URL). */
    weightsUrl: string | undefined;
    /** Expected SHA-256 of that file (undefined: the canonical file's md5 is checked). */
    weightsSha256: string | undefined;
    backend: z.output<typeof EnvSchema>['STYLE_BACKEND'];
    /** The wasm backend runs its heavy kernels in oneDNN where the addon is built. */
    oneDnn: boolean;
    concurrency: number;
    /** Peak memory one job may plan for (WORKER_MEMORY_BUDGET_MB): larger passes run in tiles, or are refused. */
    memoryBudgetBytes: number;
    lockMs: number;
    stalledIntervalMs: number;
    maxAttempts: number;
    shutdownGraceMs: number;
  };
  retentionHours: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Tenant of every request when no API keys are configured. */
export const OPEN_MODE_TENANT = 'public';

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    storage: storageConfig(e),
    apiKeys: e.API_KEYS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    maxInflightBodyBytes: e.MAX_INFLIGHT_BODY_BYTES,
    cost: { maxPerJob: e.MAX_JOB_COST, maxPerTenantPerHour: e.MAX_TENANT_COST_PER_HOUR },
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxInputPixels: e.MAX_INPUT_PIXELS,
    urlFetch: { allowPrivate: e.URL_FETCH_ALLOW_PRIVATE, timeoutMs: e.URL_FETCH_TIMEOUT_MS },
    maxWaitSeconds: e.MAX_WAIT_SECONDS,
    queueLimits: {
      maxQueuedPerTenant: e.MAX_QUEUED_JOBS_PER_TENANT,
      maxHighPriorityPerTenant: e.MAX_HIGH_PRIORITY_JOBS_PER_TENANT,
    },
    maxCancelAfterSeconds: e.MAX_CANCEL_AFTER_SECONDS,
    webhooks: {
      secret: e.WEBHOOK_SECRET,
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
    },
    worker: {
      weights: e.VGG19_WEIGHTS,
      weightsUrl: e.VGG19_WEIGHTS_URL,
      weightsSha256: e.VGG19_WEIGHTS_SHA256?.toLowerCase(),
      backend: e.STYLE_BACKEND,
      oneDnn: e.STYLE_ONEDNN,
      concurrency: e.WORKER_CONCURRENCY,
      memoryBudgetBytes: e.WORKER_MEMORY_BUDGET_MB * 1e6,
      lockMs: e.JOB_LOCK_MS,
      stalledIntervalMs: e.JOB_STALLED_INTERVAL_MS,
      maxAttempts: e.JOB_MAX_ATTEMPTS,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
    retentionHours: e.RETENTION_HOURS,
  };
}

function storageConfig(e: z.output<typeof EnvSchema>): StorageConfig {
  if (e.STORAGE === 'fs') return { kind: 'fs', dataDir: e.DATA_DIR };
  if (!e.S3_BUCKET) throw new ConfigError('Invalid configuration: S3_BUCKET is required when STORAGE=s3');
  if (Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError(
      'Invalid configuration: set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither',
    );
  }
  return {
    kind: 's3',
    endpoint: e.S3_ENDPOINT,
    region: e.S3_REGION,
    bucket: e.S3_BUCKET,
    forcePathStyle: e.S3_FORCE_PATH_STYLE,
    credentials:
      e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY }
        : undefined,
    presignSeconds: e.S3_PRESIGN_SECONDS,
  };
}
