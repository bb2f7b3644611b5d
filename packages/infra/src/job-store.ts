import type { Redis } from 'ioredis';
import {
  isTerminal,
  JobIdSchema,
  type CancelReason,
  type Job,
  type JobPriority,
  type JobError,
  type JobMetrics,
  type JobOutput,
  type JobProgress,
  type JobStatus,
  type WebhookSubscription,
} from '@neural-style/contract';
type StyleOptions = Job['options'];
type JobPlan = NonNullable<Job['plan']>;
import { newJobId } from './ids.js';
import { webhookDeliveryLogKey } from './webhook-log.js';

/** What Redis holds per job: the public record plus who owns it and where to send webhooks. */
export interface StoredJob {
  tenant: string;
  job: Job;
  webhook?: WebhookSubscription;
}

export interface TransitionResult {
  /** False when the job's status did not allow the change (e.g. progress after a cancel). */
  applied: boolean;
  job: Job;
  /** Status before the change (equal to job.status when not applied). */
  previous: JobStatus;
}

export class JobNotFoundError extends Error {
  constructor(id: string) {
    super(`Job ${id} does not exist`);
    this.name = 'JobNotFoundError';
  }
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not a nextCursor value from this API');
    this.name = 'InvalidCursorError';
  }
}

export interface JobStoreOptions {
  /** Same prefix as the BullMQ queues (hash tag keeps all keys in one Redis Cluster slot). */
  prefix: string;
  /** Base of output and snapshot URLs, e.g. https://api.example.com. */
  publicUrl: string;
}

/**
 * Compare-and-set of a job record plus its move between status indexes, atomically: a status change is
 * computed in JS from the record read, and applied only if nobody changed the record in between. A job
 * that ends leaves the tenant's active index (KEYS[5]) and, when it has an expiry (ARGV[4]), enters the
 * expiry index (KEYS[4]).
 */
