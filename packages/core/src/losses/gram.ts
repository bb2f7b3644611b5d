import * as tf from '@tensorflow/tfjs-core';
import { gram } from '../ops/gram.js';

/**
 * Gram matrix of a [1, H, W, C] feature map, normalised: G = FᵀF / (N·M), N = C channels, M = H·W positions
 * (jcjohnson/neural-style's). Dividing by M makes Grams of images of different sizes comparable (style images
 * need not match the output size, tiles and multiscale passes see the same statistics); dividing by N keeps
 * wide layers from dominating the style loss.
 */
export function gramMatrix(features: tf.Tensor4D): tf.Tensor2D {
  const [, height, width, channels] = features.shape;
  const positions = height * width;
  const flat = tf.reshape(features, [positions, channels]) as tf.Tensor2D;
  return tf.div(gram(flat), positions * channels);
}

/** A mask at one layer's resolution: [M, 1] weights in 0..1 and their sum (read once, when it is made). */
export interface LayerMask {
  weights: tf.Tensor2D;
  sum: number;
}

/**
 * Gatys et al. 2017, masked Gram: G = (F·m)ᵀ(F·m) / (N·Σm), the channel correlations of the region the mask
 * selects (soft masks weight positions). Divided by Σm instead of M, a region's Gram is comparable with a whole
 * image's, whatever the region's area.
 */
export function maskedGramMatrix(features: tf.Tensor4D, mask: LayerMask): tf.Tensor2D {
  const [, height, width, channels] = features.shape;
  const flat = tf.reshape(features, [height * width, channels]) as tf.Tensor2D;
  return tf.div(gram(tf.mul(flat, mask.weights)), mask.sum * channels);
}
