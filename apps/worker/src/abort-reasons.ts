/**
 * Why the parent aborted a running job; the reason travels to the sandboxed child as the AbortSignal's
 * reason, and the child reacts differently to each.
 */
export const ABORT_REASONS = {
  /** The API canceled the job: stop and record it as canceled. */
  canceled: 'canceled',
  /** The worker is shutting down: hand the job back to the queue; another worker resumes it. */
  shutdown: 'shutdown',
  /** This worker lost the job's lock (another worker took it over): stop without touching the record. */
  lockLost: 'lock-lost',
} as const;
