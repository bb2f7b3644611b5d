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
  /** Cancel-After deadlines: one delayed entry per job, due when the job is to be canceled. */
  deadlines: 'deadlines',
} as const;

/** Data of a `style-jobs` queue entry. Inputs are storage keys, never image bytes (Redis stays small). */
export const QueueJobDataSchema = z.object({
  jobId: JobIdSchema,
  tenant: z.string(),
  options: StyleOptionsSchema,
  inputs: z.object({
    content: z.string(),
    styles: z.array(z.object({ key: z.string(), weight: z.number().positive() })).min(1),
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

/** Data of a `deadlines` queue entry (BullMQ job id = our job id, delayed until the deadline). */
export const DeadlineDataSchema = z.object({ jobId: JobIdSchema });
export type DeadlineData = z.output<typeof DeadlineDataSchema>;
