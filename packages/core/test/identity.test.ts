import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';

describe('Identity on wasm', () => {
  it('shares the data of the tensor it clones, which outlives either of them', async () => {
    await selectBackend('wasm');
    const dataIds = () => tf.backend().numDataIds();
    const original = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const before = dataIds();
    const clone = tf.clone(original);
    expect(clone.dataId).toBe(original.dataId);
    expect(dataIds()).toBe(before);
    original.dispose();
    expect(Array.from(clone.dataSync())).toEqual([1, 2, 3, 4]);
    clone.dispose();
    expect(dataIds()).toBe(before - 1);
  });

  it('still clones string tensors', async () => {
    await selectBackend('wasm');
    const words = tf.tensor1d(['style', 'transfer'], 'string');
    const clone = tf.clone(words);
    words.dispose();
    expect(clone.arraySync()).toEqual(['style', 'transfer']);
    clone.dispose();
  });
});
