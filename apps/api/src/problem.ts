import type { FastifyReply } from 'fastify';
import {
  ERROR_STATUS,
  PROBLEM_CONTENT_TYPE,
  problemType,
  type ErrorCode,
  type Problem,
} from '@neural-style/contract';

const TITLES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request is not valid',
  MALFORMED_REQUEST: 'The request could not be parsed',
  INVALID_OPTIONS: 'The style options are not valid',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported content type',
  PAYLOAD_TOO_LARGE: 'Upload too large',
  IMAGE_INVALID: 'Not a usable image',
  IMAGE_TOO_LARGE: 'Image has too many pixels',
  MASK_MISMATCH: "A mask does not fit its image's aspect ratio",
  MEMORY_LIMIT: 'The job needs more memory than a worker has',
  URL_FORBIDDEN: 'URL not allowed',
  URL_FETCH_FAILED: 'Could not download the image',
  UNAUTHORIZED: 'Authentication required',
  NOT_FOUND: 'Not found',
  JOB_NOT_FINISHED: 'The job has not finished',
  JOB_NOT_CANCELABLE: 'The job can no longer be canceled',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency-Key reused with a different request',
  IDEMPOTENCY_KEY_IN_USE: 'A request with this Idempotency-Key is in progress',
  RATE_LIMITED: 'Too many requests',
  QUEUED_JOBS_LIMIT: 'Too many queued jobs',
  HIGH_PRIORITY_LIMIT: 'Too many high-priority jobs',
  COST_LIMIT_EXCEEDED: 'The job would cost more than allowed',
  URI_TOO_LONG: 'URI too long',
  REQUEST_TIMEOUT: 'Request timeout',
  HEADERS_TOO_LARGE: 'Request headers too large',
  SERVER_BUSY: 'The server is busy',
  NOT_READY: 'Service not ready',
  INTERNAL: 'Internal error',
};

/** An error that becomes a problem+json response; thrown anywhere below a route. */
export class ProblemError extends Error {
  readonly code: ErrorCode;
  readonly errors: Problem['errors'];
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    detail: string,
    options: { errors?: Problem['errors']; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'ProblemError';
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

export function problemBody(
  code: ErrorCode,
  detail: string,
  instance?: string,
  errors?: Problem['errors'],
): Problem {
  return {
    type: problemType(code),
    title: TITLES[code],
    status: ERROR_STATUS[code],
    detail,
    code,
    ...(instance ? { instance } : {}),
    ...(errors ? { errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, error: ProblemError): FastifyReply {
  const body = problemBody(error.code, error.message, reply.request.url.split('?')[0], error.errors);
  return reply.code(body.status).headers(error.headers).type(PROBLEM_CONTENT_TYPE).send(body);
}

/** zod issues as problem `errors` entries. */
export function issuesToErrors(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  pathPrefix: readonly PropertyKey[] = [],
): NonNullable<Problem['errors']> {
  return issues.map((issue) => ({
    path: [...pathPrefix, ...issue.path].map(String).join('.') || '(root)',
    message: issue.message,
  }));
}
