import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeTargets, disposeTargets, lossTerms, styleObjective } from '../src/losses/objective.js';
import { randomVggWeights } from '../src/testing.js';
import { Vgg19, type Pooling } from '../src/vgg19/network.js';
import { paperLayers, testLossWeights } from './fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const layers = paperLayers;
const weights = testLossWeights;

describe.each<Pooling>(['avg', 'max'])('gradient of the total loss (%s pooling)', (pooling) => {
  it('matches central finite differences', () => {
    const network = new Vgg19(randomVggWeights({ seed: 3, widths: [3, 4, 4, 5, 5] }));
    const content = tf.randomUniform([1, 16, 16, 3], -100, 100, 'float32', 1) as tf.Tensor4D;
    const style = tf.randomUniform([1, 16, 16, 3], -100, 100, 'float32', 2) as tf.Tensor4D;
    const targets = computeTargets(network, content, [{ image: style, weight: 1 }], layers, pooling);
    const x = tf.randomUniform([1, 16, 16, 3], -100, 100, 'float32', 3) as tf.Tensor4D;
    const { grad, losses } = styleObjective(network, targets, weights, pooling)(x);
    const analytic = grad.dataSync();
    const base = x.dataSync();
    const total = (values: Float32Array) =>
      tf.tidy(
        () => lossTerms(network, tf.tensor4d(values, x.shape), targets, weights, pooling).dataSync()[3]!,
      );
    // Float32 finite differences: with losses around 1e6 a step of 0.5 on the 0..255 scale keeps rounding
    // noise (~0.1) far below the gradients compared.
    const step = 0.5;
    const checked = [0, 5, 100, 383, 500, 767];
    // Max pooling is piecewise linear: a finite step can cross a switch of some window's argmax.
    const tolerance = pooling === 'max' ? 5e-2 : 5e-3;
    for (const index of checked) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[index]! += step;
      minus[index]! -= step;
      const numeric = (total(plus) - total(minus)) / (2 * step);
      expect(Math.abs(numeric - analytic[index]!)).toBeLessThan(tolerance * Math.max(1, Math.abs(numeric)));
    }
    expect(analytic.some((value) => Math.abs(value) > 1e-3)).toBe(true);
    tf.dispose([grad, losses, content, style, x]);
    disposeTargets(targets);
    network.dispose();
  });
});
