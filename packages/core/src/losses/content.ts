import * as tf from '@tensorflow/tfjs-core';

/** Gatys et al. eq. 1: ½ Σ (F − P)², F the generated image's features, P the content image's. */
export function contentLoss(features: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.mul(0.5, tf.sum(tf.squaredDifference(features, target)));
}
