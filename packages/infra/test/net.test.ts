import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertPublicUrl,
  fetchPublicUrl,
  isPrivateAddress,
  UrlFetchError,
  UrlForbiddenError,
  UrlResponseTooLargeError,
} from '@neural-style/infra';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
  ])('%s is private', (address) => expect(isPrivateAddress(address)).toBe(true));
  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) =>
    expect(isPrivateAddress(address)).toBe(false),
  );
});

describe('fetchPublicUrl', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/redirect') {
        response.writeHead(302, { location: '/image' }).end();
      } else if (request.url === '/image') {
        response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(100, 1));
      } else if (request.url === '/big') {
        response.writeHead(200).end(Buffer.alloc(5000));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const allowed = { allowPrivate: true, timeoutMs: 5000, maxBytes: 1000 };

  it('refuses loopback addresses, literal or by name, unless allowed', async () => {
    const refused = { ...allowed, allowPrivate: false };
    await expect(fetchPublicUrl(`${base}/image`, refused)).rejects.toBeInstanceOf(UrlForbiddenError);
    const byName = `http://localhost:${new URL(base).port}/image`;
    await expect(fetchPublicUrl(byName, refused)).rejects.toThrow(
      /localhost resolves to the private address/,
    );
    await expect(fetchPublicUrl('http://[::1]/x', refused)).rejects.toBeInstanceOf(UrlForbiddenError);
    await expect(fetchPublicUrl('file:///etc/passwd', refused)).rejects.toThrow(/only http and https/);
    await expect(assertPublicUrl(byName, false)).rejects.toBeInstanceOf(UrlForbiddenError);
  });

  it('fetches and follows redirects when private addresses are allowed', async () => {
    const { body, contentType } = await fetchPublicUrl(`${base}/redirect`, allowed);
    expect(body.length).toBe(100);
    expect(contentType).toBe('image/png');
  });

  it('enforces the size limit and reports HTTP errors', async () => {
    await expect(fetchPublicUrl(`${base}/big`, allowed)).rejects.toBeInstanceOf(UrlResponseTooLargeError);
    await expect(fetchPublicUrl(`${base}/missing`, allowed)).rejects.toThrow(UrlFetchError);
    await expect(fetchPublicUrl(`${base}/missing`, allowed)).rejects.toThrow(/answered 404/);
  });
});
