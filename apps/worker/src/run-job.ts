import { UnrecoverableError, WaitingError, type SandboxedJob } from 'bullmq';
import type { ProgressEvent, SnapshotEvent, StylizeInputs } from '@neural-style/core';
import { isInputError, StyleTransferError, totalIterations } from '@neural-style/vocabulary';
import { isTerminal, QueueJobDataSchema, type Job, type QueueJobData } from '@neural-style/contract';
import {
  enqueueWebhookEvent,
  IMAGE_CONTENT_TYPES,
  publishJobEvent,
  storageKeys,
  StorageNotFoundError,
  type Storage,
} from '@neural-style/infra';
import { ABORT_REASONS } from './abort-reasons.js';
import { announceCompletion, failJob, type Announcer } from './announce.js';
import type { JobContext } from './context.js';

/** Progress is written to Redis (and published) at most this often, plus always at the last iteration. */
const PROGRESS_INTERVAL_MS = 250;
/** Without user snapshots, the worker still checkpoints this many times per run for crash resume. */
const CHECKPOINTS_PER_RUN = 10;

/** The BullMQ return value: what happened, and where the run started (for operators and tests). */
export interface JobOutcome {
  status: Job['status'];
  /** Iteration of the snapshot this run resumed from; null when it started from scratch. */
  resumedFrom: number | null;
}

/** Engine errors that would fail again on retry: the job itself is at fault, not the worker. */
function isPermanentFailure(error: unknown): error is StyleTransferError | UnrecoverableError {
  return (
    isInputError(error) ||
    (error instanceof StyleTransferError && error.code === 'NON_FINITE_LOSS') ||
    error instanceof UnrecoverableError
  );
}

function errorCode(error: unknown): string {
  return error instanceof StyleTransferError ? error.code : 'INTERNAL';
}

/** Runs one queued style job inside the sandboxed child; see docs/worker.md for the lifecycle. */
export async function runStyleJob(
  ctx: JobContext,
  job: SandboxedJob<unknown, JobOutcome>,
  token: string | undefined,
  signal: AbortSignal | undefined,
): Promise<JobOutcome> {
  const parsed = QueueJobDataSchema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`queue entry ${job.id} is not a style job: ${parsed.error.message}`);
  const data = parsed.data;
  const announcer: Announcer = {
    redis: ctx.redis,
    prefix: ctx.config.queuePrefix,
    jobs: ctx.jobs,
    webhooks: ctx.webhooks,
  };

  const stored = await ctx.jobs.get(data.jobId);
  if (!stored) throw new UnrecoverableError(`job ${data.jobId} has no record (deleted before it ran)`);
  // Canceled while queued, or finished by a worker that died before BullMQ heard about it.
  if (isTerminal(stored.job.status)) return { status: stored.job.status, resumedFrom: null };

  const started = await ctx.jobs.markRunning(data.jobId, { backend: ctx.engine.backend.name });
  if (!started.applied) return { status: started.job.status, resumedFrom: null };
  if (started.previous === 'queued') {
    await enqueueWebhookEvent(ctx.webhooks, stored.webhook, 'job.started', started.job);
  }

  // Aborted by the parent (cancel broadcast, shutdown, lost lock) or here, when a progress write finds
  // the record canceled (a cancel broadcast can be missed while a subscriber reconnects).
  const local = new AbortController();
  const abort = signal ? AbortSignal.any([signal, local.signal]) : local.signal;

  try {
    const inputs = await loadInputs(ctx.storage, data);
    const checkpoint = await latestCheckpoint(ctx.storage, data.jobId);
    const run = new RunHooks(ctx, data, announcer, local);
    const result = await ctx.engine.stylize(
      inputs,
      { ...data.options, snapshotEvery: run.snapshotEvery },
      {
        signal: abort,
        onProgress: (event) => run.progress(event),
        onSnapshot: (event) => run.snapshot(event),
        ...(checkpoint ? { resume: checkpoint } : {}),
      },
    );

    await ctx.storage.put(
      storageKeys.output(data.jobId, result.format),
      result.image,
      IMAGE_CONTENT_TYPES[result.format],
    );
    const startedAt = started.job.startedAt ?? new Date().toISOString();
    const done = await ctx.jobs.markSucceeded(data.jobId, {
      output: { width: result.width, height: result.height, format: result.format },
      metrics: {
        runMs: Date.now() - Date.parse(startedAt),
        secondsPerIteration: result.secondsPerIteration,
        backend: result.backend.name,
      },
      progress: { iteration: result.iterations, iterations: result.iterations, losses: result.losses },
    });
    if (done.applied) await announceCompletion(announcer, done.job);
    return { status: done.job.status, resumedFrom: checkpoint?.iteration ?? null };
  } catch (error) {
    if (error instanceof StyleTransferError && error.code === 'ABORTED') {
      return handleAbort(ctx, announcer, job, token, data.jobId, abort.reason);
    }
    if (isPermanentFailure(error)) {
      await failJob(announcer, data.jobId, { code: errorCode(error), message: error.message });
      throw error instanceof UnrecoverableError ? error : new UnrecoverableError(error.message);
    }
    // Storage, Redis, backend trouble: BullMQ retries with backoff; the parent fails the record when
    // the attempts are used up.
    throw error;
  }
}

