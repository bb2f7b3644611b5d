import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StyleLossName } from '@neural-style/vocabulary';
import {
  computeTargets,
  disposeTargets,
  lossTerms,
  styleObjective,
  type StyleSource,
} from '../src/losses/objective.js';
import { randomVggWeights } from '../src/testing.js';
import { Vgg19, type Pooling } from '../src/vgg19/network.js';
import { paperLayers, testLossWeights } from './fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const layers = paperLayers;

interface Case {
  name: string;
  pooling: Pooling;
  styleLoss: StyleLossName;
  masked: boolean;
}

const cases: Case[] = [
  { name: 'Gram, avg pooling', pooling: 'avg', styleLoss: 'gram', masked: false },
  { name: 'Gram, max pooling', pooling: 'max', styleLoss: 'gram', masked: false },
  {
    name: 'masked Gram (two styles, soft masks, a style mask)',
    pooling: 'avg',
    styleLoss: 'gram',
    masked: true,
  },
  { name: 'sliced Wasserstein', pooling: 'avg', styleLoss: 'sliced-wasserstein', masked: false },
];

/** A soft left-to-right ramp [1, 16, 16, 1] and its complement. */
function ramps(): [tf.Tensor4D, tf.Tensor4D] {
  const ramp = tf.tidy(() => tf.tile(tf.reshape(tf.linspace(0, 1, 16), [1, 1, 16, 1]), [1, 16, 1, 1]));
  return [ramp as tf.Tensor4D, tf.sub(1, ramp) as tf.Tensor4D];
}

describe.each(cases)('gradient of the total loss ($name)', ({ pooling, styleLoss, masked }) => {
  it('matches central finite differences', () => {
    const network = new Vgg19(randomVggWeights({ seed: 3, widths: [3, 4, 4, 5, 5] }));
    const content = tf.randomUniform([1, 16, 16, 3], -100, 100, 'float32', 1) as tf.Tensor4D;
    const style = tf.randomUniform([1, 16, 16, 3], -100, 100, 'float32', 2) as tf.Tensor4D;
    const second = tf.randomUniform([1, 16, 16, 3], -50, 150, 'float32', 4) as tf.Tensor4D;
    const [left, right] = ramps();
    const styles: StyleSource[] = masked
      ? [
          { image: style, weight: 1, mask: left, styleMask: right },
          { image: second, weight: 2, mask: right },
        ]
      : [{ image: style, weight: 1 }];
    const targets = computeTargets(network, content, styles, layers, pooling, { styleLoss, seed: 5 });
    const x = tf.randomUniform([1, 16, 16, 3], -100, 100, 'float32', 3) as tf.Tensor4D;
    // β such that content and style weigh the same here: the check then covers both gradients.
    const unweighted = tf.tidy(() =>
      lossTerms(network, x, targets, { ...testLossWeights, content: 1, style: 1 }, pooling).dataSync(),
    );
    const weights = {
      ...testLossWeights,
      style: (testLossWeights.content * unweighted[0]!) / unweighted[1]!,
    };
    const { grad, losses } = styleObjective(network, targets, weights, pooling)(x);
    const analytic = grad.dataSync();
    const base = x.dataSync();
    const total = (values: Float32Array) =>
      tf.tidy(
        () => lossTerms(network, tf.tensor4d(values, x.shape), targets, weights, pooling).dataSync()[3]!,
      );
    // Float32 finite differences: a step of 0.5 on the 0..255 scale keeps rounding noise far below the
    // gradients compared.
    const step = 0.5;
    const checked = [0, 5, 100, 383, 500, 767];
    // Max pooling is piecewise linear: a finite step can cross a switch of some window's argmax; so can
    // the sorting of sliced Wasserstein (a projection passing another).
    const tolerance = pooling === 'max' || styleLoss === 'sliced-wasserstein' ? 5e-2 : 5e-3;
    for (const index of checked) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[index]! += step;
      minus[index]! -= step;
      const numeric = (total(plus) - total(minus)) / (2 * step);
      expect(Math.abs(numeric - analytic[index]!)).toBeLessThan(tolerance * Math.max(1, Math.abs(numeric)));
    }
    expect(analytic.some((value) => Math.abs(value) > 1e-3)).toBe(true);
    tf.dispose([grad, losses, content, style, second, left, right, x]);
    disposeTargets(targets);
    network.dispose();
  });
});
