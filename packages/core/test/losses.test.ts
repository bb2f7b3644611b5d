import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentLoss } from '../src/losses/content.js';
import { gramMatrix } from '../src/losses/gram.js';
import { styleLayerLoss } from '../src/losses/style.js';
import { totalVariationLoss } from '../src/losses/total-variation.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// A 1x2x2x2 feature map: positions p1..p4 with channel vectors (1,2), (3,4), (0,1), (2,0).
const features = () => tf.tensor4d([1, 2, 3, 4, 0, 1, 2, 0], [1, 2, 2, 2]);

describe('losses on hand-computed values', () => {
  it('Gram matrix is FᵀF divided by the number of positions', () => {
    // c0·c0 = 1+9+0+4 = 14, c0·c1 = 2+12+0+0 = 14, c1·c1 = 4+16+1+0 = 21; M = 4.
    expect(Array.from(gramMatrix(features()).dataSync())).toEqual([14 / 4, 14 / 4, 14 / 4, 21 / 4]);
  });

  it('content loss is half the summed squared difference', () => {
    const target = tf.tensor4d([0, 2, 3, 1, 0, 1, 2, 2], [1, 2, 2, 2]);
    // differences 1, 0, 0, 3, 0, 0, 0, -2 -> squares sum 14 -> 7
    expect(contentLoss(features(), target).dataSync()[0]).toBeCloseTo(7, 6);
  });

  it('style layer loss is Σ(G − A)² / (4 N²) on position-normalised Grams', () => {
    const target = tf.tensor2d([3, 3, 3, 5], [2, 2]);
    // G − A = [0.5, 0.5; 0.5, 0.25] -> 0.25 + 0.25 + 0.25 + 0.0625 = 0.8125; N = 2 -> / 16
    expect(styleLayerLoss(features(), target).dataSync()[0]).toBeCloseTo(0.8125 / 16, 7);
  });

  it('style loss equals the paper formula Σ(Ĝ − Â)²/(4N²M²) with raw Grams', () => {
    const f = tf.randomNormal([1, 3, 5, 4], 0, 1, 'float32', 7) as tf.Tensor4D;
    const g = tf.randomNormal([1, 3, 5, 4], 0, 1, 'float32', 8) as tf.Tensor4D;
    const raw = (x: tf.Tensor4D) =>
      tf.matMul(tf.reshape(x, [15, 4]) as tf.Tensor2D, tf.reshape(x, [15, 4]) as tf.Tensor2D, true);
    const paper = tf.div(tf.sum(tf.squaredDifference(raw(f), raw(g))), 4 * 16 * 15 * 15).dataSync()[0]!;
    expect(styleLayerLoss(f, gramMatrix(g)).dataSync()[0]).toBeCloseTo(paper, 5);
  });

  it('total variation is half the summed squared neighbour differences', () => {
    // 2x3 single-channel image [[0, 1, 3], [2, 2, 2]]
    const image = tf.tensor4d([0, 1, 3, 2, 2, 2], [1, 2, 3, 1]);
    // vertical: 2, 1, -1 -> 4+1+1 = 6; horizontal: 1, 2, 0, 0 -> 1+4 = 5; ½·11
    expect(totalVariationLoss(image).dataSync()[0]).toBeCloseTo(5.5, 6);
  });
});
