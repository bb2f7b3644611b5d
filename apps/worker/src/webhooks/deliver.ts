import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { assertFetchableUrl, guardedLookup } from '@neural-style/infra';

export interface PostOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

export class DeliveryTimeoutError extends Error {
  constructor(url: string, timeoutMs: number) {
    super(`webhook POST to ${url} got no response within ${timeoutMs} ms`);
    this.name = 'DeliveryTimeoutError';
  }
}

/**
 * POSTs a JSON body and resolves with the response status; network errors and timeouts reject, and a
 * private or loopback target rejects with UrlForbiddenError (unless allowed). Redirects are not
 * followed: a redirect could point a delivery at an address we refuse.
 */
export function postJson(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<number> {
  let url: URL;
  try {
    url = assertFetchableUrl(target, options.allowPrivate);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'neural-style-webhooks/1',
        },
        lookup: guardedLookup(options.allowPrivate),
      },
      (res) => {
        // Drain the body so the socket is released; its content is of no interest.
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    // A deadline for the whole exchange, not an idle timeout: a slow-dripping receiver cannot hold a slot.
    const deadline = setTimeout(
      () => req.destroy(new DeliveryTimeoutError(target, options.timeoutMs)),
      options.timeoutMs,
    );
    req.on('close', () => clearTimeout(deadline));
    req.on('error', reject);
    req.end(body);
  });
}
