import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradient functions; the union package's bundle does.
import '@tensorflow/tfjs';
import type { Evaluation, Objective } from '../optim/optimizer.js';
import type { Pooling, Vgg19 } from '../vgg19/network.js';
import { contentLoss } from './content.js';
import { gramMatrix } from './gram.js';
import { styleLayerLoss } from './style.js';
import { totalVariationLoss } from './total-variation.js';

/** What the generated image is compared with: computed once per pass, never per iteration. */
export interface Targets {
  content: Map<string, tf.Tensor4D>;
  grams: Map<string, tf.Tensor2D>;
}

export interface LossWeights {
  content: number;
  style: number;
  tv: number;
  /** w_l per style layer. */
  styleLayers: Map<string, number>;
}

/**
 * Content features of the content image and the blend Σ_s w_s·G_s of the style images' Grams
 * (blend weights normalised to sum 1). Inputs are preprocessed [1, H, W, 3] images.
 */
export function computeTargets(
  network: Vgg19,
  content: tf.Tensor4D,
  styles: { image: tf.Tensor4D; weight: number }[],
  layers: { content: readonly string[]; style: readonly string[] },
  pooling: Pooling,
): Targets {
  const [contentTargets, gramTargets] = tf.tidy(() => {
    const contentFeatures = network.features(content, layers.content, pooling);
    const weightSum = styles.reduce((sum, style) => sum + style.weight, 0);
    const styleFeatures = styles.map((style) => network.features(style.image, layers.style, pooling));
    const grams = layers.style.map((layer) =>
      styleFeatures
        .map(
          (features, i) =>
            tf.mul(gramMatrix(features.get(layer)!), styles[i]!.weight / weightSum) as tf.Tensor2D,
        )
        .reduce((sum, gram) => tf.add(sum, gram)),
    );
    return [layers.content.map((layer) => contentFeatures.get(layer)!), grams] as [
      tf.Tensor4D[],
      tf.Tensor2D[],
    ];
  });
  return {
    content: new Map(layers.content.map((layer, i) => [layer, contentTargets[i]!])),
    grams: new Map(layers.style.map((layer, i) => [layer, gramTargets[i]!])),
  };
}

export function disposeTargets(targets: Targets): void {
  tf.dispose([...targets.content.values(), ...targets.grams.values()]);
}

/** Weighted loss terms [α·content, β·style, tv, total] of a preprocessed image. */
export function lossTerms(
  network: Vgg19,
  image: tf.Tensor4D,
  targets: Targets,
  weights: LossWeights,
  pooling: Pooling,
): tf.Tensor1D {
  const layers = [...new Set([...targets.content.keys(), ...targets.grams.keys()])];
  const features = network.features(image, layers, pooling);
  let content: tf.Scalar = tf.scalar(0);
  for (const [layer, target] of targets.content) {
    content = tf.add(content, contentLoss(features.get(layer)!, target));
  }
  let style: tf.Scalar = tf.scalar(0);
  for (const [layer, target] of targets.grams) {
    style = tf.add(
      style,
      tf.mul(weights.styleLayers.get(layer) ?? 0, styleLayerLoss(features.get(layer)!, target)),
    );
  }
  const weightedContent = tf.mul(weights.content, content);
  const weightedStyle = tf.mul(weights.style, style);
  const tv = weights.tv > 0 ? tf.mul(weights.tv, totalVariationLoss(image)) : tf.scalar(0);
  return tf.stack([
    weightedContent,
    weightedStyle,
    tv,
    tf.add(tf.add(weightedContent, weightedStyle), tv),
  ]) as tf.Tensor1D;
}

/** The objective the optimizers minimise: the total loss and its gradient w.r.t. the image. */
export function styleObjective(
  network: Vgg19,
  targets: Targets,
  weights: LossWeights,
  pooling: Pooling,
): Objective {
  return (x: tf.Tensor): Evaluation => {
    let losses: tf.Tensor1D | undefined;
    const grad = tf.tidy(() => {
      const { grad: g } = tf.valueAndGrad((image: tf.Tensor) => {
        const terms = lossTerms(network, image as tf.Tensor4D, targets, weights, pooling);
        losses = tf.keep(terms);
        return tf.reshape(tf.slice(terms, [3], [1]), []) as tf.Scalar;
      })(x);
      return g;
    });
    return { grad, losses: losses! };
  };
}
