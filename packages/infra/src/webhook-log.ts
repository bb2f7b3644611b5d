import type { Redis } from 'ioredis';
import { WebhookDeliveryAttemptSchema, type WebhookDeliveryAttempt } from '@neural-style/contract';

/** Attempts kept per job: enough for every event's full retry schedule, bounded for a misbehaving receiver. */
const MAX_ATTEMPTS_LOGGED = 200;

/** `{prefix}:job:{id}:webhooks`: a list of attempts, oldest first; deleted with the job's record. */
export function webhookDeliveryLogKey(prefix: string, jobId: string): string {
  return `${prefix}:job:${jobId}:webhooks`;
}

/**
 * The per-job log of webhook delivery attempts (GET /jobs/{id}/webhooks): written by the delivery
 * worker after every attempt, read by the API.
 */
export class WebhookDeliveryLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async record(jobId: string, attempt: WebhookDeliveryAttempt): Promise<void> {
    const key = webhookDeliveryLogKey(this.prefix, jobId);
    await this.redis.multi().rpush(key, JSON.stringify(attempt)).ltrim(key, -MAX_ATTEMPTS_LOGGED, -1).exec();
  }

  async list(jobId: string): Promise<WebhookDeliveryAttempt[]> {
    const entries = await this.redis.lrange(webhookDeliveryLogKey(this.prefix, jobId), 0, -1);
    return entries.map((entry) => WebhookDeliveryAttemptSchema.parse(JSON.parse(entry)));
  }
}
