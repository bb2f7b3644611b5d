import type { SandboxedJob } from 'bullmq';
import { loadConfig } from '@neural-style/infra';
import { createJobContext, type JobContext } from './context.js';
import { runStyleJob, type JobOutcome } from './run-job.js';

/**
 * Entry of the BullMQ sandboxed child process. The engine (backend + VGG19) is created on the first job
 * and kept for the child's lifetime; native tfjs ops block this process's event loop, never the parent's,
 * so the parent keeps renewing the job lock.
 */

// If the parent dies (kill -9), its job will be taken over by another worker after the lock expires: an
// orphaned child must not keep writing progress or finish the job a second time.
process.on('disconnect', () => process.exit(1));

let context: Promise<JobContext> | undefined;

function jobContext(): Promise<JobContext> {
  context ??= createJobContext(loadConfig(process.env)).catch((error: unknown) => {
    context = undefined; // let the next job try again (e.g. Redis was restarting)
    throw error;
  });
  return context;
}

export default async function processStyleJob(
  job: SandboxedJob<unknown, JobOutcome>,
  token?: string,
  signal?: AbortSignal,
): Promise<JobOutcome> {
  return runStyleJob(await jobContext(), job, token, signal);
}
