import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs's own gradients (conv2d, relu, pools), which the reference network below needs.
import '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { randomVggWeights } from '../src/testing.js';
import { Vgg19, type Pooling } from '../src/vgg19/network.js';
import { paperLayers, relativeError } from './fixtures.js';

const weights = randomVggWeights({ seed: 9, widths: [4, 6, 8, 8, 8] });
const layers = [...paperLayers.style, ...paperLayers.content];

/** VGG19 from tfjs's own ops, differentiated by tfjs's tape: what the hand-written backward must match. */
function referenceFeatures(input: tf.Tensor4D, pooling: Pooling): Map<string, tf.Tensor4D> {
  const out = new Map<string, tf.Tensor4D>();
  let x = input;
  for (const [i, layer] of weights.entries()) {
    const kernel = tf.tensor4d(layer.kernel, layer.shape);
    x = tf.relu(tf.add(tf.conv2d(x, kernel, 1, 'same'), tf.tensor1d(layer.bias)));
    out.set(layer.name, x);
    if (layer.name === 'conv5_1') break;
    if (weights[i + 1]!.name[4] !== layer.name[4]) {
      x = pooling === 'max' ? tf.maxPool(x, 2, 2, 'valid') : tf.avgPool(x, 2, 2, 'valid');
    }
  }
  return out;
}

describe.each([
  { backend: 'wasm', pooling: 'avg' },
  { backend: 'wasm', pooling: 'max' },
  { backend: 'cpu', pooling: 'avg' },
] as const)('Vgg19.valueAndGrad on $backend, $pooling pooling', ({ backend, pooling }) => {
  it('matches tfjs autodiff, odd sizes included, and leaves no tensor behind', async () => {
    await selectBackend(backend);
    const network = new Vgg19(weights);
    // 37×27: every pool drops a last odd row or column somewhere (37 → 18 → 9 → 4 → 2, 27 → 13 → 6 → 3 → 1).
    const input = tf.randomNormal([1, 27, 37, 3], 0, 50, 'float32', 1) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    // A random weighting of every loss layer's features and of the input, so every path carries gradient.
    const upstream = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
    const loss = (features: Map<string, tf.Tensor4D>, image: tf.Tensor4D) =>
      tf.tidy(() => {
        let total = tf.sum(tf.mul(image, upstream(image.shape, 2)));
        for (const [k, layer] of layers.entries()) {
          const map = features.get(layer)!;
          total = tf.add(total, tf.sum(tf.mul(tf.square(map), upstream(map.shape, 10 + k))));
        }
        return total as tf.Scalar;
      });
    const { value, grad } = network.valueAndGrad(input, layers, pooling, loss);
    expect(tf.memory().numTensors).toBe(before + 2);
    const reference = tf.valueAndGrad((image: tf.Tensor4D) => loss(referenceFeatures(image, pooling), image))(
      input,
    );
    expect(relativeError(value, reference.value)).toBeLessThan(1e-4);
    expect(relativeError(grad, reference.grad)).toBeLessThan(1e-4);
    tf.dispose([value, grad, reference.value, reference.grad, input]);
    network.dispose();
  });
});
