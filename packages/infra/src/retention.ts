import type { JobStore } from './job-store.js';
import { storageKeys, type Storage } from './storage/index.js';

/**
 * Deletes jobs (record, files, webhook log) whose retention is over: each job's `expiresAt`, set when it
 * ended from its own retention or the server's (RETENTION_HOURS at creation). Safe to run from several
 * processes at once: deleting twice is harmless. Returns how many jobs were removed.
 */
export async function purgeExpiredJobs(
  jobStore: JobStore,
  storage: Storage,
  now: Date = new Date(),
): Promise<number> {
  let removed = 0;
  for (;;) {
    const ids = await jobStore.expiredBy(now, 100);
    if (ids.length === 0) return removed;
    for (const id of ids) {
      await storage.delete(storageKeys.job(id));
      await jobStore.delete(id);
      removed += 1;
    }
  }
}
