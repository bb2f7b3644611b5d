import { z } from 'zod';
import { StyleOptionsSchema } from '@neural-style/vocabulary';
import { DurationSchema } from './duration.js';
import { JobPrioritySchema, JobSchema, JobStatusSchema } from './job.js';
import { WebhookSubscriptionSchema } from './webhook-events.js';

/** Most style images one job may blend. */
export const MAX_STYLES = 8;

const url = z.url({ protocol: /^https?$/ }).describe('http(s) URL the API downloads the image from.');
const data = z.base64().describe('The encoded image (PNG, JPEG, WebP, ...) in standard base64.');

export const ImageSourceSchema = z
  .union([z.strictObject({ url }), z.strictObject({ data })])
  .meta({ id: 'ImageSource' });
export type ImageSource = z.infer<typeof ImageSourceSchema>;

/** Weight of one style image in the blend; the multipart `styleWeights` array holds these too. */
export const StyleWeightSchema = z.number().positive().max(1000);
const weight = StyleWeightSchema.optional().describe('Relative weight in the style blend (default 1).');

export const StyleSourceSchema = z
  .union([z.strictObject({ url, weight }), z.strictObject({ data, weight })])
  .meta({ id: 'StyleSource' });
export type StyleSource = z.infer<typeof StyleSourceSchema>;

const RetentionSchema = DurationSchema.describe(
  'Keep the record and files this long after the job ends (e.g. 1h, 2d); at most, and by default, the ' +
    "server's retention.",
);

/** `POST /jobs` with `Content-Type: application/json`. */
export const CreateJobJsonBodySchema = z
  .strictObject({
    content: ImageSourceSchema,
    styles: z.array(StyleSourceSchema).min(1).max(MAX_STYLES),
    init: ImageSourceSchema.optional().describe('Start image, used with options.init = "image".'),
    options: StyleOptionsSchema.optional(),
    webhook: WebhookSubscriptionSchema.optional(),
    priority: JobPrioritySchema.optional().describe('Default normal.'),
    retention: RetentionSchema.optional(),
  })
  .meta({ id: 'CreateJobRequest' });
export type CreateJobJsonBody = z.input<typeof CreateJobJsonBodySchema>;

/**
 * `POST /jobs` with `multipart/form-data`, for the OpenAPI document. The API reads the parts as a stream
 * and validates each with the schemas above (options with StyleOptionsSchema, webhook with
 * WebhookSubscriptionSchema).
 */
export const CreateJobMultipartBodySchema = z
  .object({
    content: z.string().meta({ format: 'binary' }).describe('Content image file.'),
    style: z
      .array(z.string().meta({ format: 'binary' }))
      .min(1)
      .max(MAX_STYLES)
      .describe('One or more style image files (repeat the part).'),
    styleWeights: z.string().optional().describe('JSON array of weights, one per style part, e.g. [1, 0.5].'),
    init: z
      .string()
      .meta({ format: 'binary' })
      .optional()
      .describe('Start image for options.init = "image".'),
    options: z.string().optional().describe('JSON object of style options.'),
    webhook: z.string().optional().describe('Webhook URL.'),
    webhookEvents: z.string().optional().describe('Comma-separated webhook event types (default: all).'),
    priority: JobPrioritySchema.optional().describe('Default normal.'),
    retention: RetentionSchema.optional(),
  })
  .meta({ id: 'CreateJobMultipart' });

export const JobIdParamsSchema = z.object({ id: z.string().describe('Job id.') });

export const SnapshotParamsSchema = z.object({
  id: z.string().describe('Job id.'),
  iteration: z.coerce.number().int().min(0).describe('Iteration of the snapshot.'),
});

export const ListJobsQuerySchema = z.object({
  status: JobStatusSchema.optional().describe('Only jobs in this status.'),
  cursor: z.string().optional().describe('nextCursor of the previous page.'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type ListJobsQuery = z.output<typeof ListJobsQuerySchema>;

export const ListJobsResponseSchema = z
  .object({
    jobs: z.array(JobSchema).describe('Newest first.'),
    nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page.'),
  })
  .meta({ id: 'JobList' });
export type ListJobsResponse = z.infer<typeof ListJobsResponseSchema>;
