import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@neural-style/infra';

describe('loadConfig', () => {
  it('has working defaults for one machine with filesystem storage', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.queuePrefix).toBe('{neural-style}');
    expect(config.storage).toEqual({ kind: 'fs', dataDir: './.data' });
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.apiKeys.size).toBe(0);
    expect(config.webhooks.allowPrivate).toBe(false);
    expect(config.worker).toMatchObject({ backend: 'auto', oneDnn: true, concurrency: 1 });
  });

  it('reads the queue limits and the Cancel-After cap', () => {
    expect(loadConfig({})).toMatchObject({
      queueLimits: { maxQueuedPerTenant: 1000, maxHighPriorityPerTenant: 5 },
      maxCancelAfterSeconds: 86_400,
    });
    const config = loadConfig({
      MAX_QUEUED_JOBS_PER_TENANT: '0',
      MAX_HIGH_PRIORITY_JOBS_PER_TENANT: '2',
      MAX_CANCEL_AFTER_SECONDS: '600',
    });
    expect(config.queueLimits).toEqual({ maxQueuedPerTenant: 0, maxHighPriorityPerTenant: 2 });
    expect(config.maxCancelAfterSeconds).toBe(600);
    expect(() => loadConfig({ MAX_CANCEL_AFTER_SECONDS: '0' })).toThrow(/MAX_CANCEL_AFTER_SECONDS/);
  });

  it('has the abuse limits on by default, and 0 turns each off', () => {
    const config = loadConfig({});
    expect(config.authFailuresPerMinute).toBe(10);
    expect(config.maxInflightBodyBytes).toBe(128 * 1024 * 1024);
    expect(config.cost).toEqual({ maxPerJob: 1000, maxPerTenantPerHour: 10_000 });
    const off = loadConfig({
      AUTH_FAILURES_PER_MINUTE: '0',
      MAX_INFLIGHT_BODY_BYTES: '0',
      MAX_JOB_COST: '0',
      MAX_TENANT_COST_PER_HOUR: '0.5',
    });
    expect(off).toMatchObject({ authFailuresPerMinute: 0, maxInflightBodyBytes: 0 });
    expect(off.cost).toEqual({ maxPerJob: 0, maxPerTenantPerHour: 0.5 });
  });

  it('reads the weights mirror and its checksum, refusing a malformed one', () => {
    expect(loadConfig({}).worker).toMatchObject({ weightsUrl: undefined, weightsSha256: undefined });
    const sha256 = 'AB'.repeat(32);
    const mirror = loadConfig({
      VGG19_WEIGHTS_URL: 'https://mirror.example/vgg19.h5',
      VGG19_WEIGHTS_SHA256: sha256,
    });
    expect(mirror.worker).toMatchObject({
      weightsUrl: 'https://mirror.example/vgg19.h5',
      weightsSha256: sha256.toLowerCase(),
    });
    expect(() => loadConfig({ VGG19_WEIGHTS_SHA256: 'abc' })).toThrow(
      /VGG19_WEIGHTS_SHA256: expected 64 hex digits/,
    );
    expect(() => loadConfig({ VGG19_WEIGHTS_URL: 'ftp://mirror.example/w.h5' })).toThrow(ConfigError);
  });

  it('turns the oneDNN kernels off with STYLE_ONEDNN=false', () => {
    expect(loadConfig({ STYLE_ONEDNN: 'false' }).worker.oneDnn).toBe(false);
  });

  it('parses API keys into key → tenant', () => {
    const config = loadConfig({ API_KEYS: 'acme:k1, globex:k2:with-colon' });
    expect(config.apiKeys.get('k1')).toBe('acme');
    expect(config.apiKeys.get('k2:with-colon')).toBe('globex');
  });

  it('builds the S3 configuration', () => {
    const config = loadConfig({
      STORAGE: 's3',
      S3_BUCKET: 'b',
      S3_ENDPOINT: 'http://minio:9000',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'a',
      S3_SECRET_ACCESS_KEY: 's',
      PUBLIC_URL: 'https://api.example.com/',
    });
    expect(config.storage).toMatchObject({
      kind: 's3',
      bucket: 'b',
      endpoint: 'http://minio:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'a', secretAccessKey: 's' },
    });
    expect(config.publicUrl).toBe('https://api.example.com');
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ STORAGE: 'ftp' }, /STORAGE/],
    [{ STORAGE: 's3' }, /S3_BUCKET is required/],
    [{ API_KEYS: 'nocolon' }, /API_KEYS: expected tenant:key pairs/],
    [{ WEBHOOK_SECRET: 'secret' }, /WEBHOOK_SECRET: expected whsec_/],
    [{ WEBHOOK_ALLOW_PRIVATE: 'maybe' }, /WEBHOOK_ALLOW_PRIVATE/],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
