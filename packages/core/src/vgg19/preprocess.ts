import * as tf from '@tensorflow/tfjs-core';

/**
 * Caffe/Keras "caffe" preprocessing, the one the ImageNet VGG19 weights were trained with:
 * RGB -> BGR, 0..255, per-channel ImageNet mean subtracted, no scaling.
 */
const MEAN_BGR = [103.939, 116.779, 123.68] as const;

/** [H, W, 3] RGB 0..255 -> [1, H, W, 3] BGR mean-centred. */
export function preprocess(rgb: tf.Tensor3D): tf.Tensor4D {
  return tf.tidy(() => {
    const bgr = tf.reverse(rgb, -1);
    return tf.expandDims(tf.sub(bgr, tf.tensor1d([...MEAN_BGR])), 0) as tf.Tensor4D;
  });
}

/** Inverse of preprocess, without clipping: [1, H, W, 3] -> [H, W, 3] RGB. */
export function deprocess(image: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(
    () => tf.reverse(tf.add(tf.squeeze(image, [0]), tf.tensor1d([...MEAN_BGR])), -1) as tf.Tensor3D,
  );
}
