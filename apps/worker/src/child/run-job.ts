import { UnrecoverableError, WaitingError, type SandboxedJob } from 'bullmq';
import type { ProgressEvent, SnapshotEvent, StylizeInputs } from '@neural-style/core';
import { isInputError, OUTPUT_FORMATS, StyleTransferError, totalIterations } from '@neural-style/vocabulary';
import {
  isTerminal,
  QueueJobDataSchema,
  type Job,
  type JobEvent,
  type JobProgress,
  type QueueJobData,
} from '@neural-style/contract';
import {
  parseIterationImageKey,
  publishJobEvent,
  storageKeys,
  StorageNotFoundError,
  type Storage,
} from '@neural-style/infra';
import { ABORT_REASONS } from '../abort-reasons.js';
import type { JobContext } from './context.js';

/** Progress is written to Redis (and published) at most this often, plus always at the last iteration. */
const PROGRESS_INTERVAL_MS = 250;
/** Private checkpoints for crash resume, this many per run (none when the user's snapshots come as often). */
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

  const stored = await ctx.jobStore.get(data.jobId);
  if (!stored) throw new UnrecoverableError(`job ${data.jobId} has no record (deleted before it ran)`);
  // Canceled while queued, or finished by a worker that died before BullMQ heard about it.
  if (isTerminal(stored.job.status)) return { status: stored.job.status, resumedFrom: null };

  const started = await ctx.lifecycle.start(data.jobId, ctx.engine.backend.name);
  if (!started.applied) return { status: started.job.status, resumedFrom: null };

  // Aborted by the parent (cancel broadcast, shutdown, lost lock) or here, when a progress write finds
  // the record canceled (a cancel broadcast can be missed while a subscriber reconnects).
  const local = new AbortController();
  const abort = signal ? AbortSignal.any([signal, local.signal]) : local.signal;

  try {
    const inputs = await loadInputs(ctx.storage, data);
    const resume = await newestResumePoint(ctx.storage, data.jobId);
    const run = new RunHooks(ctx, data, local);
    const result = await ctx.engine.stylize(inputs, data.options, {
      signal: abort,
      onProgress: (event) => run.progress(event),
      onSnapshot: (event) => run.snapshot(event),
      ...(run.checkpointEvery > 0
        ? { checkpointEvery: run.checkpointEvery, onCheckpoint: (event) => run.checkpoint(event) }
        : {}),
      ...(resume ? { resume } : {}),
    });

    const startedAt = started.job.startedAt ?? new Date().toISOString();
    const done = await ctx.lifecycle.succeed(data.jobId, {
      image: result.image,
      format: result.format,
      width: result.width,
      height: result.height,
      metrics: {
        runMs: Date.now() - Date.parse(startedAt),
        secondsPerIteration: result.secondsPerIteration,
        backend: result.backend.name,
      },
      progress: { iteration: result.iterations, iterations: result.iterations, losses: result.losses },
    });
    return { status: done.job.status, resumedFrom: resume?.iteration ?? null };
  } catch (error) {
    if (error instanceof StyleTransferError && error.code === 'ABORTED') {
      return handleAbort(ctx, job, token, data.jobId, abort.reason);
    }
    if (isPermanentFailure(error)) {
      await ctx.lifecycle.fail(data.jobId, { code: errorCode(error), message: error.message });
      throw error instanceof UnrecoverableError ? error : new UnrecoverableError(error.message);
    }
    // Storage, Redis, backend trouble: BullMQ retries with backoff; the parent fails the record when
    // the attempts are used up.
    throw error;
  }
}

