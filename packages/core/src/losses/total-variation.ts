import * as tf from '@tensorflow/tfjs-core';

/**
 * Total variation per pixel: Σ (Δx² + Δy²) / (H·W·C) over neighbouring pixels of a [1, H, W, C] image, the
 * smoothness prior of jcjohnson/neural-style (which sums instead, so its weight grows with the area), which
 * suppresses high-frequency noise.
 */
export function totalVariationLoss(image: tf.Tensor4D): tf.Scalar {
  const [, height, width, channels] = image.shape;
  return tf.div(totalVariationSum(image), height * width * channels);
}

/**
 * Σ w·(Δx² + Δy²), each pixel's differences to its lower and right neighbours counted by its weight w
 * ([1, H, W, 1]; 1 everywhere without it): tiled passes count each pixel by its tile's blend weight.
 */
export function totalVariationSum(image: tf.Tensor4D, weights?: tf.Tensor4D): tf.Scalar {
  const [, height, width, channels] = image.shape;
  const down = tf.square(
    tf.sub(
      tf.slice(image, [0, 1, 0, 0], [1, height - 1, width, channels]),
      tf.slice(image, [0, 0, 0, 0], [1, height - 1, width, channels]),
    ),
  );
  const right = tf.square(
    tf.sub(
      tf.slice(image, [0, 0, 1, 0], [1, height, width - 1, channels]),
      tf.slice(image, [0, 0, 0, 0], [1, height, width - 1, channels]),
    ),
  );
  if (!weights) return tf.add(tf.sum(down), tf.sum(right));
  return tf.add(
    tf.sum(tf.mul(tf.slice(weights, [0, 0, 0, 0], [1, height - 1, width, 1]), down)),
    tf.sum(tf.mul(tf.slice(weights, [0, 0, 0, 0], [1, height, width - 1, 1]), right)),
  );
}
