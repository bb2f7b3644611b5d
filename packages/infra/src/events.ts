import type { Redis } from 'ioredis';
import { JobEventSchema, type JobEvent } from '@neural-style/contract';

/** Channel of one job's changes (worker → API → SSE clients). */
export function jobEventsChannel(prefix: string, jobId: string): string {
  return `${prefix}:events:${jobId}`;
}

/** Channel on which the API broadcasts the ids of canceled jobs to every worker. */
export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}

export async function publishJobEvent(
  redis: Redis,
  prefix: string,
  jobId: string,
  event: JobEvent,
): Promise<void> {
  await redis.publish(jobEventsChannel(prefix, jobId), JSON.stringify(event));
}

export async function publishCancel(redis: Redis, prefix: string, jobId: string): Promise<void> {
  await redis.publish(cancelChannel(prefix), jobId);
}

/**
 * Calls `onCancel(jobId)` for every cancel broadcast. `subscriber` must be a connection used for nothing
 * else. Returns a function that unsubscribes.
 */
export async function subscribeCancels(
  subscriber: Redis,
  prefix: string,
  onCancel: (jobId: string) => void,
): Promise<() => Promise<void>> {
  const channel = cancelChannel(prefix);
  const listener = (from: string, message: string) => {
    if (from === channel) onCancel(message);
  };
  subscriber.on('message', listener);
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off('message', listener);
    await subscriber.unsubscribe(channel);
  };
}

export type JobEventListener = (jobId: string, event: JobEvent) => void;

/**
 * One subscriber connection for all job events of a process: a single pattern subscription
 * (`{prefix}:events:*`) fans out to per-job listeners (SSE streams, `Prefer: wait`) and to listeners of
 * every job (metrics). `subscriber` must be a connection used for nothing else.
 */
export class JobEventHub {
  private readonly subscriber: Redis;
  private readonly pattern: string;
  private readonly channelPrefix: string;
  private readonly byJob = new Map<string, Set<JobEventListener>>();
  private readonly everyJob = new Set<JobEventListener>();
  private started = false;

  constructor(subscriber: Redis, prefix: string) {
    this.subscriber = subscriber;
    this.channelPrefix = jobEventsChannel(prefix, '');
    // Redis glob syntax: escape the characters it treats specially so a prefix like "{app}" matches literally.
    this.pattern = `${this.channelPrefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.subscriber.on('pmessage', this.dispatch);
    await this.subscriber.psubscribe(this.pattern);
  }

  /** Listens to one job; returns the function that stops listening. */
  subscribe(jobId: string, listener: JobEventListener): () => void {
    let listeners = this.byJob.get(jobId);
    if (!listeners) {
      listeners = new Set();
      this.byJob.set(jobId, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.byJob.delete(jobId);
    };
  }

  subscribeAll(listener: JobEventListener): () => void {
    this.everyJob.add(listener);
    return () => this.everyJob.delete(listener);
  }

  async close(): Promise<void> {
    this.subscriber.off('pmessage', this.dispatch);
    if (this.started) await this.subscriber.punsubscribe(this.pattern).catch(() => undefined);
    this.byJob.clear();
    this.everyJob.clear();
  }

  private readonly dispatch = (pattern: string, channel: string, message: string): void => {
    if (pattern !== this.pattern) return;
    const jobId = channel.slice(this.channelPrefix.length);
    let event: JobEvent;
    try {
      event = JobEventSchema.parse(JSON.parse(message));
    } catch {
      return; // Not ours or malformed: a listener must never see an invalid event.
    }
    for (const listener of this.everyJob) listener(jobId, event);
    for (const listener of this.byJob.get(jobId) ?? []) listener(jobId, event);
  };
}
