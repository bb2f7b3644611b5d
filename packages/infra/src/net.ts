import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * SSRF protection for every URL the service itself calls (input images, webhooks): addresses are checked
 * when the connection resolves the host, so a DNS answer cannot change between check and use.
 */

const privateRanges = new BlockList();
for (const [network, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  privateRanges.addSubnet(network, bits, 'ipv4');
}
for (const [network, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  privateRanges.addSubnet(network, bits, 'ipv6');
}

/** Loopback, private, link-local, CGNAT, multicast, documentation and reserved ranges (IPv4 and IPv6). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return isPrivateAddress(mapped[1]);
  const family = isIP(address);
  if (family === 0) return true;
  return privateRanges.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class UrlForbiddenError extends Error {
  constructor(url: string, reason: string) {
    super(`Refusing to fetch ${url}: ${reason}`);
    this.name = 'UrlForbiddenError';
  }
}

export class UrlFetchError extends Error {
  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super(`Could not fetch ${url}: ${reason}`, options);
    this.name = 'UrlFetchError';
  }
}

export class UrlResponseTooLargeError extends Error {
  constructor(url: string, maxBytes: number) {
    super(`${url} is larger than the limit of ${maxBytes} bytes`);
    this.name = 'UrlResponseTooLargeError';
  }
}

/** A `lookup` for http(s).request that refuses hosts resolving to a private address. */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = allowPrivate ? undefined : addresses.find((entry) => isPrivateAddress(entry.address));
      if (refused) {
        const reason = `${hostname} resolves to the private address ${refused.address}`;
        return callback(Object.assign(new UrlForbiddenError(hostname, reason), { code: 'EPRIVATE' }), '', 0);
      }
      const [first] = addresses;
      if (options.all) return callback(null, addresses);
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * Checks what can be checked without connecting: scheme, and literal IP hosts (which skip `lookup`).
 * Host names are checked by `guardedLookup` on connect.
 */
export function assertFetchableUrl(url: string, allowPrivate: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UrlForbiddenError(url, 'not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UrlForbiddenError(url, 'only http and https URLs are allowed');
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) {
    throw new UrlForbiddenError(url, `${host} is a private or loopback address`);
  }
  return parsed;
}

/** As `assertFetchableUrl`, and resolves the host now (for validating a URL that is used later, e.g. a webhook). */
export async function assertPublicUrl(url: string, allowPrivate: boolean): Promise<void> {
  const parsed = assertFetchableUrl(url, allowPrivate);
  if (allowPrivate || isIP(parsed.hostname.replace(/^\[|\]$/g, '')) !== 0) return;
  let addresses: dns.LookupAddress[];
  try {
    addresses = await dns.promises.lookup(parsed.hostname, { all: true });
  } catch (error) {
    throw new UrlFetchError(url, `cannot resolve ${parsed.hostname}`, { cause: error });
  }
  const refused = addresses.find((entry) => isPrivateAddress(entry.address));
  if (refused)
    throw new UrlForbiddenError(url, `${parsed.hostname} resolves to the private address ${refused.address}`);
}

export interface FetchOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects?: number;
}

/** GET with SSRF protection, a size limit, a timeout, and redirects checked like the first URL. */
export async function fetchPublicUrl(
  url: string,
  options: FetchOptions,
): Promise<{ body: Uint8Array; contentType: string | undefined }> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let current = url;
  for (let redirects = 0; ; redirects += 1) {
    const response = await getOnce(current, options, signal);
    if (response.redirect === undefined) return response.result;
    if (redirects >= (options.maxRedirects ?? 3)) throw new UrlFetchError(url, 'too many redirects');
    current = new URL(response.redirect, current).toString();
  }
}

type GetOutcome =
  | { redirect: string; result?: undefined }
  | { redirect?: undefined; result: { body: Uint8Array; contentType: string | undefined } };

function getOnce(url: string, options: FetchOptions, signal: AbortSignal): Promise<GetOutcome> {
  const parsed = assertFetchableUrl(url, options.allowPrivate);
  const client = parsed.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(
      parsed,
      { lookup: guardedLookup(options.allowPrivate), signal },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400 && response.headers.location) {
          response.resume();
          return resolve({ redirect: response.headers.location });
        }
        if (status < 200 || status >= 300) {
          response.resume();
          return reject(new UrlFetchError(url, `the server answered ${status}`));
        }
        const declared = Number(response.headers['content-length'] ?? 0);
        if (declared > options.maxBytes) {
          response.destroy();
          return reject(new UrlResponseTooLargeError(url, options.maxBytes));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            response.destroy();
            reject(new UrlResponseTooLargeError(url, options.maxBytes));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () =>
          resolve({
            result: {
              body: new Uint8Array(Buffer.concat(chunks)),
              contentType: response.headers['content-type'],
            },
          }),
        );
        response.on('error', (error) => reject(new UrlFetchError(url, error.message, { cause: error })));
      },
    );
    request.on('error', (error) => {
      if (error instanceof UrlForbiddenError)
        return reject(new UrlForbiddenError(url, error.message.replace(/^Refusing to fetch [^:]+: /, '')));
      const reason = signal.aborted ? `no answer within ${options.timeoutMs} ms` : error.message;
      reject(new UrlFetchError(url, reason, { cause: error }));
    });
  });
}
