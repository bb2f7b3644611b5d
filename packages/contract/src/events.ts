import { z } from 'zod';
import { JobProgressSchema, JobSchema, JobSnapshotSchema } from './job.js';

/**
 * A change of a job, published by the worker on Redis and relayed by the API as Server-Sent Events
 * (`event:` = the event name, `data:` = JSON). `completed` carries the job in its terminal status.
 */
export const JobEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('progress'), data: JobProgressSchema }),
  z.object({ event: z.literal('snapshot'), data: JobSnapshotSchema }),
  z.object({ event: z.literal('completed'), data: JobSchema }),
]);
export type JobEvent = z.infer<typeof JobEventSchema>;
export type JobEventName = JobEvent['event'];
