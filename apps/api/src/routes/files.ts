import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OUTPUT_FORMAT_NAMES, OUTPUT_FORMATS } from '@neural-style/vocabulary';
import { JobIdParamsSchema, SnapshotParamsSchema } from '@neural-style/contract';
import { StorageNotFoundError, storageKeys } from '@neural-style/infra';
import type { ApiServices } from '../services.js';
import { ProblemError } from '../problem.js';
import { AUTH_PROBLEMS, BinarySchema, problemResponses } from '../schemas.js';

const imageResponse = {
  200: {
    description: 'The image.',
    content: Object.fromEntries(
      OUTPUT_FORMAT_NAMES.map((format) => [OUTPUT_FORMATS[format].contentType, { schema: BinarySchema }]),
    ),
  },
  302: z.null().describe('Redirect (Location) to a presigned S3 URL of the image.'),
};

/** GET /jobs/{id}/output and /jobs/{id}/snapshots/{iteration}: streamed, or redirected to S3. */
export const fileRoutes: FastifyPluginAsyncZod<{ services: ApiServices }> = async (app, { services }) => {
  const { jobStore } = services;

  app.get(
    '/jobs/:id/output',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'getJobOutput',
        summary: 'Download the result image',
        params: JobIdParamsSchema,
        response: { ...imageResponse, ...problemResponses(...AUTH_PROBLEMS, 404, 409) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const job = await jobStore.getForTenant(id, request.tenant);
      if (!job) throw new ProblemError('NOT_FOUND', `No job ${id}`);
      if (job.status !== 'succeeded' || !job.output) {
        throw new ProblemError(
          'JOB_NOT_FINISHED',
          `Job ${id} is ${job.status}; the output exists once it has succeeded`,
        );
      }
      return sendStored(reply, services, storageKeys.output(id, job.output.format));
    },
  );

  app.get(
    '/jobs/:id/snapshots/:iteration',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'getJobSnapshot',
        summary: 'Download an intermediate image',
        params: SnapshotParamsSchema,
        response: { ...imageResponse, ...problemResponses(...AUTH_PROBLEMS, 404) },
      },
    },
    async (request, reply) => {
      const { id, iteration } = request.params;
      const job = await jobStore.getForTenant(id, request.tenant);
      if (!job) throw new ProblemError('NOT_FOUND', `No job ${id}`);
      if (!job.snapshots.some((snapshot) => snapshot.iteration === iteration)) {
        throw new ProblemError('NOT_FOUND', `Job ${id} has no snapshot at iteration ${iteration}`);
      }
      return sendStored(reply, services, storageKeys.snapshot(id, iteration, job.options.outputFormat));
    },
  );
};

async function sendStored(reply: FastifyReply, { storage, config }: ApiServices, key: string) {
  const presignSeconds = config.storage.kind === 's3' ? config.storage.presignSeconds : 0;
  if (storage.presignGet && presignSeconds > 0) {
    return reply.redirect(await storage.presignGet(key, presignSeconds), 302);
  }
  try {
    const object = await storage.getStream(key);
    return reply
      .type(object.contentType)
      .header('content-length', object.size)
      .header('cache-control', 'private, max-age=31536000, immutable')
      .send(object.body);
  } catch (error) {
    if (error instanceof StorageNotFoundError)
      throw new ProblemError('NOT_FOUND', 'The image is no longer stored');
    throw error;
  }
}
