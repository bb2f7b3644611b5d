import * as tf from '@tensorflow/tfjs-core';

/**
 * Total variation per pixel: Σ (Δx² + Δy²) / (H·W·C) over neighbouring pixels of a [1, H, W, C] image, the
 * smoothness prior of jcjohnson/neural-style (which sums instead, so its weight grows with the area), which
 * suppresses high-frequency noise.
 */
export function totalVariationLoss(image: tf.Tensor4D): tf.Scalar {
  const [, height, width, channels] = image.shape;
  const down = tf.sub(
    tf.slice(image, [0, 1, 0, 0], [1, height - 1, width, channels]),
    tf.slice(image, [0, 0, 0, 0], [1, height - 1, width, channels]),
  );
  const right = tf.sub(
    tf.slice(image, [0, 0, 1, 0], [1, height, width - 1, channels]),
    tf.slice(image, [0, 0, 0, 0], [1, height, width - 1, channels]),
  );
  return tf.div(tf.add(tf.sum(tf.square(down)), tf.sum(tf.square(right))), height * width * channels);
}
