import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorMessage } from '@neural-style/vocabulary';
import type { ApiServices } from '../services.js';

const ReadinessSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    checks: z.object({ redis: z.string(), storage: z.string() }).describe('"ok" or the error message.'),
  })
  .meta({ id: 'Readiness' });

const CHECK_TIMEOUT_MS = 3_000;

async function check(probe: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error('no answer within 3 s')), CHECK_TIMEOUT_MS)),
      ),
    ]);
    return 'ok';
  } catch (error) {
    return errorMessage(error);
  } finally {
    clearTimeout(timer);
  }
}

/** /healthz (process alive), /readyz (Redis and storage reachable), /metrics (Prometheus). */
export const healthRoutes: FastifyPluginAsyncZod<{ services: ApiServices }> = async (app, { services }) => {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        operationId: 'healthz',
        summary: 'Liveness',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        operationId: 'readyz',
        summary: 'Readiness: Redis and storage reachable',
        response: { 200: ReadinessSchema, 503: ReadinessSchema },
      },
    },
    async (_request, reply) => {
      const [redis, storage] = await Promise.all([
        check(() => services.redis.ping()),
        check(() => services.storage.ping()),
      ]);
      const ok = redis === 'ok' && storage === 'ok';
      return reply
        .code(ok ? 200 : 503)
        .send({ status: ok ? 'ok' : 'unavailable', checks: { redis, storage } });
    },
  );

  app.get(
    '/metrics',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        response: {
          200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
        },
      },
    },
    async (_request, reply) => {
      const registry = services.metrics.registry;
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};
