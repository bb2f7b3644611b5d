import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradient functions; the union package's bundle does.
import '@tensorflow/tfjs';
import { StyleTransferError, type StyleLossName } from '@neural-style/vocabulary';
import { maskAtLayer } from '../masks.js';
import type { Evaluation, Objective } from '../optim/optimizer.js';
import type { Pooling, Vgg19 } from '../vgg19/network.js';
import { contentLoss } from './content.js';
import { gramMatrix, maskedGramMatrix, type LayerMask } from './gram.js';
import {
  randomDirections,
  slicedWassersteinLoss,
  slicedWassersteinTarget,
  type SlicedTarget,
} from './sliced-wasserstein.js';
import { styleLayerLoss } from './style.js';
import { totalVariationLoss } from './total-variation.js';

/** What one style layer of the generated image is compared with. */
export type StyleLayerTarget = { gram: tf.Tensor2D; mask?: LayerMask } | { sliced: SlicedTarget };

/** One style term: a weight (blend weight of a masked style, else 1) and its targets per layer. */
export interface StyleTerm {
  weight: number;
  layers: Map<string, StyleLayerTarget>;
}

/** What the generated image is compared with: computed once per pass, never per iteration. */
export interface Targets {
  content: Map<string, tf.Tensor4D>;
  style: StyleTerm[];
}

export interface LossWeights {
  content: number;
  style: number;
  tv: number;
  /** w_l per style layer. */
  styleLayers: Map<string, number>;
}

/** A preprocessed [1, H, W, 3] style image with its blend weight and optional masks (masks.ts, 0..1). */
export interface StyleSource {
  image: tf.Tensor4D;
  weight: number;
  /** [1, H, W, 1] at the generated image's size: where this style goes. */
  mask?: tf.Tensor4D;
  /** [1, Hs, Ws, 1] at the style image's size: which part of the painting it contributes. */
  styleMask?: tf.Tensor4D;
}

export interface StyleLossOptions {
  styleLoss: StyleLossName;
  /** Seeds the sliced-Wasserstein directions. */
  seed: number;
}

/**
 * Content features of the content image and the style targets. Without masks the styles blend into one
 * term: Σ_s w_s·G_s (Gram) or the weighted mean of their quantiles (sliced Wasserstein), weights normalised
 * to sum 1. With masks each style is its own term on its own region (masked Grams, Gatys et al. 2017),
 * weighted w_s / Σw; a style without a mask covers the whole image.
 */
export function computeTargets(
  network: Vgg19,
  content: tf.Tensor4D,
  styles: StyleSource[],
  layers: { content: readonly string[]; style: readonly string[] },
  pooling: Pooling,
  loss: StyleLossOptions = { styleLoss: 'gram', seed: 0 },
): Targets {
  const masked = styles.some((style) => style.mask || style.styleMask);
  if (masked && loss.styleLoss !== 'gram') {
    throw new StyleTransferError('INVALID_OPTIONS', `masks need styleLoss "gram", not "${loss.styleLoss}"`);
  }
  const weightSum = styles.reduce((sum, style) => sum + style.weight, 0);
  // Built inside one tidy; what the targets hold is kept, every intermediate (style features...) disposed.
  let targets: Targets | undefined;
  tf.tidy(() => {
    const slicedLoss = loss.styleLoss === 'sliced-wasserstein';
    // The sliced targets need the generated image's size at each style layer: the content image's.
    const contentFeatures = network.features(
      content,
      slicedLoss ? [...layers.content, ...layers.style] : layers.content,
      pooling,
    );
    const styleFeatures = styles.map((style) => network.features(style.image, layers.style, pooling));
    const keepMask = (mask: LayerMask): LayerMask => ({ weights: tf.keep(mask.weights), sum: mask.sum });
    let style: StyleTerm[];
    if (slicedLoss) {
      const sliced = layers.style.map((layer, i): [string, StyleLayerTarget] => {
        const [, height, width, channels] = contentFeatures.get(layer)!.shape;
        const directions = randomDirections(channels, loss.seed * 1000 + i);
        const features = styleFeatures.map((map, s) => ({
          features: map.get(layer)!,
          weight: styles[s]!.weight,
        }));
        const quantiles = slicedWassersteinTarget(features, directions, height * width);
        return [layer, { sliced: { directions: tf.keep(directions), quantiles: tf.keep(quantiles) } }];
      });
      style = [{ weight: 1, layers: new Map(sliced) }];
    } else if (!masked) {
      const grams = layers.style.map((layer): [string, StyleLayerTarget] => {
        const blend = styleFeatures
          .map((map, s) => tf.mul(gramMatrix(map.get(layer)!), styles[s]!.weight / weightSum))
          .reduce((sum, gram) => tf.add(sum, gram)) as tf.Tensor2D;
        return [layer, { gram: tf.keep(blend) }];
      });
      style = [{ weight: 1, layers: new Map(grams) }];
    } else {
      style = styles.map((source, s) => {
        const regionTargets: [string, StyleLayerTarget][] = [];
        for (const layer of layers.style) {
          const features = styleFeatures[s]!.get(layer)!;
          const mask = source.mask && maskAtLayer(source.mask, layer);
          // A region that vanishes at this layer's resolution has no statistics to match there.
          if (mask && mask.sum <= 0) continue;
          const styleMask = source.styleMask && maskAtLayer(source.styleMask, layer);
          const gram =
            styleMask && styleMask.sum > 0 ? maskedGramMatrix(features, styleMask) : gramMatrix(features);
          regionTargets.push([layer, { gram: tf.keep(gram), ...(mask ? { mask: keepMask(mask) } : {}) }]);
        }
        return { weight: source.weight / weightSum, layers: new Map(regionTargets) };
      });
    }
    const contentTargets = layers.content.map((layer): [string, tf.Tensor4D] => [
      layer,
      tf.keep(contentFeatures.get(layer)!),
    ]);
    targets = { content: new Map(contentTargets), style };
  });
  return targets!;
}

