import { z } from 'zod';
import { JobSchema } from './job.js';

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