const CAS_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if KEYS[2] ~= KEYS[3] then
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZADD', KEYS[3], 0, ARGV[3])
end
if ARGV[5] == '1' then redis.call('ZREM', KEYS[5], ARGV[3]) end
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3]) end
return 1
`;

/** How many recent run times the queue-start estimate is based on. */
const RECENT_RUNS = 20;

/** Fields added to the record after its first release: older records get these values when read. */
const RECORD_DEFAULTS = {
  priority: 'normal',
  retentionSeconds: null,
  expiresAt: null,
  cancelAt: null,
  cancellation: null,
} as const satisfies Partial<Job>;

const CANCEL_MESSAGES: Record<CancelReason, string> = {
  requested: 'Canceled on request',
  deadline: 'The Cancel-After deadline passed',
};

const MAX_CAS_ATTEMPTS = 50;

/**
 * Job records in Redis, the source of truth for job state (BullMQ only schedules work). Keys:
 * `{prefix}:job:{id}` (JSON), `{prefix}:tenant:{tenant}:jobs` and `…:status:{status}` (sorted sets of ids,
 * all score 0, ordered lexicographically = by creation time), `…:active:{priority}` (the tenant's queued
 * and running jobs by priority class, for fair ordering and the high-priority cap), `{prefix}:jobs:expiring`
 * (ended jobs scored by expiry time, for retention), `{prefix}:jobs:recent-run-ms` (run times of the last
 * succeeded jobs, for start estimates).
 */
export class JobStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly publicUrl: string;

  constructor(redis: Redis, options: JobStoreOptions) {
    this.redis = redis;
    this.prefix = options.prefix;
    this.publicUrl = options.publicUrl.replace(/\/+$/, '');
  }

  outputUrl(id: string): string {
    return `${this.publicUrl}/jobs/${id}/output`;
  }

  snapshotUrl(id: string, iteration: number): string {
    return `${this.publicUrl}/jobs/${id}/snapshots/${iteration}`;
  }

  async create(input: {
    id?: string;
    tenant: string;
    options: StyleOptions;
    plan?: JobPlan;
    webhook?: WebhookSubscription;
    createdAt?: Date;
    priority?: JobPriority;
    /** Kept this long after it ends; absent: until deleted. */
    retentionSeconds?: number;
    /** The Cancel-After deadline. */
    cancelAt?: Date;
  }): Promise<Job> {
    const id = input.id ?? newJobId();
    const priority = input.priority ?? 'normal';
    const job: Job = {
      id,
      status: 'queued',
      createdAt: (input.createdAt ?? new Date()).toISOString(),
      startedAt: null,
      completedAt: null,
      options: input.options,
      plan: input.plan ?? null,
      progress: null,
      output: null,
      snapshots: [],
      error: null,
      metrics: null,
      priority,
      retentionSeconds: input.retentionSeconds ?? null,
      expiresAt: null,
      cancelAt: input.cancelAt?.toISOString() ?? null,
      cancellation: null,
    };
    const stored: StoredJob = {
      tenant: input.tenant,
      job,
      ...(input.webhook ? { webhook: input.webhook } : {}),
    };
    const [[setError, setReply] = []] =
      (await this.redis
        .multi()
        .set(this.jobKey(id), JSON.stringify(stored), 'NX')
        .zadd(this.tenantKey(input.tenant), 0, id)
        .zadd(this.statusKey(input.tenant, 'queued'), 0, id)
        .zadd(this.activeKey(input.tenant, priority), 0, id)
        .exec()) ?? [];
    if (setError) throw setError;
    if (setReply !== 'OK') throw new Error(`Job ${id} exists already`);
    return job;
  }

  async get(id: string): Promise<StoredJob | null> {
    const raw = await this.redis.get(this.jobKey(id));
    return raw === null ? null : parseStored(raw);
  }

  /** The job if it exists and belongs to `tenant`; others' jobs look exactly like missing ones. */
  async getForTenant(id: string, tenant: string): Promise<Job | null> {
    const stored = await this.get(id);
    return stored && stored.tenant === tenant ? stored.job : null;
  }

  /** Newest first. The cursor is the last id of the previous page. */
  async list(
    tenant: string,
    query: { status?: JobStatus | undefined; cursor?: string | undefined; limit: number },
  ): Promise<{ jobs: Job[]; nextCursor: string | null }> {
    if (query.cursor !== undefined && !JobIdSchema.safeParse(query.cursor).success)
      throw new InvalidCursorError();
    const key = query.status ? this.statusKey(tenant, query.status) : this.tenantKey(tenant);
    const ids = await this.redis.zrevrangebylex(
      key,
      query.cursor ? `(${query.cursor}` : '+',
      '-',
      'LIMIT',
      0,
      query.limit + 1,
    );
    const page = ids.slice(0, query.limit);
    const raws = page.length > 0 ? await this.redis.mget(page.map((id) => this.jobKey(id))) : [];
    const jobs = raws.flatMap((raw) => (raw === null ? [] : [parseStored(raw).job]));
    return { jobs, nextCursor: ids.length > query.limit ? (page.at(-1) ?? null) : null };
  }

  /** queued → running, or running → running when a job is picked up again after a worker died. */
  markRunning(id: string, run: { startedAt?: Date; backend: string }): Promise<TransitionResult> {
    return this.transition(id, ['queued', 'running'], (job) => {
      const startedAt = job.startedAt ?? (run.startedAt ?? new Date()).toISOString();
      return {
        ...job,
        status: 'running',
        startedAt,
        metrics: {
          queueMs: job.metrics?.queueMs ?? Date.parse(startedAt) - Date.parse(job.createdAt),
          runMs: null,
          secondsPerIteration: null,
          backend: run.backend,
        },
      };
    });
  }

  updateProgress(id: string, progress: JobProgress): Promise<TransitionResult> {
    return this.transition(id, ['running'], (job) => ({ ...job, progress }));
  }

  /** Records a snapshot stored at `key` (kept for the worker's resume; the URL is derived from the id). */
  addSnapshot(id: string, snapshot: { iteration: number; key: string }): Promise<TransitionResult> {
    return this.transition(id, ['running'], (job) => ({
      ...job,
      snapshots: [
        ...job.snapshots.filter((existing) => existing.iteration !== snapshot.iteration),
        { iteration: snapshot.iteration, url: this.snapshotUrl(id, snapshot.iteration) },
      ].sort((a, b) => a.iteration - b.iteration),
    }));
  }

  async markSucceeded(
    id: string,
    success: {
      output: Omit<JobOutput, 'url'>;
      metrics: Pick<JobMetrics, 'runMs' | 'secondsPerIteration'> & Partial<Pick<JobMetrics, 'backend'>>;
      progress?: JobProgress;
    },
  ): Promise<TransitionResult> {
    const result = await this.transition(id, ['running'], (job, now) => ({
      ...job,
      status: 'succeeded',
      completedAt: now,
      progress: success.progress ?? job.progress,
      output: { url: this.outputUrl(id), ...success.output },
      metrics: {
        queueMs: job.metrics?.queueMs ?? 0,
        backend: success.metrics.backend ?? job.metrics?.backend ?? 'unknown',
        runMs: success.metrics.runMs,
        secondsPerIteration: success.metrics.secondsPerIteration,
      },
    }));
    if (result.applied && success.metrics.runMs !== null) {
      const key = this.recentRunsKey();
      await this.redis
        .multi()
        .lpush(key, success.metrics.runMs)
        .ltrim(key, 0, RECENT_RUNS - 1)
        .exec();
    }
    return result;
  }

  /** Run times (ms) of the most recently succeeded jobs, newest first. */
  async recentRunTimes(): Promise<number[]> {
    return (await this.redis.lrange(this.recentRunsKey(), 0, RECENT_RUNS - 1)).map(Number);
  }

  /** The tenant's queued jobs, and its queued or running jobs per priority class. */
  async activeCounts(tenant: string): Promise<{ queued: number; active: Record<JobPriority, number> }> {
    const [queued, low, normal, high] = await Promise.all([
      this.redis.zcard(this.statusKey(tenant, 'queued')),
      this.redis.zcard(this.activeKey(tenant, 'low')),
      this.redis.zcard(this.activeKey(tenant, 'normal')),
      this.redis.zcard(this.activeKey(tenant, 'high')),
    ]);
    return { queued, active: { low, normal, high } };
  }

  markFailed(id: string, error: JobError): Promise<TransitionResult> {
    return this.transition(id, ['queued', 'running'], (job, now) => ({
      ...job,
      status: 'failed',
      completedAt: now,
      error,
      metrics: job.metrics && {
        ...job.metrics,
        runMs: job.startedAt ? Date.parse(now) - Date.parse(job.startedAt) : null,
      },
    }));
  }

  /** The record says why and at which stage (queued: nothing ran; running: stopped mid-run). */
  markCanceled(id: string, reason: CancelReason = 'requested'): Promise<TransitionResult> {
    return this.transition(id, ['queued', 'running'], (job, now) => ({
      ...job,
      status: 'canceled',
      completedAt: now,
      cancellation: {
        reason,
        stage: job.status === 'queued' ? 'queued' : 'running',
        message: CANCEL_MESSAGES[reason],
      },
    }));
  }

  /** Ids of ended jobs whose retention is over at `now`, soonest expired first. */
  expiredBy(now: Date, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.expiringKey(), '-inf', now.getTime(), 'LIMIT', 0, limit);
  }

  /** Removes the record, its index entries and its webhook delivery log (the caller deletes the files). */
  async delete(id: string): Promise<void> {
    const stored = await this.get(id);
    const multi = this.redis
      .multi()
      .del(this.jobKey(id), webhookDeliveryLogKey(this.prefix, id))
      .zrem(this.expiringKey(), id);
    if (stored) {
      multi
        .zrem(this.tenantKey(stored.tenant), id)
        .zrem(this.statusKey(stored.tenant, stored.job.status), id)
        .zrem(this.activeKey(stored.tenant, stored.job.priority), id);
    }
    await multi.exec();
  }

  private async transition(
    id: string,
    from: readonly JobStatus[],
    change: (job: Job, now: string) => Job,
  ): Promise<TransitionResult> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
      const raw = await this.redis.get(this.jobKey(id));
      if (raw === null) throw new JobNotFoundError(id);
      const stored = parseStored(raw);
      if (!from.includes(stored.job.status))
        return { applied: false, job: stored.job, previous: stored.job.status };
      const now = new Date().toISOString();
      const changed = change(stored.job, now);
      const ends = isTerminal(changed.status) && !isTerminal(stored.job.status);
      const expiresAt =
        ends && changed.retentionSeconds !== null
          ? Date.parse(now) + changed.retentionSeconds * 1000
          : undefined;
      const job: Job =
        expiresAt === undefined ? changed : { ...changed, expiresAt: new Date(expiresAt).toISOString() };
      const next: StoredJob = { ...stored, job };
      const applied = await this.redis.eval(
        CAS_SCRIPT,
        5,
        this.jobKey(id),
        this.statusKey(stored.tenant, stored.job.status),
        this.statusKey(stored.tenant, job.status),
        this.expiringKey(),
        this.activeKey(stored.tenant, stored.job.priority),
        raw,
        JSON.stringify(next),
        id,
        expiresAt === undefined ? '' : String(expiresAt),
        ends ? '1' : '0',
      );
      if (applied === 1) return { applied: true, job, previous: stored.job.status };
    }
    throw new Error(
      `Job ${id} is changing too often to update it (gave up after ${MAX_CAS_ATTEMPTS} attempts)`,
    );
  }

  private jobKey(id: string): string {
    return `${this.prefix}:job:${id}`;
  }

  private tenantKey(tenant: string): string {
    return `${this.prefix}:tenant:${tenant}:jobs`;
  }

  private statusKey(tenant: string, status: JobStatus): string {
    return `${this.prefix}:tenant:${tenant}:status:${status}`;
  }

  private activeKey(tenant: string, priority: JobPriority): string {
    return `${this.prefix}:tenant:${tenant}:active:${priority}`;
  }

  private expiringKey(): string {
    return `${this.prefix}:jobs:expiring`;
  }

  private recentRunsKey(): string {
    return `${this.prefix}:jobs:recent-run-ms`;
  }
}

function parseStored(raw: string): StoredJob {
  const stored = JSON.parse(raw) as StoredJob;
  return { ...stored, job: { ...RECORD_DEFAULTS, ...stored.job } };
}
