import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from '../problem.js';

/** Bodies up to this size are always admitted: a cancel or a small JSON job must not wait for uploads. */
const SMALL_BODY_BYTES = 1024 * 1024;
const RETRY_AFTER_SECONDS = 2;

/**
 * Admits large request bodies against a memory budget (MAX_INFLIGHT_BODY_BYTES, per process) before any
 * byte is read: a body counts with its Content-Length (chunked ones with the route's body limit, their
 * worst case) from admission until its response has gone. One body larger than the whole budget gets 413;
 * one that does not fit now gets 503 with Retry-After. Without this, three ~106 MB JSON bodies at once took
 * the API to 1.5 GB and its health check to 5 s (docs/api.md). 0 turns it off.
 */
export function registerBodyBudget(app: FastifyInstance, maxBytes: number): void {
  if (maxBytes <= 0) return;
  let inflight = 0;
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const bytes = declaredBodyBytes(request);
    if (bytes <= SMALL_BODY_BYTES) return;
    if (bytes > maxBytes) {
      throw new ProblemError(
        'PAYLOAD_TOO_LARGE',
        `A ${bytes}-byte body is more than this server holds at once (MAX_INFLIGHT_BODY_BYTES = ${maxBytes})`,
      );
    }
    if (inflight + bytes > maxBytes) {
      throw new ProblemError(
        'SERVER_BUSY',
        `Other uploads fill this server's body budget (${inflight} of ${maxBytes} bytes); retry in ${RETRY_AFTER_SECONDS} s`,
        { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } },
      );
    }
    inflight += bytes;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inflight -= bytes;
    };
    // 'close' also fires when the client goes away mid-upload.
    reply.raw.once('finish', release);
    reply.raw.once('close', release);
  });
}

function declaredBodyBytes(request: FastifyRequest): number {
  const length = Number(request.headers['content-length']);
  if (Number.isFinite(length) && length >= 0) return length;
  if (request.headers['transfer-encoding'] === undefined) return 0;
  return request.routeOptions.bodyLimit ?? request.server.initialConfig.bodyLimit ?? 0;
}