function styleTargetTensors(target: StyleLayerTarget): tf.Tensor[] {
  if ('sliced' in target) return [target.sliced.directions, target.sliced.quantiles];
  return target.mask ? [target.gram, target.mask.weights] : [target.gram];
}

export function disposeTargets(targets: Targets): void {
  tf.dispose([
    ...targets.content.values(),
    ...targets.style.flatMap((term) => [...term.layers.values()].flatMap(styleTargetTensors)),
  ]);
}

/** Weighted loss terms [α·content, β·style, tv, total] of a preprocessed image. */
export function lossTerms(
  network: Vgg19,
  image: tf.Tensor4D,
  targets: Targets,
  weights: LossWeights,
  pooling: Pooling,
): tf.Tensor1D {
  return lossTermsOf(network.features(image, lossLayers(targets), pooling), image, targets, weights);
}

function lossLayers(targets: Targets): string[] {
  const styleLayers = targets.style.flatMap((term) => [...term.layers.keys()]);
  return [...new Set([...targets.content.keys(), ...styleLayers])];
}

/** The loss terms from the image's features at the loss layers (and the image itself, for TV). */
function lossTermsOf(
  features: Map<string, tf.Tensor4D>,
  image: tf.Tensor4D,
  targets: Targets,
  weights: LossWeights,
): tf.Tensor1D {
  let content: tf.Scalar = tf.scalar(0);
  for (const [layer, target] of targets.content) {
    content = tf.add(content, contentLoss(features.get(layer)!, target));
  }
  let style: tf.Scalar = tf.scalar(0);
  for (const term of targets.style) {
    for (const [layer, target] of term.layers) {
      const generated = features.get(layer)!;
      const layerLoss =
        'sliced' in target
          ? slicedWassersteinLoss(generated, target.sliced)
          : styleLayerLoss(generated, target.gram, target.mask);
      style = tf.add(style, tf.mul(term.weight * (weights.styleLayers.get(layer) ?? 0), layerLoss));
    }
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
  const layers = lossLayers(targets);
  return (x: tf.Tensor): Evaluation => {
    let losses: tf.Tensor1D | undefined;
    const { value, grad } = network.valueAndGrad(x as tf.Tensor4D, layers, pooling, (features, image) => {
      const terms = lossTermsOf(features, image, targets, weights);
      losses = tf.keep(terms);
      return tf.reshape(tf.slice(terms, [3], [1]), []) as tf.Scalar;
    });
    value.dispose();
    return { grad, losses: losses! };
  };
}
