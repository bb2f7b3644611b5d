import * as tf from '@tensorflow/tfjs-core';
import { oneDnnKernelsActive } from './onednn.js';

/**
 * FᵀF of [positions, channels] features, with its gradient F·(dG + dGᵀ). With XNNPACK every product here
 * is an untransposed matMul: tfjs-wasm sends only those to XNNPACK and runs transposed ones (which the
 * default matMul gradient produces) through a naive loop that is about 10x slower. oneDNN reads a
 * transposed operand in place, which saves transposing F (the slowest op left once oneDNN runs the convs).
 */
export function gram(features: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    // customGrad passes the inputs, then the save function.
    const [flat, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([flat]);
    return {
      value: oneDnnKernelsActive() ? tf.matMul(flat, flat, true) : tf.matMul(tf.transpose(flat), flat),
      gradFunc: (dy, saved) => {
        const [input] = saved as tf.Tensor2D[];
        return tf.matMul(input!, tf.add(dy, tf.transpose(dy)));
      },
    };
  });
  return op(features) as tf.Tensor2D;
}
