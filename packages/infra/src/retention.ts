import type { JobStore } from './job-store.js';
import { storageKeys, type Storage } from './storage/index.js';

/**
 * Deletes jobs (record and files) that ended more than `retentionHours` ago. Safe to run from several
 * processes at once: deleting twice is harmless. Returns how many jobs were removed.
 */
export async function purgeExpiredJobs(
  jobStore: JobStore,
  storage: Storage,
  retentionHours: number,
  now: Date = new Date(),
): Promise<number> {
  if (retentionHours <= 0) return 0;
  const before = new Date(now.getTime() - retentionHours * 3_600_000);
  let removed = 0;
  for (;;) {
    const ids = await jobStore.completedBefore(before, 100);
    if (ids.length === 0) return removed;
    for (const id of ids) {
      await storage.delete(storageKeys.job(id));
      await jobStore.delete(id);
      removed += 1;
    }
  }
}
