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
