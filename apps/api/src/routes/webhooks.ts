import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { JobIdParamsSchema, WebhookDeliveryListSchema } from '@neural-style/contract';
import type { ApiServices } from '../services.js';
import { ProblemError } from '../problem.js';
import { AUTH_PROBLEMS, problemResponses } from '../schemas.js';

/** GET /jobs/{id}/webhooks: the job's webhook delivery attempts. */
export const webhookRoutes: FastifyPluginAsyncZod<{ services: ApiServices }> = async (app, { services }) => {
  app.get(
    '/jobs/:id/webhooks',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'listWebhookDeliveries',
        summary: "The job's webhook delivery attempts",
        description:
          'Every attempt to deliver each of the job’s webhook events, oldest first: the HTTP status or the ' +
          'error, and when the next retry is due. Empty for a job without a webhook.',
        params: JobIdParamsSchema,
        response: { 200: WebhookDeliveryListSchema, ...problemResponses(...AUTH_PROBLEMS, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await services.jobStore.getForTenant(id, request.tenant))) {
        throw new ProblemError('NOT_FOUND', `No job ${id}`);
      }
      return { deliveries: await services.webhookLog.list(id) };
    },
  );
};
