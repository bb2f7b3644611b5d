import * as tf from '@tensorflow/tfjs-core';

/**
 * Heitz et al. 2021, "A Sliced Wasserstein Loss for Neural Texture Synthesis": per layer, project the
 * features on K random unit directions V (K = N channels) and compare the sorted projections, i.e. the 1-D
 * quantile functions of the two feature distributions along each direction:
 *
 *   L_l = SCALE · Σ_k Σ_i (sort(F·v_k)_i − sort(S·v_k)_i)² / (K·M)
 *
 * Unlike a Gram matrix this matches every moment of the marginals, not only the second. The directions are
 * drawn once per pass from options.seed, not per iteration as in the paper: L-BFGS needs one deterministic
 * objective (its curvature pairs and its rejection of rising steps compare evaluations), and with K = N
 * directions per layer the fixed slices already constrain the distribution. Fixed directions also let the
 * style side be sorted once per pass (the target below) rather than on every evaluation.
 */

/**
 * Brings the loss to the Gram loss's scale for the same β: the Gram loss is quartic in the features and
 * divided by N², this one quadratic. Chosen so that the default β gives about the same style share at 256 px
 * on tubingen × starry_night (docs/defaults.md).
 */
export const SLICED_WASSERSTEIN_SCALE = 1e-2;

/** One layer's target: its directions [N, K] and the style's sorted projections, descending, [K·M]. */
export interface SlicedTarget {
  directions: tf.Tensor2D;
  quantiles: tf.Tensor1D;
}

/** K = N unit directions in feature space, seeded (the same seed gives the same slices). */
export function randomDirections(channels: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const raw = tf.randomNormal([channels, channels], 0, 1, 'float32', seed);
    return tf.div(raw, tf.norm(raw, 'euclidean', 0, true)) as tf.Tensor2D;
  });
}

/**
 * The style target of a layer for a generated image of `positions` positions: each style's sorted
 * projections, resampled to `positions` quantiles (linear interpolation) where its size differs, then
 * averaged with the blend weights, which in 1-D is exactly the Wasserstein barycentre of the styles.
 */
export function slicedWassersteinTarget(
  styles: { features: tf.Tensor4D; weight: number }[],
  directions: tf.Tensor2D,
  positions: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const weightSum = styles.reduce((sum, style) => sum + style.weight, 0);
    const blended = styles
      .map(({ features, weight }) =>
        tf.mul(resampleRows(sortedProjections(features, directions), positions), weight / weightSum),
      )
      .reduce((sum, quantiles) => tf.add(sum, quantiles));
    return tf.reshape(blended, [-1]) as tf.Tensor1D;
  });
}

/** L_l above for the generated image's features at one layer. */
export function slicedWassersteinLoss(features: tf.Tensor4D, target: SlicedTarget): tf.Scalar {
  const projections = project(features, target.directions);
  const [directions, positions] = projections.shape;
  // topk's indices are not differentiated; the sorted values are gathered from the projections (sortRows).
  const { indices } = tf.topk(projections, positions, true);
  const offsets = tf.reshape(tf.range(0, directions * positions, positions, 'int32'), [directions, 1]);
  const order = tf.reshape(tf.add(indices, offsets), [-1]) as tf.Tensor1D;
  const sorted = permute(tf.reshape(projections, [-1]) as tf.Tensor1D, order);
  return tf.mul(SLICED_WASSERSTEIN_SCALE, tf.mean(tf.squaredDifference(sorted, target.quantiles)));
}

/** [K, M] projections of [1, H, W, N] features on the [N, K] directions. */
function project(features: tf.Tensor4D, directions: tf.Tensor2D): tf.Tensor2D {
  const [, height, width, channels] = features.shape;
  const flat = tf.reshape(features, [height * width, channels]) as tf.Tensor2D;
  return tf.matMul(directions, flat, true, true);
}

function sortedProjections(features: tf.Tensor4D, directions: tf.Tensor2D): tf.Tensor2D {
  const projections = project(features, directions);
  return tf.topk(projections, projections.shape[1], true).values;
}

/** Rows of descending quantiles [K, m] resampled to [K, positions] by linear interpolation. */
function resampleRows(rows: tf.Tensor2D, positions: number): tf.Tensor2D {
  const available = rows.shape[1];
  if (available === positions) return rows;
  const at = Array.from({ length: positions }, (_, i) =>
    positions === 1 ? (available - 1) / 2 : (i * (available - 1)) / (positions - 1),
  );
  const below = at.map(Math.floor);
  const above = below.map((index) => Math.min(index + 1, available - 1));
  const fraction = tf.tensor1d(at.map((position, i) => position - below[i]!));
  const low = tf.gather(rows, tf.tensor1d(below, 'int32'), 1);
  const high = tf.gather(rows, tf.tensor1d(above, 'int32'), 1);
  return tf.add(low, tf.mul(tf.sub(high, low), fraction)) as tf.Tensor2D;
}

/**
 * x[order] for a permutation `order`, with the gradient scattered back through the same permutation
 * (tfjs's gather gradient needs UnsortedSegmentSum, which the wasm backend lacks).
 */
function permute(x: tf.Tensor1D, order: tf.Tensor1D): tf.Tensor1D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [values, save] = args as [tf.Tensor1D, tf.GradSaveFunc];
    save([order]);
    return {
      value: tf.gather(values, order),
      gradFunc: (dy, saved) => {
        const [index] = saved as tf.Tensor1D[];
        return tf.scatterND(tf.reshape(index!, [-1, 1]), dy as tf.Tensor1D, [values.size]);
      },
    };
  });
  return op(x) as tf.Tensor1D;
}
