import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from '@neural-style/contract';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (problem+json).',
  401: 'Missing or unknown API key.',
  404: 'No such job for this API key.',
  409: 'Conflict with the job’s state.',
  413: 'Upload too large.',
  415: 'Unsupported content type.',
  422: 'Unusable input: not an image, too many pixels, forbidden URL, reused Idempotency-Key, over the cost limit.',
  429: 'Too many requests (RATE_LIMITED, see Retry-After) or a per-tenant queue limit (QUEUED_JOBS_LIMIT, HIGH_PRIORITY_LIMIT).',
  503: 'Not ready, or too many large request bodies in flight; see Retry-After.',
};

/** OpenAPI entries for problem+json answers of a route. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
      },
    ]),
  );
}

/** Every authenticated route can answer these. */
export const AUTH_PROBLEMS = [401, 429] as const;

export const BinarySchema = z.string().meta({ format: 'binary' });
