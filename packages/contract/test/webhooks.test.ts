import { describe, expect, it } from 'vitest';
import { resolveOptions } from '@neural-style/vocabulary';
import type { Job } from '../src/job.js';
import { verifyWebhook, type WebhookEvent } from '../src/webhook-events.js';
import {
  generateWebhookSecret,
  signWebhook,
  verifyWebhookSignature,
  WebhookVerificationError,
  webhookHeaders,
} from '../src/webhooks.js';

// The reference vector of the Standard Webhooks JavaScript library
// (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts, "sign function works").
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('signWebhook', () => {
  it('reproduces the Standard Webhooks reference signature', () => {
    expect(signWebhook(vector)).toBe(vector.signature);
  });

  it('accepts the secret without its whsec_ prefix', () => {
    expect(signWebhook({ ...vector, secret: vector.secret.slice('whsec_'.length) })).toBe(vector.signature);
  });

  it('rejects a secret that is not base64', () => {
    expect(() => signWebhook({ ...vector, secret: 'whsec_not base64!' })).toThrow(WebhookVerificationError);
    expect(() => signWebhook({ ...vector, secret: 'whsec_' })).toThrow(/whsec_/);
  });
});

describe('verifyWebhookSignature', () => {
  const headers = {
    'webhook-id': vector.id,
    'webhook-timestamp': String(vector.timestamp),
    'webhook-signature': vector.signature,
  };
  const now = vector.timestamp + 10;

  it('accepts the reference message and returns the parsed body', () => {
    expect(verifyWebhookSignature({ secret: vector.secret, headers, body: vector.body, now })).toEqual({
      test: 2432232314,
    });
  });

  it('accepts a fetch Headers object and mixed-case header names', () => {
    expect(() =>
      verifyWebhookSignature({
        secret: vector.secret,
        headers: new Headers(headers),
        body: vector.body,
        now,
      }),
    ).not.toThrow();
    const mixedCase = {
      'Webhook-Id': vector.id,
      'Webhook-Timestamp': String(vector.timestamp),
      'Webhook-Signature': vector.signature,
    };
    expect(() =>
      verifyWebhookSignature({ secret: vector.secret, headers: mixedCase, body: vector.body, now }),
    ).not.toThrow();
  });

  it('accepts a header listing several signatures when one matches (key rotation)', () => {
    const rotated = {
      ...headers,
      'webhook-signature': `v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,abc ${vector.signature}`,
    };
    expect(() =>
      verifyWebhookSignature({ secret: vector.secret, headers: rotated, body: vector.body, now }),
    ).not.toThrow();
  });

  it('rejects a tampered body, another secret and a truncated signature', () => {
    expect(() =>
      verifyWebhookSignature({ secret: vector.secret, headers, body: '{"test": 2432232315}', now }),
    ).toThrow(/no matching webhook signature/);
    expect(() =>
      verifyWebhookSignature({ secret: generateWebhookSecret(), headers, body: vector.body, now }),
    ).toThrow(WebhookVerificationError);
    const truncated = { ...headers, 'webhook-signature': vector.signature.slice(0, 8) };
    expect(() =>
      verifyWebhookSignature({ secret: vector.secret, headers: truncated, body: vector.body, now }),
    ).toThrow(WebhookVerificationError);
  });

  it('rejects timestamps outside the tolerance in either direction', () => {
    const verifyAt = (at: number) => () =>
      verifyWebhookSignature({ secret: vector.secret, headers, body: vector.body, now: at });
    expect(verifyAt(vector.timestamp + 301)).toThrow(/tolerance/);
    expect(verifyAt(vector.timestamp - 301)).toThrow(/tolerance/);
    expect(verifyAt(vector.timestamp + 300)).not.toThrow();
  });

  it('names the missing header', () => {
    const withoutId: Record<string, string> = { ...headers };
    delete withoutId['webhook-id'];
    expect(() =>
      verifyWebhookSignature({ secret: vector.secret, headers: withoutId, body: vector.body, now }),
    ).toThrow('missing webhook-id header');
  });

  it('round-trips webhookHeaders with a generated secret', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = '{"hello": "world"}';
    const signed = webhookHeaders({ secret, id: 'msg_1', timestamp: 1_700_000_000, body });
    expect(verifyWebhookSignature({ secret, headers: signed, body, now: 1_700_000_000 })).toEqual({
      hello: 'world',
    });
  });
});

describe('verifyWebhook', () => {
  const secret = generateWebhookSecret();
  const job: Job = {
    id: 'job_01M8C5V4B98WYE07T46VQ4C83B',
    status: 'canceled',
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    completedAt: '2026-01-01T00:00:01.000Z',
    options: resolveOptions({ size: 64 }),
    progress: null,
    output: null,
    snapshots: [],
    error: null,
    metrics: null,
    priority: 'normal',
    retentionSeconds: null,
    expiresAt: null,
    cancelAt: null,
    cancellation: { reason: 'requested', stage: 'queued', message: 'Canceled on request' },
  };
  const signed = (body: string) => ({
    secret,
    headers: webhookHeaders({ secret, id: 'msg_1', timestamp: 1_700_000_000, body }),
    body,
    now: 1_700_000_000,
  });

  it('returns the typed event of a signed delivery', () => {
    const event: WebhookEvent = { type: 'job.canceled', timestamp: '2026-01-01T00:00:01.000Z', data: job };
    const verified = verifyWebhook(signed(JSON.stringify(event)));
    expect(verified).toEqual(event);
    expect(verified.data.status).toBe('canceled');
  });

  it('rejects a correctly signed body that is not a webhook event', () => {
    const notAnEvent = JSON.stringify({
      type: 'job.succeeded',
      timestamp: '2026-01-01T00:00:00.000Z',
      data: {},
    });
    expect(() => verifyWebhook(signed(notAnEvent))).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(signed(notAnEvent))).toThrow(/not a webhook event/);
  });

  it('still rejects a bad signature before looking at the body', () => {
    const event = JSON.stringify({ type: 'job.canceled', timestamp: '2026-01-01T00:00:01.000Z', data: job });
    const input = signed(event);
    expect(() => verifyWebhook({ ...input, secret: generateWebhookSecret() })).toThrow(
      'no matching webhook signature',
    );
  });
});
