import { z } from 'zod';
import { StyleOptionsSchema } from '@neural-style/vocabulary';
import { JobIdSchema } from './job.js';
import { WebhookEventSchema, WebhookSubscriptionSchema } from './webhook-events.js';

/** BullMQ queue names; the prefix (QUEUE_PREFIX) comes from configuration. */
export const QUEUE_NAMES = {
  /** Style-transfer work; BullMQ job id = our job id. */
  jobs: 'style-jobs',
  /** Webhook deliveries. */
  webhooks: 'webhooks',
} as const;

/** Data of a `style-jobs` queue entry. Inputs are storage keys, never image bytes (Redis stays small). */
export const QueueJobDataSchema = z.object({
  jobId: JobIdSchema,
  tenant: z.string(),
  options: StyleOptionsSchema,
  inputs: z.object({
    content: z.string(),
    styles: z
      .array(
        z.object({
          key: z.string(),
          weight: z.number().positive(),
          mask: z.string().optional(),
          styleMask: z.string().optional(),
        }),
      )
      .min(1),
    init: z.string().optional(),
  }),
  webhook: WebhookSubscriptionSchema.optional(),
});
export type QueueJobData = z.output<typeof QueueJobDataSchema>;

/** Data of a `webhooks` queue entry: one event to one URL. `webhookId` is the stable `webhook-id` header. */
export const WebhookDeliveryDataSchema = z.object({
  webhookId: z.string(),
  url: z.string(),
  event: WebhookEventSchema,
});
export type WebhookDeliveryData = z.output<typeof WebhookDeliveryDataSchema>;
