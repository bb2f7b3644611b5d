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
