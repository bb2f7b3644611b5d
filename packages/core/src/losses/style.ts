import * as tf from '@tensorflow/tfjs-core';
import { gramMatrix, maskedGramMatrix, type LayerMask } from './gram.js';

/**
 * Gatys et al. eq. 4 for one layer, normalised: E_l = Σ (G − A)² / N², the mean squared difference of the
 * N×N Grams of gram.ts. The paper's Σ (Ĝ − Â)² / (4 N² M²) on raw Grams Ĝ = FᵀF equals this up to the
 * constant N²/4, so only the scale of β changes (see docs/defaults.md); it does not grow with M or N.
 * With a mask (Gatys et al. 2017) G is the Gram of the masked region only.
 */
export function styleLayerLoss(features: tf.Tensor4D, targetGram: tf.Tensor2D, mask?: LayerMask): tf.Scalar {
  const generated = mask ? maskedGramMatrix(features, mask) : gramMatrix(features);
  return tf.mean(tf.squaredDifference(generated, targetGram));
}
