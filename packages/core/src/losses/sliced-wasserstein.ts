import * as tf from '@tensorflow/tfjs-core';

/**
 * Heitz et al. 2021, "A Sliced Wasserstein Loss for Neural Texture Synthesis": per layer, project the
 * features on K random unit directions V (K = N channels) and compare the sorted projections, i.e. the 1-D
 * quantile functions of the two feature distributions along each direction:
 *
 *   L_l = SCALE · Σ_k Σ_i (sort(F·v_k)_i − sort(S·v_k)_i)² / (K·M)
 *
 * Unlike a Gram matrix this matches every moment of the marginals, not only the second.
 *
 * The directions are drawn once per pass from options.seed, not per iteration as in the paper: L-BFGS needs one
 * deterministic objective (its curvature pairs and its rejection of rising steps compare evaluations), and with
 * K = N directions per layer the fixed slices already constrain the distribution. Fixed directions also let the
 * style side be sorted once per pass (the target below).
 *
 * Sorting every projection each evaluation is what makes this loss slow (conv1_1 at 512 px has 64 × 196 608
 * projections). So each position's rank comes from a sorted sample of at most QUANTILE_LEVELS positions per
 * direction (a binary search): exact when a layer has no more positions than that, quantiles to 1/QUANTILE_LEVELS
 * above. The matched style value T then depends on the projections only through
 * ranks, which are locally constant, so the gradient is 2·SCALE·(F·v − T)/(K·M) as for the exact loss.
 */

/**
 * Brings the loss to a useful size for the default β (the Gram loss is quartic in the features and divided by
 * N², this one quadratic). 1e-3 left the default 256-px run a photo; β = 1e4 at 1e-3 (this value at β = 100)
 * stylised at 128 px, and so does this value at 256 px (docs/gallery.md). Not yet swept at 512 px.
 */
export const SLICED_WASSERSTEIN_SCALE = 0.1;

/** Quantile resolution: most positions per direction that are sorted on each evaluation. */
export const QUANTILE_LEVELS = 1024;

/** One layer's target: its directions [N, K] and the style's quantiles, ascending, [K, levels]. */
export interface SlicedTarget {
  directions: tf.Tensor2D;
  quantiles: tf.Tensor2D;
}

/** K = N unit directions in feature space, seeded (the same seed gives the same slices). */
export function randomDirections(channels: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const raw = tf.randomNormal([channels, channels], 0, 1, 'float32', seed);
    return tf.div(raw, tf.norm(raw, 'euclidean', 0, true)) as tf.Tensor2D;
  });
}

/** Quantile levels for a layer of `positions` positions: all of them, or QUANTILE_LEVELS. */
export const quantileLevels = (positions: number): number => Math.min(positions, QUANTILE_LEVELS);

/**
 * The style target of a layer for a generated image of `positions` positions: each style's sorted projections,
 * resampled (linear interpolation) to quantileLevels(positions) levels, then averaged with the blend weights,
 * which in 1-D is exactly the Wasserstein barycentre of the styles.
 */
export function slicedWassersteinTarget(
  styles: { features: tf.Tensor4D; weight: number }[],
  directions: tf.Tensor2D,
  positions: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const weightSum = styles.reduce((sum, style) => sum + style.weight, 0);
    return styles
      .map(({ features, weight }) =>
        tf.mul(
          resampleRows(sortAscending(project(features, directions)), quantileLevels(positions)),
          weight / weightSum,
        ),
      )
      .reduce((sum, quantiles) => tf.add(sum, quantiles)) as tf.Tensor2D;
  });
}

/** L_l above for the generated image's features at one layer. */
export function slicedWassersteinLoss(features: tf.Tensor4D, target: SlicedTarget): tf.Scalar {
  const projections = project(features, target.directions);
  // The matched quantiles depend on the projections only through their ranks, which have no gradient: the
  // loss is differentiated by hand, 2·SCALE·(P − T)/(K·M), with T saved from the forward pass.
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [values, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const difference = tf.sub(values, matchedQuantiles(values, target.quantiles));
    save([difference]);
    return {
      value: tf.mul(SLICED_WASSERSTEIN_SCALE, tf.mean(tf.square(difference))),
      gradFunc: (dy, saved) => {
        const [difference] = saved as tf.Tensor2D[];
        return tf.mul(tf.mul(dy, (2 * SLICED_WASSERSTEIN_SCALE) / difference!.size), difference!);
      },
    };
  });
  return op(projections) as tf.Scalar;
}

/**
 * Each projection's style quantile T: the style's value at the projection's rank among a sorted sample of its
 * direction's projections. Computed in plain JavaScript on the read-back values: a typed-array sort and a binary
 * search per value are several times faster than wasm's TopK, SearchSorted and GatherV2 kernels on these sizes.
 */
function matchedQuantiles(projections: tf.Tensor2D, quantiles: tf.Tensor2D): tf.Tensor2D {
  const [directions, positions] = projections.shape;
  const levels = quantiles.shape[1];
  const values = projections.dataSync() as Float32Array;
  const targets = quantiles.dataSync() as Float32Array;
  const matched = new Float32Array(values.length);
  const sampled = evenlySpaced(positions, levels);
  const sample = new Float32Array(levels);
  for (let k = 0; k < directions; k++) {
    const row = values.subarray(k * positions, (k + 1) * positions);
    const quantileRow = targets.subarray(k * levels, (k + 1) * levels);
    sampled.forEach((position, j) => (sample[j] = row[position]!));
    sample.sort();
    for (let i = 0; i < positions; i++) {
      // Rank: how many sample values lie below this one (searchSorted 'left').
      const value = row[i]!;
      let low = 0;
      let high = levels;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (sample[middle]! < value) low = middle + 1;
        else high = middle;
      }
      matched[k * positions + i] = quantileRow[Math.min(low, levels - 1)]!;
    }
  }
  return tf.tensor2d(matched, [directions, positions]);
}

/** [K, M] projections of [1, H, W, N] features on the [N, K] directions. */
function project(features: tf.Tensor4D, directions: tf.Tensor2D): tf.Tensor2D {
  const [, height, width, channels] = features.shape;
  const flat = tf.reshape(features, [height * width, channels]) as tf.Tensor2D;
  return tf.matMul(directions, flat, true, true);
}

/** Each row sorted ascending (topk sorts descending). */
function sortAscending(rows: tf.Tensor2D): tf.Tensor2D {
  return tf.neg(tf.topk(tf.neg(rows), rows.shape[1], true).values);
}

/** `count` indices spread evenly over 0..length−1, both ends included (all of them when count = length). */
function evenlySpaced(length: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) =>
    count === 1 ? 0 : Math.round((i * (length - 1)) / (count - 1)),
  );
}

/** Rows of ascending quantiles [K, m] resampled to [K, levels] by linear interpolation. */
function resampleRows(rows: tf.Tensor2D, levels: number): tf.Tensor2D {
  const available = rows.shape[1];
  if (available === levels) return rows;
  const at = Array.from({ length: levels }, (_, i) =>
    levels === 1 ? (available - 1) / 2 : (i * (available - 1)) / (levels - 1),
  );
  const below = at.map(Math.floor);
  const above = below.map((index) => Math.min(index + 1, available - 1));
  const fraction = tf.tensor1d(at.map((position, i) => position - below[i]!));
  const low = tf.gather(rows, tf.tensor1d(below, 'int32'), 1);
  const high = tf.gather(rows, tf.tensor1d(above, 'int32'), 1);
  return tf.add(low, tf.mul(tf.sub(high, low), fraction)) as tf.Tensor2D;
}
