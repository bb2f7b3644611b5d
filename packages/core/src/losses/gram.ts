import * as tf from '@tensorflow/tfjs-core';
import { gram } from '../ops/gram.js';

/**
 * Gram matrix of a [1, H, W, C] feature map: channel correlations G = FᵀF / M with M = H·W positions.
 * Dividing by M makes Grams of images of different sizes comparable (style images need not match the
 * output size); with equal sizes the style loss below is exactly the paper's E_l.
 */
export function gramMatrix(features: tf.Tensor4D): tf.Tensor2D {
  const [, height, width, channels] = features.shape;
  const positions = height * width;
  const flat = tf.reshape(features, [positions, channels]) as tf.Tensor2D;
  return tf.div(gram(flat), positions);
}
