import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine.js';
import { randomVggWeights, trackWasmTensorBytes } from '../src/testing.js';
import { planJob, planningLimits, resolveOptions, type StyleOptionsInput } from '@neural-style/vocabulary';
import { halfMask, makeImage } from './fixtures.js';

/**
 * The plan's memory estimate against the peak of tensor data the wasm heap really held during the run
 * (its malloc/free calls, tracked in-process), for plans of different widths, sizes, optimizers and tilings.
 */
const cases: {
  name: string;
  widths: number[];
  options: StyleOptionsInput;
  tiled?: boolean;
  masked?: boolean;
}[] = [
  { name: 'tiny network, L-BFGS', widths: [4, 6, 8, 8, 8], options: { size: 96, iterations: 6 } },
  {
    name: 'wider network, L-BFGS with a full history',
    widths: [16, 32, 64, 128, 128],
    options: { size: 128, iterations: 12, lbfgsHistory: 8 },
  },
  {
    name: 'wider network, Adam',
    widths: [16, 32, 64, 128, 128],
    options: { size: 160, iterations: 3, optimizer: 'adam' },
  },
  {
    name: 'wider network, tiled',
    widths: [16, 32, 64, 128, 128],
    options: { size: 480, iterations: 2 },
    tiled: true,
  },
  {
    name: 'wider network, two styles on masks',
    widths: [16, 32, 64, 128, 128],
    options: { size: 160, iterations: 4, lbfgsHistory: 4 },
    masked: true,
  },
  {
    name: 'wider network, two styles on masks, tiled',
    widths: [16, 32, 64, 128, 128],
    options: { size: 480, iterations: 2 },
    tiled: true,
    masked: true,
  },
];

describe('the memory estimate', () => {
  it.each(cases)(
    'is within 25% of the measured peak: $name',
    async ({ widths, options, tiled, masked }) => {
      // A budget just below the untiled estimate makes the plan tile the pass.
      const untiled = planJob(
        resolveOptions(options),
        {
          content: { width: 160, height: 120 },
          styles: masked
            ? [128, 96].map((side) => ({ width: side, height: side }))
            : [{ width: 128, height: 128 }],
          masks: masked ? 2 : 0,
        },
        planningLimits('wasm', Infinity, 'no budget', { widths }),
        { widths },
      );
      const budget = tiled ? untiled.peak.totalBytes - 1 : undefined;
      const engine = await createEngine({
        weights: randomVggWeights({ seed: 2, widths }),
        backend: 'wasm',
        ...(budget !== undefined && { memoryBudget: { bytes: budget, name: 'the test budget' } }),
      });
      try {
        const inputs = {
          content: await makeImage(160, 120, 0),
          styles: masked
            ? [
                { image: await makeImage(128, 128, 3), mask: await halfMask(160, 120, 'left') },
                { image: await makeImage(96, 96, 4), mask: await halfMask(160, 120, 'right') },
              ]
            : [{ image: await makeImage(128, 128, 3) }],
        };
        const before = tf.memory().numTensors;
        const tracker = trackWasmTensorBytes();
        let plan: Awaited<ReturnType<typeof engine.stylize>>['plan'];
        try {
          plan = (await engine.stylize(inputs, options)).plan;
        } finally {
          tracker.stop();
        }
        expect(tf.memory().numTensors).toBe(before);
        const measured = tracker.peak();
        const estimated = plan.peak.tensorBytes;
        expect(plan.passes.at(-1)!.tiles !== undefined).toBe(tiled === true);
        expect(estimated / measured).toBeGreaterThan(0.75);
        expect(estimated / measured).toBeLessThan(1.25);
      } finally {
        engine.dispose();
      }
    },
    300_000,
  );
});
