import createFetchClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, paths, operations } from './schema.js';
export type Job = components['schemas']['Job'];
export type JobStatus = components['schemas']['JobStatus'];
export type Problem = components['schemas']['Problem'];
export type CreateJobRequest = components['schemas']['CreateJobRequestInput'];
export type JobPriority = components['schemas']['JobPriority'];
export type QueuePosition = components['schemas']['QueuePosition'];
export type WebhookDeliveryAttempt = components['schemas']['WebhookDeliveryAttempt'];
export type StyleClient = Client<paths>;

export interface ClientOptions {
  /** e.g. https://style.example.com */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; omit for an API in open mode. */
  apiKey?: string;
  /** A custom fetch (tests, proxies). */
  fetch?: typeof globalThis.fetch;
}

/** A typed client of the job API: every path, parameter and body is checked against the OpenAPI document. */
export function createClient(options: ClientOptions): StyleClient {
  const client = createFetchClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  if (options.apiKey) {
    const apiKey = options.apiKey;
    const authenticate: Middleware = {
      onRequest({ request }) {
        request.headers.set('authorization', `Bearer ${apiKey}`);
        return request;
      },
    };
    client.use(authenticate);
  }
  return client;
}

/** A problem+json answer of the API, thrown by the helpers below. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem | undefined;

  constructor(status: number, problem: Problem | undefined) {
    super(problem ? `${problem.title}: ${problem.detail}` : `The API answered ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem?.code ?? 'UNKNOWN';
    this.problem = problem;
  }
}

const TERMINAL: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

export interface WaitOptions {
  /** Give up after this long (default 10 minutes); throws an Error, the job keeps running. */
  timeoutMs?: number;
  /** Seconds the server holds each request (`Prefer: wait`), default 20. */
  waitSeconds?: number;
  /** Makes retries of the create call safe. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/**
 * Creates a job and resolves with it once it has ended (succeeded, failed or canceled). Uses
 * `Prefer: wait` long-polling, so it makes few requests even for long jobs.
 */
export async function createJobAndWait(
  client: StyleClient,
  body: CreateJobRequest,
  options: WaitOptions = {},
): Promise<Job> {
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  const waitSeconds = options.waitSeconds ?? 20;
  const prefer = () =>
    `wait=${Math.max(0, Math.min(waitSeconds, Math.ceil((deadline - Date.now()) / 1000)))}`;
  const created = await client.POST('/jobs', {
    body,
    params: {
      header: {
        prefer: prefer(),
        ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
      },
    },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!created.data) throw new ApiError(created.response.status, created.error as Problem | undefined);
  let job: Job = created.data;
  while (!TERMINAL.includes(job.status)) {
    if (Date.now() >= deadline) throw new Error(`Job ${job.id} is still ${job.status} after the timeout`);
    const polled = await client.GET('/jobs/{id}', {
      params: { path: { id: job.id } },
      headers: { prefer: prefer() },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!polled.data) throw new ApiError(polled.response.status, polled.error as Problem | undefined);
    job = polled.data;
  }
  return job;
}