async function handleAbort(
  ctx: JobContext,
  announcer: Announcer,
  job: SandboxedJob<unknown, JobOutcome>,
  token: string | undefined,
  jobId: string,
  reason: unknown,
): Promise<JobOutcome> {
  if (reason === ABORT_REASONS.shutdown) {
    // Back to the waiting list without using up an attempt; the next worker resumes from the checkpoint.
    await job.moveToWait(token);
    throw new WaitingError();
  }
  if (reason === ABORT_REASONS.lockLost) {
    throw new Error(`lost the lock of job ${jobId}; the worker that took it over continues it`);
  }
  const canceled = await ctx.jobs.markCanceled(jobId);
  // The API usually marked it first; announcing from here too is harmless (webhooks are deduplicated).
  if (canceled.job.status === 'canceled') await announceCompletion(announcer, canceled.job);
  return { status: canceled.job.status, resumedFrom: null };
}

async function loadInputs(storage: Storage, data: QueueJobData): Promise<StylizeInputs> {
  const read = async (key: string, what: string) => {
    try {
      return await storage.get(key);
    } catch (error) {
      if (error instanceof StorageNotFoundError) {
        throw new UnrecoverableError(`the ${what} of job ${data.jobId} is missing from storage (${key})`);
      }
      throw error;
    }
  };
  const [content, styles, initImage] = await Promise.all([
    read(data.inputs.content, 'content image'),
    Promise.all(
      data.inputs.styles.map(async (style, i) => ({
        image: await read(style.key, `style image ${i + 1}`),
        weight: style.weight,
      })),
    ),
    data.inputs.init ? read(data.inputs.init, 'init image') : undefined,
  ]);
  return { content, styles, ...(initImage ? { initImage } : {}) };
}

/** Snapshots live at `jobs/{id}/snapshots/{iteration}.{ext}`; the newest one is where a run resumes. */
async function latestCheckpoint(
  storage: Storage,
  jobId: string,
): Promise<{ iteration: number; image: Uint8Array } | undefined> {
  const keys = await storage.list(snapshotPrefix(jobId));
  const newest = keys
    .map((key) => ({ key, iteration: Number(/\/(\d+)\.\w+$/.exec(key)?.[1]) }))
    .filter((entry) => Number.isInteger(entry.iteration))
    .sort((a, b) => b.iteration - a.iteration)[0];
  if (!newest) return undefined;
  return { iteration: newest.iteration, image: await storage.get(newest.key) };
}

function snapshotPrefix(jobId: string): string {
  return `${storageKeys.job(jobId)}snapshots/`;
}

/** The engine hooks of one run: throttled progress, snapshots (public or private checkpoints). */
class RunHooks {
  /** Snapshots the user asked for are public; otherwise the engine's snapshots are private checkpoints. */
  readonly snapshotEvery: number;
  private readonly publicSnapshots: boolean;
  private lastProgressAt = 0;

  constructor(
    private readonly ctx: JobContext,
    private readonly data: QueueJobData,
    private readonly announcer: Announcer,
    private readonly local: AbortController,
  ) {
    this.publicSnapshots = data.options.snapshotEvery > 0;
    const total = totalIterations(data.options);
    this.snapshotEvery = this.publicSnapshots
      ? data.options.snapshotEvery
      : Math.max(1, Math.ceil(total / CHECKPOINTS_PER_RUN));
  }

  async progress(event: ProgressEvent): Promise<void> {
    const now = Date.now();
    if (event.iteration < event.iterations && now - this.lastProgressAt < PROGRESS_INTERVAL_MS) return;
    this.lastProgressAt = now;
    const progress = { iteration: event.iteration, iterations: event.iterations, losses: event.losses };
    const updated = await this.ctx.jobs.updateProgress(this.data.jobId, progress);
    if (!updated.applied) {
      this.local.abort(ABORT_REASONS.canceled);
      return;
    }
    await publishJobEvent(this.ctx.redis, this.announcer.prefix, this.data.jobId, {
      event: 'progress',
      data: progress,
    });
  }

  async snapshot(event: SnapshotEvent): Promise<void> {
    const key = storageKeys.snapshot(this.data.jobId, event.iteration, event.format);
    await this.ctx.storage.put(key, event.image, IMAGE_CONTENT_TYPES[event.format]);
    if (!this.publicSnapshots) {
      // Only the newest private checkpoint is needed for resume.
      const stale = (await this.ctx.storage.list(snapshotPrefix(this.data.jobId))).filter(
        (other) => other !== key,
      );
      await Promise.all(stale.map((other) => this.ctx.storage.delete(other)));
      return;
    }
    const added = await this.ctx.jobs.addSnapshot(this.data.jobId, { iteration: event.iteration, key });
    if (!added.applied) return;
    const snapshot = added.job.snapshots.find((entry) => entry.iteration === event.iteration);
    if (snapshot) {
      await publishJobEvent(this.ctx.redis, this.announcer.prefix, this.data.jobId, {
        event: 'snapshot',
        data: snapshot,
      });
    }
  }
}
