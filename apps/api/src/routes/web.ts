import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemError } from '../problem.js';

/** Where `npm run build -w @neural-style/web` writes the page; the same relative place from src/ and dist/. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** Vite names every asset after a hash of its content, so a name never changes meaning: cache for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};
const ASSET_NAME = /^[\w-]+(\.[\w-]+)*$/;

const notBuilt = (root: string) =>
  new ProblemError(
    'NOT_READY',
    `The web page is not built (no ${path.join(root, 'index.html')}): run "npm run build -w @neural-style/web" ` +
      '(npm ci runs it); the API itself works without it',
  );

/**
 * The web page (apps/web) at `/` and its assets at `/assets/…`, no key needed: the page asks for the key
 * itself and sends it with its API calls. index.html is revalidated on each load (no-cache + ETag), so a
 * new build is picked up at once; everything it names is immutable.
 */
export const webRoutes: FastifyPluginAsyncZod<{ root: string }> = async (app, { root }) => {
  const route = { config: { public: true }, schema: { hide: true } } as const;

  app.get('/', route, async (request, reply) => {
    const html = await readFile(path.join(root, 'index.html')).catch((error: unknown) => {
      throw isMissing(error) ? notBuilt(root) : error;
    });
    const etag = `"${createHash('sha1').update(html).digest('base64url')}"`;
    reply.header('cache-control', 'no-cache').header('etag', etag);
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type('text/html; charset=utf-8').send(html);
  });

  app.get(
    '/assets/:name',
    { ...route, schema: { ...route.schema, params: z.object({ name: z.string() }) } },
    async (request, reply) => {
      const { name } = request.params;
      const type = CONTENT_TYPES[path.extname(name)];
      const missing = new ProblemError('NOT_FOUND', `No web asset ${name}`);
      if (!type || !ASSET_NAME.test(name)) throw missing;
      const body = await readFile(path.join(root, 'assets', name)).catch((error: unknown) => {
        throw isMissing(error) ? missing : error;
      });
      return reply.type(type).header('cache-control', IMMUTABLE).send(body);
    },
  );
};

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR');
}
