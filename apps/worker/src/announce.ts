import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Job, WebhookDeliveryData, WebhookEventType } from '@neural-style/contract';
import { enqueueWebhookEvent, publishJobEvent, type JobStore } from '@neural-style/infra';

/** What it takes to tell the world about a job's terminal status: SSE listeners and webhook receivers. */
export interface Announcer {
  redis: Redis;
  prefix: string;
  jobs: JobStore;
  webhooks: Queue<WebhookDeliveryData>;
}

const WEBHOOK_FOR_STATUS: Partial<Record<Job['status'], WebhookEventType>> = {
  succeeded: 'job.succeeded',
  failed: 'job.failed',
  canceled: 'job.canceled',
};

/** Publishes `completed` and queues the matching webhook for a job that has just reached a terminal status. */
export async function announceCompletion(announcer: Announcer, job: Job): Promise<void> {
  await publishJobEvent(announcer.redis, announcer.prefix, job.id, { event: 'completed', data: job });
  const type = WEBHOOK_FOR_STATUS[job.status];
  if (!type) return;
  const stored = await announcer.jobs.get(job.id);
  await enqueueWebhookEvent(announcer.webhooks, stored?.webhook, type, job);
}

/** Marks a job failed and, if this call is the one that ended it, announces it. */
export async function failJob(announcer: Announcer, jobId: string, error: { code: string; message: string }) {
  const result = await announcer.jobs.markFailed(jobId, error);
  if (result.applied) await announceCompletion(announcer, result.job);
  return result;
}
