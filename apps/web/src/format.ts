import type { Job } from '@neural-style/contract';

/** One line for a job's state: "Queued · 2 jobs ahead · starts about 14:05", "Done in 3 min 5 s", … */
export function statusText(job: Job): string {
  switch (job.status) {
    case 'queued': {
      const ahead = job.queuePosition;
      const parts = ['Queued'];
      if (typeof ahead === 'number')
        parts.push(ahead === 0 ? 'next in line' : `${ahead} ${ahead === 1 ? 'job' : 'jobs'} ahead`);
      if (job.estimatedStartAt) parts.push(`starts about ${formatClock(job.estimatedStartAt)}`);
      return parts.join(' · ');
    }
    case 'running':
      return 'Painting…';
    case 'succeeded': {
      const seconds = job.metrics?.runMs ? job.metrics.runMs / 1000 : undefined;
      return seconds === undefined ? 'Done' : `Done in ${formatDuration(seconds)}`;
    }
    case 'failed':
      return 'Failed';
    case 'canceled':
      return 'Canceled';
  }
}

export function formatDuration(seconds: number): string {
  const total = Math.max(1, Math.round(seconds));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  return minutes < 60
    ? `${minutes} min ${total % 60} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatClock(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
