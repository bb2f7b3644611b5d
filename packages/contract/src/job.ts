import { z } from 'zod';
import {
  JobPlanSchema,
  LossTermsSchema,
  OUTPUT_FORMAT_NAMES,
  StyleOptionsSchema,
} from '@neural-style/vocabulary';

/** `job_` + 26 Crockford base32 characters, time-ordered (ULID), so ids sort by creation time. */
export const JobIdSchema = z
  .string()
  .regex(/^job_[0-9A-HJKMNP-TV-Z]{26}$/, 'not a job id')
  .describe('Job id: job_ followed by a time-ordered ULID.');

export const JobStatusSchema = z
  .enum(['queued', 'running', 'succeeded', 'failed', 'canceled'])
  .meta({ id: 'JobStatus' });
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

const timestamp = z.iso.datetime().describe('ISO 8601 UTC timestamp.');

export const JobProgressSchema = z
  .object({
    iteration: z.int().min(0).describe('Iterations done, counted across multiscale passes.'),
    iterations: z.int().min(1).describe('Iterations in the whole run.'),
    losses: LossTermsSchema,
    pass: z
      .object({
        index: z.int().min(0).describe('0-based, coarse to fine, as in the plan.'),
        count: z.int().min(1),
        width: z.int().min(1),
        height: z.int().min(1),
      })
      .optional()
      .describe('The pass running now (absent once the job has ended).'),
    secondsPerIteration: z.number().min(0).optional().describe("The running pass's speed so far."),
    estimatedFinishAt: timestamp
      .optional()
      .describe(
        "Expected end of the run: every remaining pass at the running pass's speed, each weighted by the pixels it processes.",
      ),
  })
  .meta({ id: 'JobProgress' });
export type JobProgress = z.infer<typeof JobProgressSchema>;

export const ImageFormatSchema = z.enum(OUTPUT_FORMAT_NAMES);
export type ImageFormat = z.infer<typeof ImageFormatSchema>;

export const JobOutputSchema = z.object({
  url: z.string().describe('Where to fetch the result (GET /jobs/{id}/output).'),
  width: z.int(),
  height: z.int(),
  format: ImageFormatSchema,
});
export type JobOutput = z.infer<typeof JobOutputSchema>;

export const JobSnapshotSchema = z
  .object({
    iteration: z.int().min(0),
    url: z.string().describe('GET /jobs/{id}/snapshots/{iteration}.'),
  })
  .meta({ id: 'JobSnapshot' });
export type JobSnapshot = z.infer<typeof JobSnapshotSchema>;

export const JobErrorSchema = z.object({
  code: z
    .string()
    .describe('Stable code: an engine code such as IMAGE_INVALID or NON_FINITE_LOSS, or INTERNAL.'),
  message: z.string(),
});
export type JobError = z.infer<typeof JobErrorSchema>;

export const JobMetricsSchema = z.object({
  queueMs: z.number().min(0).describe('Time from creation to the start of the (first) run.'),
  runMs: z.number().min(0).nullable().describe('Run time; null until the job ends.'),
  secondsPerIteration: z.number().min(0).nullable().describe('null until the job ends.'),
  backend: z.string().describe('Engine backend that ran the job, e.g. tensorflow-gpu, wasm.'),
});
export type JobMetrics = z.infer<typeof JobMetricsSchema>;

export const JOB_PRIORITIES = ['low', 'normal', 'high'] as const;
export const JobPrioritySchema = z
  .enum(JOB_PRIORITIES)
  .meta({ id: 'JobPriority' })
  .describe(
    "Order among the tenant's own jobs (high first); between tenants the queue stays fair whatever the class.",
  );
export type JobPriority = z.infer<typeof JobPrioritySchema>;

/** Where a queued job stands: in GET /jobs/{id} of a queued job and in the SSE `position` event. */
export const QueuePositionSchema = z
  .object({
    queuePosition: z.int().min(0).describe('Queued jobs a worker takes before this one (0: it is next).'),
    estimatedStartAt: timestamp
      .optional()
      .describe('Expected start, from the run times of recent jobs; absent while unknown.'),
  })
  .meta({ id: 'QueuePosition' });
export type QueuePosition = z.infer<typeof QueuePositionSchema>;

export const CANCEL_REASONS = ['requested', 'deadline'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

export const JobCancellationSchema = z
  .object({
    reason: z
      .enum(CANCEL_REASONS)
      .describe('requested: POST /jobs/{id}/cancel; deadline: the Cancel-After deadline passed.'),
    stage: z
      .enum(['queued', 'running'])
      .describe('queued: canceled before any work started; running: stopped during its run.'),
    message: z.string(),
  })
  .meta({ id: 'JobCancellation' });
export type JobCancellation = z.infer<typeof JobCancellationSchema>;

export const JobSchema = z
  .object({
    id: JobIdSchema,
    status: JobStatusSchema,
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    completedAt: timestamp.nullable(),
    options: StyleOptionsSchema.describe('Effective options, defaults filled in.'),
    plan: JobPlanSchema.nullable()
      .optional()
      .describe(
        'Passes, tile grids, iterations per pass and memory estimate, planned at submission (absent on records from before plans).',
      ),
    progress: JobProgressSchema.nullable(),
    output: JobOutputSchema.nullable(),
    snapshots: z.array(JobSnapshotSchema),
    error: JobErrorSchema.nullable(),
    metrics: JobMetricsSchema.nullable(),
    priority: JobPrioritySchema,
    retentionSeconds: z
      .int()
      .positive()
      .nullable()
      .describe('How long the record and files are kept once the job ends; null: until deleted.'),
    expiresAt: timestamp
      .nullable()
      .describe('When the record and files are deleted; set when the job ends (null while it runs).'),
    cancelAt: timestamp
      .nullable()
      .describe('When the Cancel-After deadline cancels the job; null without one.'),
    cancellation: JobCancellationSchema.nullable().describe('Why and at which stage it was canceled.'),
    ...QueuePositionSchema.partial().shape,
  })
  .meta({ id: 'Job' });
export type Job = z.infer<typeof JobSchema>;
