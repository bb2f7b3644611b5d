import * as tf from '@tensorflow/tfjs-core';
import { gramMatrix } from './gram.js';

/**
 * Gatys et al. eq. 4 for one layer: E_l = Σ (G − A)² / (4 N² M²), N channels, M positions.
 * Our Grams are already divided by M (see gram.ts), so only 4N² remains.
 */
export function styleLayerLoss(features: tf.Tensor4D, targetGram: tf.Tensor2D): tf.Scalar {
  const channels = features.shape[3];
  return tf.div(tf.sum(tf.squaredDifference(gramMatrix(features), targetGram)), 4 * channels * channels);
}
