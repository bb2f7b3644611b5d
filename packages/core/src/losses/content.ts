import * as tf from '@tensorflow/tfjs-core';

/**
 * Gatys et al. eq. 1, normalised: L_content = Σ (F − P)² / (N·M), F the generated image's features and P the
 * content image's at one layer, N channels, M = H·W positions. The paper's ½ Σ (F − P)² grows with the image
 * area; the mean (jcjohnson/neural-style's MSE) means the same at every size and for every layer width.
 */
export function contentLoss(features: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(features, target));
}
