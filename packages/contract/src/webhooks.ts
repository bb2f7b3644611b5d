import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com) signing with a symmetric `whsec_` secret.
 * Only node:crypto, so receivers can copy this file (or import it) and verify exactly as we sign.
 */

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** Receivers reject messages whose timestamp is further than this from their clock (replay protection). */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export interface SignInput {
  /** `whsec_<base64>`; the bare base64 part is accepted too. */
  secret: string;
  /** Message id: the same for every retry of one message, so receivers can deduplicate. */
  id: string;
  /** Unix seconds of this delivery attempt. */
  timestamp: number;
  /** The exact body bytes sent (serialise once, sign and send the same string). */
  body: string;
}

/** A fresh random `whsec_` secret (32 bytes). */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64');
}

function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX)
    ? secret.slice(WEBHOOK_SECRET_PREFIX.length)
    : secret;
  const key = Buffer.from(encoded, 'base64');
  if (encoded.length === 0 || key.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new WebhookVerificationError('webhook secret must be "whsec_" followed by base64');
  }
  return key;
}

function signatureBytes(key: Buffer, id: string, timestamp: number | string, body: string): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
}

/** The `webhook-signature` value: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`. */
export function signWebhook(input: SignInput): string {
  return `v1,${signatureBytes(secretKey(input.secret), input.id, input.timestamp, input.body).toString('base64')}`;
}

export function webhookHeaders(input: SignInput): WebhookHeaders {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': signWebhook(input),
  };
}

/** Node's IncomingHttpHeaders, a fetch Headers object, or a plain record. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string {
  const value =
    headers instanceof Headers
      ? headers.get(name)
      : (headers[name] ??
        Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1] ??
        undefined);
  const single = Array.isArray(value) ? value[0] : value;
  if (!single) throw new WebhookVerificationError(`missing ${name} header`);
  return single;
}

export interface VerifyInput {
  secret: string;
  headers: HeaderSource;
  /** The raw request body, exactly as received (not re-serialised JSON). */
  body: string;
  toleranceSeconds?: number;
  /** Unix seconds; defaults to the current time. */
  now?: number;
}

/**
 * Throws WebhookVerificationError unless one of the `v1` signatures matches and the timestamp is within
 * the tolerance. Returns the parsed JSON body, unchecked (`verifyWebhook` also checks it is a WebhookEvent).
 */
export function verifyWebhookSignature(input: VerifyInput): unknown {
  const id = header(input.headers, 'webhook-id');
  const timestampText = header(input.headers, 'webhook-timestamp');
  const signatures = header(input.headers, 'webhook-signature');

  if (!/^\d+$/.test(timestampText)) throw new WebhookVerificationError('webhook-timestamp is not a number');
  const now = input.now ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  if (Math.abs(now - Number(timestampText)) > tolerance) {
    throw new WebhookVerificationError('webhook-timestamp is outside the allowed tolerance');
  }

  const expected = signatureBytes(secretKey(input.secret), id, timestampText, input.body);
  // The header may carry several space-separated signatures (key rotation); any v1 match is enough.
  const matches = signatures.split(' ').some((entry) => {
    const [version, encoded] = entry.split(',', 2);
    if (version !== 'v1' || !encoded) return false;
    const candidate = Buffer.from(encoded, 'base64');
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
  if (!matches) throw new WebhookVerificationError('no matching webhook signature');

  try {
    return JSON.parse(input.body) as unknown;
  } catch {
    throw new WebhookVerificationError('webhook body is not JSON');
  }
}
