import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MEMORY_BUDGET_BYTES,
  planJob,
  planningLimits,
  remainingSeconds,
  resolveOptions,
  StyleTransferError,
  tileExtent,
} from '../src/index.js';

const limits = planningLimits('wasm', DEFAULT_MEMORY_BUDGET_BYTES, 'the budget');
const images = { content: { width: 1024, height: 768 }, styles: [{ width: 800, height: 640 }] };

describe('planJob', () => {
  it('keeps small jobs in one untiled pass with the full history', () => {
    const plan = planJob(resolveOptions({ size: 256, lbfgsHistory: 100 }), images, limits);
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

describe('remainingSeconds', () => {
  it('counts every pass left, each at the running pass speed scaled by the pixels it processes', () => {
    const plan = planJob(resolveOptions({ size: 512, multiscale: true }), images, limits);
    expect(plan.passes.map((pass) => [pass.width, pass.iterations])).toEqual([
      [256, 500],
      [512, 250],
    ]);
    // 100 of the first pass's 500 iterations done at 1 s each: 400 s of it left, then 250 at 4× its pixels.
    expect(remainingSeconds(plan, 100, 1)).toBeCloseTo(400 + 250 * 4, 6);
    // In the second pass, at 4 s per iteration: only its own 150 left.
    expect(remainingSeconds(plan, 600, 4)).toBeCloseTo(150 * 4, 6);
    expect(remainingSeconds(plan, 750, 4)).toBe(0);
  });
});
