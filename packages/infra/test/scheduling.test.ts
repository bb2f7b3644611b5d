import { describe, expect, it } from 'vitest';
import { fairQueuePriority } from '@neural-style/infra';

const none = { low: 0, normal: 0, high: 0 };

describe('fairQueuePriority', () => {
  it('ranks a job among its tenant’s active jobs, so every tenant’s next job competes at rank 0', () => {
    const burst = Array.from({ length: 5 }, (_, queued) =>
      fairQueuePriority('normal', { ...none, normal: queued }),
    );
    expect(burst).toEqual([...burst].sort((a, b) => a - b));
    expect(fairQueuePriority('normal', none)).toBe(burst[0]);
    expect(fairQueuePriority('normal', none)).toBeLessThan(burst[1]!);
  });

  it('puts a high job ahead of its tenant’s normal and low ones, and low ones last', () => {
    const busy = { low: 4, normal: 10, high: 1 };
    expect(fairQueuePriority('high', busy)).toBeLessThan(fairQueuePriority('normal', { ...none, normal: 1 }));
    expect(fairQueuePriority('low', busy)).toBeGreaterThan(fairQueuePriority('normal', busy));
    // Within one rank the class decides.
    expect(fairQueuePriority('high', none)).toBeLessThan(fairQueuePriority('normal', none));
    expect(fairQueuePriority('normal', none)).toBeLessThan(fairQueuePriority('low', none));
  });

  it('stays within BullMQ’s priority range', () => {
    expect(fairQueuePriority('low', { low: 1e9, normal: 0, high: 0 })).toBe(2_097_152);
  });
});
