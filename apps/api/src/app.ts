import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CreateJobJsonBodySchema, CreateJobMultipartBodySchema, MAX_STYLES } from '@neural-style/contract';
import type { ApiServices } from './services.js';
import { ProblemError, sendProblem } from './problem.js';
import { registerAuth } from './plugins/auth.js';
import { registerRateLimit } from './plugins/rate-limit.js';
import { registerBodyBudget } from './plugins/body-budget.js';
import { frameworkErrorHandler, writeClientErrorProblem } from './framework-errors.js';
import { jobRoutes } from './routes/jobs.js';
import { fileRoutes } from './routes/files.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { webhookRoutes } from './routes/webhooks.js';
import { DEFAULT_WEB_ROOT, webRoutes } from './routes/web.js';

export interface BuildAppOptions {
  /** Fastify logger setting; defaults to the configured level, `false` silences it (tests). */
  logger?: FastifyServerOptions['logger'];
  /** The built web page (apps/web/dist) served at `/`. */
  webRoot?: string;
}

/**
 * The HTTP API as a Fastify instance, not yet listening. Creating it does no I/O, so the OpenAPI document
 * can be produced without Redis (see `buildOpenApiDocument`).
 */
export async function buildApp(
  services: ApiServices,
  options: BuildAppOptions = {},
): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    // Clients send their own ids; keep Fastify's short ones for log correlation.
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { coerceTypes: false } },
    // Errors Fastify and Node raise before any route runs answer problem+json too.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: writeClientErrorProblem,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new ProblemError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );

  await app.register(multipart, {
    limits: { fileSize: config.maxUploadBytes, files: MAX_STYLES + 2 },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Neural style transfer API',
        version: '1.0.0',
        description:
          'Jobs that paint a content image in the style of other images (Gatys et al. 2016). Errors are ' +
          'application/problem+json with a stable `code`.',
      },
      servers: [{ url: config.publicUrl }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
      tags: [
        { name: 'jobs', description: 'Create, follow and fetch style-transfer jobs.' },
        { name: 'operations', description: 'Health, readiness and metrics (no API key needed).' },
      ],
    },
    transform: transformRouteSchema,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  registerAuth(app, config, services.redis);
  registerRateLimit(app, services.redis, config.queuePrefix, config.rateLimitPerMinute);
  // After auth: an unauthenticated caller never takes a share of the budget.
  registerBodyBudget(app, config.maxInflightBodyBytes);

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  await app.register(jobRoutes, { services });
  await app.register(fileRoutes, { services });
  await app.register(eventRoutes, { services });
  await app.register(webhookRoutes, { services });
  await app.register(healthRoutes, { services });
  await app.register(webRoutes, { root: options.webRoot ?? DEFAULT_WEB_ROOT });
  return app;
}

type RouteTransform = typeof jsonSchemaTransform;

/**
 * POST /jobs validates its body itself (multipart streams cannot go through schema validation), so its
 * two request bodies are added to the document here; unauthenticated routes drop the security entry.
 */
const transformRouteSchema: RouteTransform = (document) => {
  const transformed = jsonSchemaTransform(document);
  if (document.url === '/jobs' && document.route.method === 'POST') {
    transformed.schema = {
      ...transformed.schema,
      body: {
        content: {
          'application/json': { schema: componentRef(CreateJobJsonBodySchema) },
          'multipart/form-data': { schema: componentRef(CreateJobMultipartBodySchema) },
        },
      },
    };
  }
  if (document.route.config && (document.route.config as { public?: boolean }).public) {
    transformed.schema = { ...transformed.schema, security: [] };
  }
  return transformed;
};

/** `$ref` to the input variant of a registered schema (jsonSchemaTransformObject names it `{id}Input`). */
function componentRef(schema: z.ZodType): { $ref: string } {
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) throw new Error('componentRef: schema has no id in the global registry');
  return { $ref: `#/components/schemas/${id}Input` };
}

function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof ProblemError) return sendProblem(reply, error);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = error.validation.map((issue) => ({
      path: `${error.validationContext ?? 'request'}${issue.instancePath.replaceAll('/', '.')}`,
      message: issue.message ?? 'invalid',
    }));
    const detail = `Invalid ${error.validationContext ?? 'request'}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`;
    return sendProblem(reply, new ProblemError('VALIDATION_FAILED', detail, { errors }));
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return sendProblem(reply, new ProblemError('PAYLOAD_TOO_LARGE', uploadTooLarge(error)));
  if (status === 415) {
    return sendProblem(
      reply,
      new ProblemError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Unsupported Content-Type "${request.headers['content-type'] ?? ''}"`,
      ),
    );
  }
  if (status >= 400 && status < 500)
    return sendProblem(reply, new ProblemError('VALIDATION_FAILED', error.message));
  request.log.error({ err: error }, 'request failed');
  return sendProblem(
    reply,
    new ProblemError('INTERNAL', 'Something went wrong on our side; the error has been logged'),
  );
}

function uploadTooLarge(error: FastifyError): string {
  if (error.code === 'FST_FILES_LIMIT')
    return `Too many files; send one content, one init and at most ${MAX_STYLES} style images`;
  return error.message || 'The upload is too large';
}