async function handleAbort(
  ctx: JobContext,
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
  // The API marked it canceled and announced it; this only ends a job that nobody has ended yet.
  const canceled = await ctx.lifecycle.cancel(jobId);
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
        ...(style.mask ? { mask: await read(style.mask, `mask of style image ${i + 1}`) } : {}),
        ...(style.styleMask
          ? { styleMask: await read(style.styleMask, `style mask of style image ${i + 1}`) }
          : {}),
      })),
    ),
    data.inputs.init ? read(data.inputs.init, 'init image') : undefined,
  ]);
  return { content, styles, ...(initImage ? { initImage } : {}) };
}

/** Where a run resumes: the newest of its public snapshots and private checkpoints. */
async function newestResumePoint(
  storage: Storage,
  jobId: string,
): Promise<{ iteration: number; image: Uint8Array } | undefined> {
  const keys = (
    await Promise.all([
      storage.list(storageKeys.snapshots(jobId)),
      storage.list(storageKeys.checkpoints(jobId)),
    ])
  ).flat();
  const newest = keys
    .flatMap((key) => {
      const parsed = parseIterationImageKey(key);
      return parsed ? [{ key, iteration: parsed.iteration }] : [];
    })
    .sort((a, b) => b.iteration - a.iteration)[0];
  if (!newest) return undefined;
  return { iteration: newest.iteration, image: await storage.get(newest.key) };
}

/** The engine hooks of one run: throttled progress, the user's snapshots and private checkpoints. */
class RunHooks {
  readonly checkpointEvery: number;
  private lastProgressAt = 0;

  constructor(
    private readonly ctx: JobContext,
    private readonly data: QueueJobData,
    private readonly local: AbortController,
  ) {
    const { snapshotEvery } = data.options;
    const every = Math.max(1, Math.ceil(totalIterations(data.options) / CHECKPOINTS_PER_RUN));
    this.checkpointEvery = snapshotEvery > 0 && snapshotEvery <= every ? 0 : every;
  }

  async progress(event: ProgressEvent): Promise<void> {
    const now = Date.now();
    if (event.iteration < event.iterations && now - this.lastProgressAt < PROGRESS_INTERVAL_MS) return;
    this.lastProgressAt = now;
    const progress: JobProgress = {
      iteration: event.iteration,
      iterations: event.iterations,
      losses: event.losses,
      pass: event.pass,
      secondsPerIteration: event.secondsPerIteration,
      estimatedFinishAt: new Date(now + event.secondsLeft * 1000).toISOString(),
    };
    const updated = await this.ctx.jobStore.updateProgress(this.data.jobId, progress);
    if (!updated.applied) {
      this.local.abort(ABORT_REASONS.canceled);
      return;
    }
    await this.publish({ event: 'progress', data: progress });
  }

  /** A snapshot the user asked for: stored, listed in the record, published. */
  async snapshot(event: SnapshotEvent): Promise<void> {
    const key = storageKeys.snapshot(this.data.jobId, event.iteration, event.format);
    await this.ctx.storage.put(key, event.image, OUTPUT_FORMATS[event.format].contentType);
    const added = await this.ctx.jobStore.addSnapshot(this.data.jobId, { iteration: event.iteration, key });
    if (!added.applied) return;
    const snapshot = added.job.snapshots.find((entry) => entry.iteration === event.iteration);
    if (snapshot) await this.publish({ event: 'snapshot', data: snapshot });
  }

  /** A private checkpoint: stored, and the older ones deleted (only the newest is needed for resume). */
  async checkpoint(event: SnapshotEvent): Promise<void> {
    const key = storageKeys.checkpoint(this.data.jobId, event.iteration, event.format);
    await this.ctx.storage.put(key, event.image, OUTPUT_FORMATS[event.format].contentType);
    const stale = (await this.ctx.storage.list(storageKeys.checkpoints(this.data.jobId))).filter(
      (other) => other !== key,
    );
    await Promise.all(stale.map((other) => this.ctx.storage.delete(other)));
  }

  private publish(event: JobEvent): Promise<void> {
    return publishJobEvent(this.ctx.redis, this.ctx.config.queuePrefix, this.data.jobId, event);
  }
}
