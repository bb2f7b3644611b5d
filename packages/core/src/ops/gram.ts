import * as tf from '@tensorflow/tfjs-core';
import { oneDnnKernelsActive } from './onednn.js';

/**
 * FᵀF of [positions, channels] features, with its gradient F·(dG + dGᵀ). On wasm without oneDNN every
 * product here is an untransposed matMul: tfjs-wasm sends only those to XNNPACK and runs transposed ones
 * (which the default matMul gradient produces) through a naive loop that is about 10x slower. Everywhere
 * else (oneDNN, TensorFlow, the cpu backend) a transposed operand is read in place, which saves
 * transposing F (under oneDNN the slowest op left once the convolutions were native).
 */
const xnnpackOnly = (): boolean => tf.getBackend() === 'wasm' && !oneDnnKernelsActive();

export function gram(features: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    // customGrad passes the inputs, then the save function.
    const [flat, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([flat]);
    return {
      value: xnnpackOnly() ? tf.matMul(tf.transpose(flat), flat) : tf.matMul(flat, flat, true),
      // In a tidy like convBiasRelu's gradient: tfjs gives custom gradients no scope of their own.
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [input] = saved as tf.Tensor2D[];
          return tf.matMul(input!, tf.add(dy, tf.transpose(dy)));
        }),
    };
  });
  return op(features) as tf.Tensor2D;
}
