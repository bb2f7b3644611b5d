import * as tf from '@tensorflow/tfjs-core';

/**
 * Total variation ½ Σ (Δx² + Δy²) over neighbouring pixels of a [1, H, W, C] image: the smoothness prior of
 * jcjohnson/neural-style (whose gradient is exactly this function's), which suppresses high-frequency noise.
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
  return tf.mul(0.5, tf.add(tf.sum(tf.square(down)), tf.sum(tf.square(right))));
}
