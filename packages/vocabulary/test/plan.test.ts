import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MEMORY_BUDGET_BYTES,
  ESTIMATE_MARGIN,
  estimatePassMemory,
  fitLongSide,
  planJob,
  planningLimits,
  remainingSeconds,
  resolveOptions,
  StyleTransferError,
  tileExtent,
  type PlannedPass,
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

  it('goes coarse to fine and tiles by itself for large sizes, iterations falling 3× per pass', () => {
    const plan = planJob(resolveOptions({ size: 3000 }), images, limits);
    expect(plan.passes.map((pass) => [pass.longSide, pass.iterations])).toEqual([
      [375, 500],
      [750, 167],
      [1500, 56],
      [3000, 19],
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

describe('the wasm heap never shrinks', () => {
  const options = resolveOptions({ size: 4096 });
  /** The pass's own estimate, as if it ran in a fresh process. */
  const own = (pass: PlannedPass) =>
    estimatePassMemory(options, {
      image: pass,
      styles: images.styles.map((style) => fitLongSide(style, pass.longSide)),
      tile: pass.tiles ? tileExtent(pass.tiles, pass) : pass,
      tileCount: pass.tiles ? pass.tiles.columns * pass.tiles.rows : 1,
      lbfgsHistory: pass.lbfgsHistory,
    });
  const host = (pass: PlannedPass) => own(pass).totalBytes - own(pass).tensorBytes;

  it("counts the largest tensor peak so far in each pass's total, and plans earlier passes to fit beside later ones", () => {
    const plan = planJob(options, images, limits);
    let highWater = 0;
    for (const [i, pass] of plan.passes.entries()) {
      highWater = Math.max(highWater, pass.memory.tensorBytes);
      expect(pass.memory.tensorBytes).toBe(own(pass).tensorBytes);
      expect(pass.memory.totalBytes).toBe(host(pass) + highWater);
      for (const earlier of plan.passes.slice(0, i)) {
        expect(earlier.memory.tensorBytes + host(pass)).toBeLessThanOrEqual(limits.totalBytes);
      }
    }
    // A share of the budget stays free for the estimate's own error.
    expect(plan.peak.totalBytes).toBeLessThanOrEqual(limits.totalBytes * (1 - ESTIMATE_MARGIN));
    // Planned as the last pass, the 2048-px pass keeps more (tiles or pairs) than the 4096-px pass leaves it.
    const alone = planJob(resolveOptions({ size: 2048 }), images, limits).passes.at(-1)!;
    const within = plan.passes.find((pass) => pass.longSide === 2048)!;
    expect(alone.memory.tensorBytes + host(plan.passes.at(-1)!)).toBeGreaterThan(limits.totalBytes);
    expect(within.memory.tensorBytes).toBeLessThan(alone.memory.tensorBytes);
  });

  it('keeps each pass its own estimate where tensor memory is freed (tfjs-node)', () => {
    const native = planningLimits('tensorflow', DEFAULT_MEMORY_BUDGET_BYTES, 'the budget');
    for (const pass of planJob(options, images, native).passes) {
      expect(pass.memory).toEqual(own(pass));
    }
  });
});

describe('remainingSeconds', () => {
  it('counts every pass left, each at the running pass speed scaled by the pixels it processes', () => {
    const plan = planJob(resolveOptions({ size: 512, multiscale: true }), images, limits);
    expect(plan.passes.map((pass) => [pass.width, pass.iterations])).toEqual([
      [256, 500],
      [512, 167],
    ]);
    // 100 of the first pass's 500 iterations done at 1 s each: 400 s of it left, then 167 at 4× its pixels.
    expect(remainingSeconds(plan, 100, 1)).toBeCloseTo(400 + 167 * 4, 6);
    // The first pass's last iteration at 1 s: its speed, not the next pass's, scales the 167 left.
    expect(remainingSeconds(plan, 500, 1)).toBeCloseTo(167 * 4, 6);
    // In the second pass, at 4 s per iteration: only its own 67 left.
    expect(remainingSeconds(plan, 600, 4)).toBeCloseTo(67 * 4, 6);
    expect(remainingSeconds(plan, 667, 4)).toBe(0);
  });
});
