import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs's own matMul gradient, which the reference path below needs.
import '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { relativeError } from './fixtures.js';
import { gram } from '../src/ops/gram.js';

// wasm runs its oneDNN kernels where they are built, XNNPACK's with oneDnn: false.
describe.each([
  { label: 'wasm', backend: 'wasm', oneDnn: true },
  { label: 'wasm without oneDNN', backend: 'wasm', oneDnn: false },
  { label: 'cpu', backend: 'cpu', oneDnn: false },
] as const)('gram on $label', ({ backend, oneDnn }) => {
  it('equals FᵀF on a hand-computed case', async () => {
    await selectBackend(backend, { oneDnn });
    const features = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(Array.from(gram(features).dataSync())).toEqual([35, 44, 44, 56]);
    features.dispose();
  });

  it.each([
    [63, 5],
    [40, 17],
  ])(
    'matches matMul(F, F, true) and its gradient for %i positions × %i channels',
    async (positions, channels) => {
      await selectBackend(backend, { oneDnn });
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const features = tf.randomNormal([positions, channels], 0, 1, 'float32', 5) as tf.Tensor2D;
        // An asymmetric upstream gradient checks the dG + dGᵀ term.
        const upstream = tf.randomNormal([channels, channels], 0, 1, 'float32', 6);
        const reference = (f: tf.Tensor2D) => tf.matMul(f, f, true, false);
        expect(relativeError(gram(features), reference(features))).toBeLessThan(1e-5);
        const gradient = (g: (f: tf.Tensor2D) => tf.Tensor2D) =>
          tf.grad((f: tf.Tensor2D) => tf.sum(tf.mul(g(f), upstream)))(features);
        expect(relativeError(gradient(gram), gradient(reference))).toBeLessThan(1e-5);
      });
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
