import { describe, expect, it } from 'vitest';
import { DurationSchema, parseDurationSeconds } from '../src/duration.js';

describe('parseDurationSeconds', () => {
  it('reads units, combinations and bare seconds', () => {
    expect(['90s', '5m', '1h', '1h30m', '2d', '3600', ' 7D '].map(parseDurationSeconds)).toEqual([
      90, 300, 3600, 5400, 172_800, 3600, 604_800,
    ]);
  });

  it('refuses anything else', () => {
    for (const text of ['', 'h', '1.5h', '-5m', '5 m', '30m1h', '1w', 'soon']) {
      expect(parseDurationSeconds(text), text).toBeUndefined();
    }
    expect(DurationSchema.safeParse('0').success).toBe(false);
    expect(DurationSchema.parse('2m')).toBe(120);
  });
});
