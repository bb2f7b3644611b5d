import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradient functions; the union package's bundle does (and the cpu backend).
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import {
  QUANTILE_LEVELS,
  SLICED_WASSERSTEIN_SCALE,
  randomDirections,
  slicedWassersteinLoss,
  slicedWassersteinTarget,
} from '../src/losses/sliced-wasserstein.js';
import { createEngine } from '../src/engine.js';
import { randomVggWeights } from '../src/testing.js';
import { makeImage } from './fixtures.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['cpu', 'wasm'])('sliced Wasserstein loss (%s)', (backend) => {
  it('is zero for the same features, and compares sorted projections', async () => {
    await tf.setBackend(backend);
    const features = tf.randomNormal([1, 3, 4, 5], 0, 1, 'float32', 1) as tf.Tensor4D;
    // The same values at other positions: the same distribution, so no loss.
    const shuffled = tf.reverse(features, [1, 2]) as tf.Tensor4D;
    const directions = randomDirections(5, 2);
    const target = {
      directions,
      quantiles: slicedWassersteinTarget([{ features: shuffled, weight: 1 }], directions, 12),
    };
    expect(slicedWassersteinLoss(features, target).dataSync()[0]).toBeCloseTo(0, 5);
    const shifted = tf.add(features, 1) as tf.Tensor4D;
    const shiftedTarget = {
      directions,
      quantiles: slicedWassersteinTarget([{ features: shifted, weight: 1 }], directions, 12),
    };
    const columnSums = (tf.tidy(() => tf.sum(directions, 0)).arraySync() as number[]).map((sum) => sum * sum);
    // Shifting every feature by 1 shifts each projection by Σ_c v_c; sorting keeps the order.
    const expected = (SLICED_WASSERSTEIN_SCALE * columnSums.reduce((a, b) => a + b, 0)) / 5;
    expect(slicedWassersteinLoss(features, shiftedTarget).dataSync()[0]).toBeCloseTo(expected, 4);
    tf.dispose([features, shuffled, shifted, directions, target.quantiles, shiftedTarget.quantiles]);
  });

  it('resamples the style quantiles when the style has another number of positions', async () => {
    await tf.setBackend(backend);
    // Style: values 0..5 along one channel (6 positions); generated image: 11 positions.
    const style = tf.tensor4d([0, 1, 2, 3, 4, 5], [1, 2, 3, 1]);
    const directions = tf.tensor2d([[1]]);
    const quantiles = slicedWassersteinTarget([{ features: style, weight: 1 }], directions, 11);
    const values = Array.from(quantiles.dataSync());
    expect(values.map((v) => Number(v.toFixed(5)))).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]);
    tf.dispose([style, directions, quantiles]);
  });

  it('has the gradient of central finite differences', async () => {
    await tf.setBackend(backend);
    const features = tf.randomNormal([1, 4, 4, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const style = tf.randomNormal([1, 3, 5, 3], 1, 2, 'float32', 6) as tf.Tensor4D;
    const directions = randomDirections(3, 7);
    const target = {
      directions,
      quantiles: slicedWassersteinTarget([{ features: style, weight: 1 }], directions, 16),
    };
    const loss = (x: tf.Tensor) => slicedWassersteinLoss(x as tf.Tensor4D, target);
    const analytic = tf.grad(loss)(features).dataSync();
    const base = features.dataSync();
    const step = 1e-2;
    for (let index = 0; index < base.length; index++) {
      const at = (delta: number) =>
        tf.tidy(() => {
          const values = Float32Array.from(base);
          values[index]! += delta;
          return loss(tf.tensor4d(values, features.shape)).dataSync()[0]!;
        });
      const numeric = (at(step) - at(-step)) / (2 * step);
      expect(Math.abs(numeric - analytic[index]!)).toBeLessThan(1e-3 + 2e-2 * Math.abs(numeric));
    }
    expect(Array.from(analytic).some((value) => Math.abs(value) > 1e-4)).toBe(true);
    tf.dispose([features, style, directions, target.quantiles]);
  });
});

describe('sliced Wasserstein above QUANTILE_LEVELS positions (sampled ranks)', () => {
  it('stays near zero for the same distribution and near the exact value for a shifted one', async () => {
    await tf.setBackend('wasm');
    // 48·48 = 2304 positions > 1024 levels.
    const features = tf.randomNormal([1, 48, 48, 4], 0, 1, 'float32', 11) as tf.Tensor4D;
    const shuffled = tf.reverse(features, [1, 2]) as tf.Tensor4D;
    const shifted = tf.add(features, 0.5) as tf.Tensor4D;
    const directions = randomDirections(4, 12);
    const loss = (style: tf.Tensor4D) =>
      tf.tidy(() => {
        const quantiles = slicedWassersteinTarget([{ features: style, weight: 1 }], directions, 2304);
        expect(quantiles.shape).toEqual([4, QUANTILE_LEVELS]);
        return slicedWassersteinLoss(features, { directions, quantiles }).dataSync()[0]!;
      });
    const sums = tf.tidy(() => tf.sum(directions, 0)).dataSync();
    // Shifting by 0.5 shifts each projection by 0.5·Σ_c v_c.
    const exact = (SLICED_WASSERSTEIN_SCALE * Array.from(sums).reduce((a, b) => a + (0.5 * b) ** 2, 0)) / 4;
    expect(loss(shuffled)).toBeLessThan(exact / 20);
    expect(Math.abs(loss(shifted) - exact)).toBeLessThan(exact / 10);
    tf.dispose([features, shuffled, shifted, directions]);
  });
});

describe('stylize with styleLoss sliced-wasserstein', () => {
  it('lowers the loss, repeats with the same seed, and returns the tensor count to baseline', async () => {
    const engine = await createEngine({ weights: randomVggWeights({ seed: 5 }), backend: 'wasm' });
    try {
      const inputs = { content: await makeImage(40, 30, 0), styles: [{ image: await makeImage(32, 32, 3) }] };
      const options = { size: 32, iterations: 15, styleLoss: 'sliced-wasserstein', seed: 3 } as const;
      const before = tf.memory().numTensors;
      const run = async () => {
        const totals: number[] = [];
        await engine.stylize(inputs, options, {
          onProgress: (event) => void totals.push(event.losses.total),
        });
        return totals;
      };
      const first = await run();
      expect(tf.memory().numTensors).toBe(before);
      expect(first.at(-1)!).toBeLessThan(first[0]! / 2);
      expect(await run()).toEqual(first);
    } finally {
      engine.dispose();
    }
  });
});
