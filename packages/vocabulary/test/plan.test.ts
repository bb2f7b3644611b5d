import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MEMORY_BUDGET_BYTES,
  planJob,
  planningLimits,
  resolveOptions,
  StyleTransferError,
  tileExtent,
} from '../src/index.js';

const limits = planningLimits('wasm', DEFAULT_MEMORY_BUDGET_BYTES, 'the budget');
const images = { content: { width: 1024, height: 768 }, styles: [{ width: 800, height: 640 }] };

describe('planJob', () => {
  it('keeps small jobs in one untiled pass with the full history', () => {
    const plan = planJob(resolveOptions({ size: 256 }), images, limits);
    expect(plan.passes).toHaveLength(1);
    expect(plan.passes[0]).toMatchObject({ width: 256, height: 192, lbfgsHistory: 100 });
    expect(plan.passes[0]!.tiles).toBeUndefined();
  });

  it('goes coarse to fine and tiles by itself for large sizes, iterations halving per pass', () => {
    const plan = planJob(resolveOptions({ size: 3000 }), images, limits);
    expect(plan.passes.map((pass) => [pass.longSide, pass.iterations])).toEqual([
      [375, 500],
      [750, 250],
      [1500, 125],
      [3000, 63],
    ]);
    const last = plan.passes.at(-1)!;
    expect(last.tiles).toBeDefined();
    expect(tileExtent(last.tiles!, last).width).toBeLessThan(last.width);
    expect(last.lbfgsHistory).toBeLessThanOrEqual(63);
    expect(plan.peak.totalBytes).toBeLessThanOrEqual(limits.totalBytes);
    expect(plan.peak.tensorBytes).toBeLessThanOrEqual(limits.tensorBytes);
  });

  it('plans every extreme the schema accepts within the limits, or refuses it with MEMORY_LIMIT', () => {
    for (const optimizer of ['lbfgs', 'adam'] as const) {
      for (const lbfgsHistory of [1, 100, 1000]) {
        for (const styleScale of [0.25, 1, 4]) {
          for (const iterations of [1, 10_000]) {
            const options = resolveOptions({ size: 4096, optimizer, lbfgsHistory, styleScale, iterations });
            try {
              const plan = planJob(options, images, limits);
              expect(plan.peak.totalBytes).toBeLessThanOrEqual(limits.totalBytes);
              expect(plan.peak.tensorBytes).toBeLessThanOrEqual(limits.tensorBytes);
            } catch (error) {
              expect(error).toBeInstanceOf(StyleTransferError);
              expect((error as StyleTransferError).code).toBe('MEMORY_LIMIT');
              expect((error as StyleTransferError).message).toMatch(/over the budget of .*; lower size/);
            }
          }
        }
      }
    }
    // The default job at the maximum size fits.
    expect(planJob(resolveOptions({ size: 4096 }), images, limits).passes.at(-1)!.tiles).toBeDefined();
  });
});
