import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { isTerminal, JobIdParamsSchema, type JobEvent, type QueuePosition } from '@neural-style/contract';
import { estimateQueuePosition } from '@neural-style/infra';
import type { ApiServices } from '../services.js';
import { ProblemError } from '../problem.js';
import { AUTH_PROBLEMS, problemResponses } from '../schemas.js';
import { z } from 'zod';

const HEARTBEAT_MS = 15_000;
/** How often a queued job's stream looks at its queue position (one small Redis round trip). */
const POSITION_POLL_MS = 1_000;

/** GET /jobs/{id}/events: Server-Sent Events relayed from the job's Redis channel. */
export const eventRoutes: FastifyPluginAsyncZod<{ services: ApiServices }> = async (app, { services }) => {
  app.get(
    '/jobs/:id/events',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'streamJobEvents',
        summary: 'Follow a job live (Server-Sent Events)',
        description:
          'Events `position` (QueuePosition, while queued: sent at once and whenever the number of jobs ahead ' +
          'changes), `progress` (JobProgress), `snapshot` (JobSnapshot) and `completed` (the Job in its ' +
          'terminal status, after which the stream ends). A job that has already ended gets one `completed` at once.',
        params: JobIdParamsSchema,
        response: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } },
          ...problemResponses(...AUTH_PROBLEMS, 404),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await services.jobStore.getForTenant(id, request.tenant))) {
        throw new ProblemError('NOT_FOUND', `No job ${id}`);
      }
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let ended = false;
      const write = (name: string, data: unknown) => {
        if (!ended) response.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const send = (event: JobEvent) => {
        write(event.event, event.data);
        if (event.event === 'completed') finish();
      };
      // Subscribe before reading the state, so nothing published in between is lost.
      const stop = services.events.subscribe(id, (_jobId, event) => send(event));
      const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
      let positionTimer: NodeJS.Timeout | undefined;
      function finish() {
        if (ended) return;
        ended = true;
        stop();
        clearInterval(heartbeat);
        clearTimeout(positionTimer);
        response.end();
      }
      request.raw.on('close', finish);
      response.write('retry: 3000\n\n');
      const current = await services.jobStore.get(id);
      if (!current) return finish();
      if (isTerminal(current.job.status)) send({ event: 'completed', data: current.job });
      else if (current.job.progress) send({ event: 'progress', data: current.job.progress });

      // While queued: `position` at once and on every change of the jobs ahead; ends when a worker takes it.
      let last: QueuePosition | undefined;
      const followPosition = async () => {
        if (ended) return;
        const position = await estimateQueuePosition(
          { redis: services.redis, queue: services.jobQueue, jobStore: services.jobStore },
          id,
        ).catch(() => last);
        if (!position) return;
        if (
          position.queuePosition !== last?.queuePosition ||
          (position.estimatedStartAt === undefined) !== (last.estimatedStartAt === undefined)
        ) {
          write('position', position);
          last = position;
        }
        positionTimer = setTimeout(() => void followPosition(), POSITION_POLL_MS);
      };
      if (current.job.status === 'queued') await followPosition();
    },
  );
};
