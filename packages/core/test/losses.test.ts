import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentLoss } from '../src/losses/content.js';
import { gramMatrix, maskedGramMatrix } from '../src/losses/gram.js';
import { styleLayerLoss } from '../src/losses/style.js';
import { totalVariationLoss } from '../src/losses/total-variation.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// A 1x2x2x2 feature map: positions p1..p4 with channel vectors (1,2), (3,4), (0,1), (2,0).
const features = () => tf.tensor4d([1, 2, 3, 4, 0, 1, 2, 0], [1, 2, 2, 2]);

describe('losses on hand-computed values', () => {
  it('Gram matrix is FᵀF divided by channels × positions', () => {
    // c0·c0 = 1+9+0+4 = 14, c0·c1 = 2+12+0+0 = 14, c1·c1 = 4+16+1+0 = 21; N·M = 2·4.
    expect(Array.from(gramMatrix(features()).dataSync())).toEqual([14 / 8, 14 / 8, 14 / 8, 21 / 8]);
  });

  it('masked Gram is (F·m)ᵀ(F·m) divided by channels × Σm', () => {
    // m = (1, 0, 0.5, 1): rows (1,2), (0,0), (0,0.5), (2,0); Σm = 2.5.
    const mask = { weights: tf.tensor2d([1, 0, 0.5, 1], [4, 1]), sum: 2.5 };
    // c0·c0 = 1+4 = 5, c0·c1 = 2, c1·c1 = 4+0.25 = 4.25; / (2·2.5)
    const values = Array.from(maskedGramMatrix(features(), mask).dataSync());
    [5 / 5, 2 / 5, 2 / 5, 4.25 / 5].forEach((expected, i) => expect(values[i]).toBeCloseTo(expected, 6));
  });

  it('content loss is the mean squared difference', () => {
    const target = tf.tensor4d([0, 2, 3, 1, 0, 1, 2, 2], [1, 2, 2, 2]);
    // differences 1, 0, 0, 3, 0, 0, 0, -2 -> squares sum 14 over 8 values
    expect(contentLoss(features(), target).dataSync()[0]).toBeCloseTo(14 / 8, 6);
  });

  it('style layer loss is the mean of (G − A)² over the N² Gram entries', () => {
    const target = tf.tensor2d([1.5, 1.5, 1.5, 2.5], [2, 2]);
    // G − A = [0.25, 0.25; 0.25, 0.125] -> 3·0.0625 + 0.015625 = 0.203125 over 4 entries
    expect(styleLayerLoss(features(), target).dataSync()[0]).toBeCloseTo(0.203125 / 4, 7);
  });

  it('losses do not grow with the image size: a tiled feature map has the same losses', () => {
    const f = tf.randomNormal([1, 3, 5, 4], 0, 1, 'float32', 7) as tf.Tensor4D;
    const g = tf.randomNormal([1, 3, 5, 4], 0, 1, 'float32', 8) as tf.Tensor4D;
    // The same picture four times over: four times the positions, the same statistics.
    const tiled = (x: tf.Tensor4D) => tf.tile(x, [1, 2, 2, 1]) as tf.Tensor4D;
    expect(contentLoss(tiled(f), tiled(g)).dataSync()[0]).toBeCloseTo(contentLoss(f, g).dataSync()[0]!, 5);
    expect(styleLayerLoss(tiled(f), gramMatrix(g)).dataSync()[0]).toBeCloseTo(
      styleLayerLoss(f, gramMatrix(g)).dataSync()[0]!,
      5,
    );
  });

  it('style loss is the paper formula Σ(Ĝ − Â)²/(4N²M²) on raw Grams, times 4/N²', () => {
    const f = tf.randomNormal([1, 3, 5, 4], 0, 1, 'float32', 7) as tf.Tensor4D;
    const g = tf.randomNormal([1, 3, 5, 4], 0, 1, 'float32', 8) as tf.Tensor4D;
    const raw = (x: tf.Tensor4D) =>
      tf.matMul(tf.reshape(x, [15, 4]) as tf.Tensor2D, tf.reshape(x, [15, 4]) as tf.Tensor2D, true);
    const paper = tf.div(tf.sum(tf.squaredDifference(raw(f), raw(g))), 4 * 16 * 15 * 15).dataSync()[0]!;
    // Ours: Σ(Ĝ − Â)² / (N²·N²M²) = paper · 4 / N².
    expect(styleLayerLoss(f, gramMatrix(g)).dataSync()[0]).toBeCloseTo((paper * 4) / 16, 5);
  });

  it('total variation is the summed squared neighbour differences per pixel', () => {
    // 2x3 single-channel image [[0, 1, 3], [2, 2, 2]]
    const image = tf.tensor4d([0, 1, 3, 2, 2, 2], [1, 2, 3, 1]);
    // vertical: 2, 1, -1 -> 4+1+1 = 6; horizontal: 1, 2, 0, 0 -> 1+4 = 5; 11 over 6 pixels
    expect(totalVariationLoss(image).dataSync()[0]).toBeCloseTo(11 / 6, 6);
  });
});
