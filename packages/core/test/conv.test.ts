import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs's own gradients (conv2d, add, relu), which the reference path below needs.
import '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { relativeError } from './fixtures.js';
import { convBiasRelu, convInputGradient, prepareConv, reluMask } from '../src/ops/conv.js';

const shapes = [
  { batch: 1, height: 7, width: 9, inChannels: 3, outChannels: 8 },
  { batch: 2, height: 5, width: 5, inChannels: 6, outChannels: 4 },
  { batch: 1, height: 16, width: 11, inChannels: 16, outChannels: 16 },
];

// wasm runs its oneDNN kernels where they are built, XNNPACK's with oneDnn: false.
describe.each([
  { label: 'wasm', backend: 'wasm', oneDnn: true },
  { label: 'wasm without oneDNN', backend: 'wasm', oneDnn: false },
  { label: 'cpu', backend: 'cpu', oneDnn: false },
] as const)('convBiasRelu and convInputGradient on $label', ({ backend, oneDnn }) => {
  it.each(shapes)(
    'match relu(conv2d + bias) and its input gradient at $batch×$height×$width×$inChannels→$outChannels',
    async (shape) => {
      await selectBackend(backend, { oneDnn });
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const { batch, height, width, inChannels, outChannels } = shape;
        const x = tf.randomNormal([batch, height, width, inChannels], 0, 1, 'float32', 1) as tf.Tensor4D;
        const kernel = tf.randomNormal([3, 3, inChannels, outChannels], 0, 0.5, 'float32', 2) as tf.Tensor4D;
        const bias = tf.randomNormal([outChannels], 0, 0.5, 'float32', 3) as tf.Tensor1D;
        // A random upstream gradient, so that every output element weighs differently.
        const upstream = tf.randomNormal(
          [batch, height, width, outChannels],
          0,
          1,
          'float32',
          4,
        ) as tf.Tensor4D;
        const conv = prepareConv(kernel, bias);

        const reference = (input: tf.Tensor4D) => tf.relu(tf.add(tf.conv2d(input, kernel, 1, 'same'), bias));
        const expected = reference(x);
        const output = convBiasRelu(x, conv);
        // Some outputs must be clipped by the ReLU, or its gradient mask would go untested.
        expect(tf.min(expected).dataSync()[0]).toBe(0);
        expect(relativeError(output, expected)).toBeLessThan(1e-5);

        const autodiff = tf.grad((input: tf.Tensor4D) => tf.sum(tf.mul(reference(input), upstream)))(x);
        const mask = reluMask(output);
        expect(mask.dtype).toBe('bool');
        expect(Array.from(mask.dataSync())).toEqual(Array.from(tf.greater(output, 0).dataSync()));
        expect(relativeError(convInputGradient(upstream, mask, conv), autodiff)).toBeLessThan(1e-5);
        conv.dispose();
      });
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('rejects kernels whose rotation would not give the input gradient', async () => {
    await selectBackend(backend, { oneDnn });
    const kernel = tf.zeros([2, 2, 1, 1]) as tf.Tensor4D;
    const bias = tf.zeros([1]) as tf.Tensor1D;
    expect(() => prepareConv(kernel, bias)).toThrow('odd square kernel, got 2x2');
    tf.dispose([kernel, bias]);
  });
});
