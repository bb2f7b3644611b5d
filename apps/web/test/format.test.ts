import type { Job } from '@neural-style/contract';
import { describe, expect, it } from 'vitest';
import { formatClock, formatDuration, statusText } from '../src/format.js';

const job = (fields: Partial<Job>): Job =>
  ({ status: 'queued', metrics: null, completedAt: null, ...fields }) as Job;

describe('status line', () => {
  it('says how many jobs are ahead and when it should start, when the server tells', () => {
    const startAt = '2026-12-01T14:05:00.000Z';
    expect(statusText(job({ queuePosition: 2, estimatedStartAt: startAt }))).toBe(
      `Queued · 2 jobs ahead · starts about ${formatClock(startAt)}`,
    );
    expect(statusText(job({ queuePosition: 1 }))).toBe('Queued · 1 job ahead');
    expect(statusText(job({ queuePosition: 0 }))).toBe('Queued · next in line');
    // A server without the queue-position feature.
    expect(statusText(job({}))).toBe('Queued');
  });

  it('gives the run time of a finished job', () => {
    const metrics = { queueMs: 0, runMs: 185_000, secondsPerIteration: 0.3, backend: 'wasm' };
    expect(statusText(job({ status: 'succeeded', metrics }))).toBe('Done in 3 min 5 s');
    expect(statusText(job({ status: 'failed' }))).toBe('Failed');
  });

  it('formats durations', () => {
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(59.6)).toBe('1 min 0 s');
    expect(formatDuration(3725)).toBe('1 h 2 min');
  });
});
