import { z } from 'zod';
import { JobSchema } from './job.js';
import { verifyWebhookSignature, WebhookVerificationError, type VerifyInput } from './webhooks.js';

export const WebhookEventTypeSchema = z
  .enum(['job.started', 'job.succeeded', 'job.failed', 'job.canceled'])
  .meta({ id: 'WebhookEventType' });
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

export const ALL_WEBHOOK_EVENTS: readonly WebhookEventType[] = WebhookEventTypeSchema.options;

/** Body of every webhook delivery (Standard Webhooks shape: type, timestamp, data). */
export const WebhookEventSchema = z
  .object({
    type: WebhookEventTypeSchema,
    timestamp: z.iso.datetime(),
    data: JobSchema,
  })
  .meta({ id: 'WebhookEvent' });
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

/** Verifies a delivery's signature and timestamp, then returns its body as a typed event. */
export function verifyWebhook(input: VerifyInput): WebhookEvent {
  const parsed = WebhookEventSchema.safeParse(verifyWebhookSignature(input));
  if (!parsed.success) {
    throw new WebhookVerificationError(
      `webhook body is not a webhook event: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

/** A job's webhook subscription: where to deliver and which events. */
export const WebhookSubscriptionSchema = z.object({
  url: z.url({ protocol: /^https?$/ }).describe('http(s) URL that receives signed POSTs.'),
  events: z
    .array(WebhookEventTypeSchema)
    .min(1)
    .default([...ALL_WEBHOOK_EVENTS])
    .describe('Events to deliver; all of them by default.'),
});
export type WebhookSubscription = z.output<typeof WebhookSubscriptionSchema>;

/** One attempt to deliver one webhook event, as the delivery worker recorded it. */
export const WebhookDeliveryAttemptSchema = z
  .object({
    event: WebhookEventTypeSchema,
    webhookId: z.string().describe('The webhook-id header: the same for every attempt of one event.'),
    url: z.string(),
    attempt: z.int().min(1),
    attemptedAt: z.iso.datetime(),
    outcome: z
      .enum(['delivered', 'retrying', 'failed', 'gone', 'skipped'])
      .describe(
        'delivered: 2xx; retrying: failed, another attempt is scheduled; failed: no more attempts; ' +
          "gone: the receiver answered 410, the job's later events skip this URL; skipped: not sent for that reason.",
      ),
    status: z.int().nullable().describe('HTTP status of the answer; null when none came.'),
    error: z.string().nullable().describe('Why the attempt failed; null when delivered.'),
    nextRetryAt: z.iso.datetime().nullable().describe('When the next attempt is due; null when none is.'),
  })
  .meta({ id: 'WebhookDeliveryAttempt' });
export type WebhookDeliveryAttempt = z.infer<typeof WebhookDeliveryAttemptSchema>;

export const WebhookDeliveryListSchema = z
  .object({ deliveries: z.array(WebhookDeliveryAttemptSchema).describe('Oldest first.') })
  .meta({ id: 'WebhookDeliveryList' });
export type WebhookDeliveryList = z.infer<typeof WebhookDeliveryListSchema>;
