import { z } from 'zod';

/**
 * Stable machine-readable error codes. Clients branch on `code` (or the equivalent `type` URI), never on
 * the human-readable `detail`, so a code, once published, keeps its meaning.
 */
export const ErrorCodeSchema = z
  .enum([
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'INVALID_OPTIONS',
    'UNSUPPORTED_MEDIA_TYPE',
    'PAYLOAD_TOO_LARGE',
    'IMAGE_INVALID',
    'IMAGE_TOO_LARGE',
    'MASK_MISMATCH',
    'MEMORY_LIMIT',
    'URL_FORBIDDEN',
    'URL_FETCH_FAILED',
    'UNAUTHORIZED',
    'NOT_FOUND',
    'JOB_NOT_FINISHED',
    'JOB_NOT_CANCELABLE',
    'IDEMPOTENCY_KEY_REUSED',
    'IDEMPOTENCY_KEY_IN_USE',
    'RATE_LIMITED',
    'QUEUED_JOBS_LIMIT',
    'HIGH_PRIORITY_LIMIT',
    'COST_LIMIT_EXCEEDED',
    'URI_TOO_LONG',
    'REQUEST_TIMEOUT',
    'HEADERS_TOO_LARGE',
    'SERVER_BUSY',
    'NOT_READY',
    'INTERNAL',
  ])
  .describe('Stable error code; the `type` URI carries the same code.');
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** HTTP status of each code, so every layer answers the same status for the same problem. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_REQUEST: 400,
  INVALID_OPTIONS: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  IMAGE_INVALID: 422,
  IMAGE_TOO_LARGE: 422,
  MASK_MISMATCH: 422,
  MEMORY_LIMIT: 422,
  URL_FORBIDDEN: 422,
  URL_FETCH_FAILED: 422,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  JOB_NOT_FINISHED: 409,
  JOB_NOT_CANCELABLE: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_KEY_IN_USE: 409,
  RATE_LIMITED: 429,
  QUEUED_JOBS_LIMIT: 429,
  HIGH_PRIORITY_LIMIT: 429,
  COST_LIMIT_EXCEEDED: 422,
  URI_TOO_LONG: 414,
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  SERVER_BUSY: 503,
  NOT_READY: 503,
  INTERNAL: 500,
};

const PROBLEM_TYPE_PREFIX = 'urn:neural-style:problem:';

/** `IMAGE_TOO_LARGE` → `urn:neural-style:problem:image-too-large`. */
export function problemType(code: ErrorCode): string {
  return PROBLEM_TYPE_PREFIX + code.toLowerCase().replaceAll('_', '-');
}

/** RFC 9457 problem details, served as `application/problem+json`. */
export const ProblemSchema = z
  .object({
    type: z.string().describe('URI naming the problem kind, e.g. urn:neural-style:problem:image-invalid.'),
    title: z.string().describe('Short summary of the problem kind.'),
    status: z.int().describe('HTTP status code.'),
    detail: z.string().describe('What went wrong with this request, in words a person understands.'),
    code: ErrorCodeSchema,
    instance: z.string().optional().describe('The request path.'),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('Field-level validation errors.'),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof ProblemSchema>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
