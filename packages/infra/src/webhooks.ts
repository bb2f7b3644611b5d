import type { Queue } from 'bullmq';
import type { Job, WebhookDeliveryData, WebhookEventType, WebhookSubscription } from '@neural-style/contract';

/**
 * Queues one webhook event for a job if its subscription asks for it (API and worker both raise events).
 * The message id doubles as the BullMQ job id, so an event raised twice (a job retried after a crash
 * announces `job.started` again) is delivered once.
 */
export async function enqueueWebhookEvent(
  queue: Queue<WebhookDeliveryData>,
  subscription: WebhookSubscription | undefined,
  type: WebhookEventType,
  job: Job,
): Promise<void> {
  if (!subscription?.events.includes(type)) return;
  const webhookId = `msg_${job.id}_${type.replace('.', '_')}`;
  await queue.add(
    type,
    { webhookId, url: subscription.url, event: { type, timestamp: new Date().toISOString(), data: job } },
    { jobId: webhookId, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } },
  );
}
