import * as tf from '@tensorflow/tfjs-core';

/**
 * FᵀF of [positions, channels] features, with its gradient F·(dG + dGᵀ). Every product here is an
 * untransposed matMul: tfjs-wasm sends only those to XNNPACK and runs transposed ones (which the default
 * matMul gradient produces) through a naive loop that is about 10x slower.
 */
export function gram(features: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    // customGrad passes the inputs, then the save function.
    const [flat, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([flat]);
    return {
      value: tf.matMul(tf.transpose(flat), flat),
      gradFunc: (dy, saved) => {
        const [input] = saved as tf.Tensor2D[];
        return tf.matMul(input!, tf.add(dy, tf.transpose(dy)));
      },
    };
  });
  return op(features) as tf.Tensor2D;
}
