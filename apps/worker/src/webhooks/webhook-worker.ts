import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  QUEUE_NAMES,
  WebhookDeliveryDataSchema,
  webhookHeaders,
  type WebhookDeliveryAttempt,
  type WebhookDeliveryData,
} from '@neural-style/contract';
import { UrlForbiddenError, WebhookDeliveryLog } from '@neural-style/infra';
import { errorMessage } from '@neural-style/vocabulary';
import { postJson } from './deliver.js';

export interface WebhookDeliverySettings {
  /** `whsec_...` signing secret. */
  secret: string;
  allowPrivate: boolean;
  /** Deadline for one POST (connect + response). */
  timeoutMs: number;
  /** Tries per message, the first included. */
  maxAttempts: number;
  /** Delay before the first retry; doubles each time up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  concurrency: number;
}

export const DEFAULT_WEBHOOK_DELIVERY: Omit<WebhookDeliverySettings, 'secret' | 'allowPrivate'> = {
  timeoutMs: 10_000,
  maxAttempts: 10,
  baseDelayMs: 2_000,
  maxDelayMs: 60 * 60 * 1000,
  concurrency: 16,
};

/** How long a 410 answer keeps a URL disabled for the job's remaining events. */
const GONE_TTL_SECONDS = 7 * 24 * 3600;

export type DeliveryResult = { delivered: true; status: number } | { delivered: false; reason: 'gone' };

/**
 * Exponential backoff with "equal jitter": half the exponential step is fixed, half random, so
 * receivers that failed together do not get retried in lockstep.
 */
export function retryDelayMs(
  attempt: number,
  settings: Pick<WebhookDeliverySettings, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const step = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

function goneKey(prefix: string, jobId: string): string {
  return `${prefix}:webhook-gone:${jobId}`;
}

type AttemptResult = Pick<WebhookDeliveryAttempt, 'outcome' | 'status' | 'error' | 'nextRetryAt'>;

/**
 * Delivers one event to one URL. Retries are scheduled here (moveToDelayed + DelayedError) rather than
 * through BullMQ job options, so every producer (API and worker) can enqueue with plain `queue.add` and
 * the retry policy lives in one place. Every attempt goes into the job's delivery log.
 */
export function createWebhookProcessor(redis: Redis, prefix: string, settings: WebhookDeliverySettings) {
  const log = new WebhookDeliveryLog(redis, prefix);
  return async (job: Job<WebhookDeliveryData>, token?: string): Promise<DeliveryResult> => {
    const data = WebhookDeliveryDataSchema.parse(job.data);
    const attempt = job.attemptsStarted;
    const attemptedAt = new Date().toISOString();
    const logAttempt = (result: AttemptResult) =>
      log.record(data.event.data.id, {
        event: data.event.type,
        webhookId: data.webhookId,
        url: data.url,
        attempt,
        attemptedAt,
        ...result,
      });

    const disabledFor = goneKey(prefix, data.event.data.id);
    if ((await redis.sismember(disabledFor, data.url)) === 1) {
      await logAttempt({
        outcome: 'skipped',
        status: null,
        error: 'the URL answered 410 Gone to an earlier event of this job',
        nextRetryAt: null,
      });
      return { delivered: false, reason: 'gone' };
    }

    const body = JSON.stringify(data.event);
    // The timestamp is the attempt's, the id the message's: receivers deduplicate on webhook-id.
    const headers = webhookHeaders({
      secret: settings.secret,
      id: data.webhookId,
      timestamp: Math.floor(Date.now() / 1000),
      body,
    });

    let failure: string;
    let answered: number | null = null;
    try {
      answered = await postJson(data.url, body, { ...headers }, settings);
      if (answered >= 200 && answered < 300) {
        await logAttempt({ outcome: 'delivered', status: answered, error: null, nextRetryAt: null });
        return { delivered: true, status: answered };
      }
      if (answered === 410) {
        await redis.multi().sadd(disabledFor, data.url).expire(disabledFor, GONE_TTL_SECONDS).exec();
        await logAttempt({
          outcome: 'gone',
          status: answered,
          error: 'receiver answered HTTP 410',
          nextRetryAt: null,
        });
        return { delivered: false, reason: 'gone' };
      }
      failure = `receiver answered HTTP ${answered}`;
    } catch (error) {
      failure = errorMessage(error);
      if (error instanceof UrlForbiddenError) {
        await logAttempt({ outcome: 'failed', status: null, error: failure, nextRetryAt: null });
        throw new UnrecoverableError(failure);
      }
    }

    if (attempt >= settings.maxAttempts) {
      await logAttempt({ outcome: 'failed', status: answered, error: failure, nextRetryAt: null });
      throw new UnrecoverableError(`webhook delivery gave up after ${attempt} attempts: ${failure}`);
    }
    const delay = retryDelayMs(attempt, settings);
    const retryAt = Date.now() + delay;
    await logAttempt({
      outcome: 'retrying',
      status: answered,
      error: failure,
      nextRetryAt: new Date(retryAt).toISOString(),
    });
    await job.log(`attempt ${attempt} failed (${failure}); retrying in ${delay} ms`);
    await job.moveToDelayed(retryAt, token);
    throw new DelayedError();
  };
}

export function createWebhookWorker(redis: Redis, prefix: string, settings: WebhookDeliverySettings) {
  return new Worker<WebhookDeliveryData, DeliveryResult>(
    QUEUE_NAMES.webhooks,
    createWebhookProcessor(redis, prefix, settings),
    { connection: redis, prefix, concurrency: settings.concurrency },
  );
}
