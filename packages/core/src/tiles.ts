import * as tf from '@tensorflow/tfjs-core';
import type { Size, TileLayout } from '@neural-style/vocabulary';
import type { RgbImage } from './image.js';
import type { LossWeights } from './losses/objective.js';
import { totalVariationSum } from './losses/total-variation.js';
import { gram } from './ops/gram.js';
import type { Evaluation, Objective } from './optim/optimizer.js';
import type { Pooling, Vgg19 } from './vgg19/network.js';
import { preprocess } from './vgg19/preprocess.js';

/**
 * Tiled passes (docs/high-resolution.md). The image is cut into cores that partition it; the network sees
 * each core with a margin of context on every side (its crop), so zero padding at the crop's edge falls in
 * the margin, not in the core. One optimizer owns the whole image; an evaluation runs the network on one
 * crop at a time, counting each feature position with a blend weight that fades across core boundaries
 * (cosine ramps over ±margin/2; a position's weights sum to 1 over the tiles). The tiles' losses and
 * gradients then add up to the untiled ones — content against the content image's features of the same
 * crop, style against the Grams of the whole style image at the pass's scale — and memory is bounded by
 * the crop, not the image.
 */

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Tile {
  /** What the network sees. */
  crop: Rect;
  /** The part of the image this tile owns (cores partition the image). */
  core: Rect;
  /** Blend weight of each crop pixel; over all tiles the weights of a pixel sum to 1. */
  weights: Float32Array;
}

/** Start and end of every core along one axis. */
function coreSpans(length: number, core: number): [number, number][] {
  const spans: [number, number][] = [];
  for (let start = 0; start < length; start += core) spans.push([start, Math.min(length, start + core)]);
  return spans;
}

/**
 * Per-axis blend weights of each span's crop: 1 inside the core, cosine ramps across each inner core
 * boundary over ±margin/2, normalised so that every pixel's weights sum to 1.
 */
function axisWeights(length: number, spans: [number, number][], margin: number): Float32Array[] {
  const half = margin / 2;
  const raw = spans.map(([start, end]) =>
    Float32Array.from({ length }, (_, p) => {
      const centre = p + 0.5;
      const rise = start === 0 ? 1 : ramp((centre - (start - half)) / (2 * half));
      const fall = end === length ? 1 : ramp((end + half - centre) / (2 * half));
      return rise * fall;
    }),
  );
  for (let p = 0; p < length; p++) {
    const sum = raw.reduce((total, weights) => total + weights[p]!, 0);
    for (const weights of raw) weights[p] = weights[p]! / sum;
  }
  return raw;
}

function ramp(t: number): number {
  const clamped = Math.min(1, Math.max(0, t));
  return 0.5 - 0.5 * Math.cos(Math.PI * clamped);
}

/** The tiles of a layout over an image, row by row. */
export function tileGrid(image: Size, layout: Pick<TileLayout, 'core' | 'margin'>): Tile[] {
  const columns = coreSpans(image.width, layout.core);
  const rows = coreSpans(image.height, layout.core);
  const columnWeights = axisWeights(image.width, columns, layout.margin);
  const rowWeights = axisWeights(image.height, rows, layout.margin);
  const tiles: Tile[] = [];
  for (const [row, [top, bottom]] of rows.entries()) {
    for (const [column, [left, right]] of columns.entries()) {
      const x = Math.max(0, left - layout.margin);
      const y = Math.max(0, top - layout.margin);
      const crop = {
        x,
        y,
        width: Math.min(image.width, right + layout.margin) - x,
        height: Math.min(image.height, bottom + layout.margin) - y,
      };
      const weights = new Float32Array(crop.width * crop.height);
      const columnWeight = columnWeights[column]!;
      const rowWeight = rowWeights[row]!;
      for (let j = 0; j < crop.height; j++) {
        for (let i = 0; i < crop.width; i++) {
          weights[j * crop.width + i] = rowWeight[crop.y + j]! * columnWeight[crop.x + i]!;
        }
      }
      tiles.push({ crop, core: { x: left, y: top, width: right - left, height: bottom - top }, weights });
    }
  }
  return tiles;
}

function cropImage(image: RgbImage, rect: Rect): tf.Tensor4D {
  return tf.tidy(() =>
    preprocess(
      tf.slice(
        tf.tensor3d(image.data, [image.height, image.width, 3]),
        [rect.y, rect.x, 0],
        [rect.height, rect.width, 3],
      ),
    ),
  );
}

/** Where a tile's core lies in its crop's feature map at `scale` (pixels per feature position). */
function coreWindow(
  tile: Tile,
  scale: number,
  map: { height: number; width: number },
): { top: number; left: number; rows: number; columns: number } {
  const top = (tile.core.y - tile.crop.y) / scale;
  const left = (tile.core.x - tile.crop.x) / scale;
  return {
    top,
    left,
    rows: Math.min(map.height, Math.floor((tile.core.y + tile.core.height - tile.crop.y) / scale)) - top,
    columns: Math.min(map.width, Math.floor((tile.core.x + tile.core.width - tile.crop.x) / scale)) - left,
  };
}

/** A feature map of the whole image, [height, width, channels], in JavaScript memory. */
interface HostFeatures {
  values: Float32Array;
  height: number;
  width: number;
  channels: number;
}

/**
 * The content image's features of the whole image at each content layer, assembled from the tiles' cores
 * (each computed with its margin of context): one copy, where per-crop targets would hold the overlaps
 * again. Kept in JavaScript memory, outside the backend's, between evaluations.
 */
function contentFeatureMaps(
  network: Vgg19,
  image: RgbImage,
  tiles: readonly Tile[],
  layers: readonly string[],
  pooling: Pooling,
): Map<string, HostFeatures> {
  const maps = new Map<string, HostFeatures>();
  for (const tile of tiles) {
    const input = cropImage(image, tile.crop);
    const features = tf.tidy(() => {
      const all = network.features(input, layers, pooling);
      return layers.map((layer) => all.get(layer)!);
    });
    input.dispose();
    for (const [i, layer] of layers.entries()) {
      const scale = 2 ** (blockOf(layer) - 1);
      const [, height, width, channels] = features[i]!.shape;
      const mapHeight = Math.floor(image.height / scale);
      const mapWidth = Math.floor(image.width / scale);
      const map = maps.get(layer) ?? {
        height: mapHeight,
        width: mapWidth,
        channels,
        values: new Float32Array(mapHeight * mapWidth * channels),
      };
      maps.set(layer, map);
      const values = features[i]!.dataSync();
      const window = coreWindow(tile, scale, { height, width });
      const [top, left] = [tile.core.y / scale, tile.core.x / scale];
      for (let row = 0; row < window.rows; row++) {
        const from = ((window.top + row) * width + window.left) * channels;
        map.values.set(
          values.subarray(from, from + window.columns * channels),
          ((top + row) * map.width + left) * channels,
        );
      }
    }
    tf.dispose(features);
  }
  return maps;
}

/** The crop's window of a whole-image feature map, as the tensor the crop's features are compared with. */
function cropFeatures(map: HostFeatures, tile: Tile, scale: number): tf.Tensor4D {
  const [top, left] = [tile.crop.y / scale, tile.crop.x / scale];
  const rows = Math.floor(tile.crop.height / scale);
  const columns = Math.floor(tile.crop.width / scale);
  const values = new Float32Array(rows * columns * map.channels);
  for (let row = 0; row < rows; row++) {
    const from = ((top + row) * map.width + left) * map.channels;
    values.set(map.values.subarray(from, from + columns * map.channels), row * columns * map.channels);
  }
  return tf.tensor4d(values, [1, rows, columns, map.channels]);
}

/**
 * Σ_s w_s·G_s of the style images (blend weights normalised to sum 1), each Gram accumulated core by core
 * (FᵀF summed over the cores' positions, divided by their count): the whole image's Gram at any size,
 * from one crop's activations at a time.
 */
export function tiledStyleGrams(
  network: Vgg19,
  styles: { image: RgbImage; weight: number }[],
  layout: Pick<TileLayout, 'core' | 'margin'>,
  layers: readonly string[],
  pooling: Pooling,
): Map<string, tf.Tensor2D> {
  const weightSum = styles.reduce((sum, style) => sum + style.weight, 0);
  const blended = new Map<string, tf.Tensor2D>();
  for (const style of styles) {
    const sums = new Map<string, tf.Tensor2D>();
    const positions = new Map<string, number>();
    for (const tile of tileGrid(style.image, layout)) {
      const input = cropImage(style.image, tile.crop);
      tf.tidy(() => {
        const features = network.features(input, layers, pooling);
        for (const layer of layers) {
          const map = features.get(layer)!;
          const [, height, width, channels] = map.shape;
          const { top, left, rows, columns } = coreWindow(tile, 2 ** (blockOf(layer) - 1), { height, width });
          if (rows <= 0 || columns <= 0) continue;
          const core = tf.reshape(tf.slice(map, [0, top, left, 0], [1, rows, columns, channels]), [
            rows * columns,
            channels,
          ]) as tf.Tensor2D;
          const previous = sums.get(layer);
          const sum = previous ? tf.add(previous, gram(core)) : gram(core);
          previous?.dispose();
          sums.set(layer, tf.keep(sum) as tf.Tensor2D);
          positions.set(layer, (positions.get(layer) ?? 0) + rows * columns);
        }
      });
      input.dispose();
    }
    for (const [layer, sum] of sums) {
      const previous = blended.get(layer);
      const weighted = tf.tidy(() => {
        const gramOfImage = tf.mul(sum, style.weight / weightSum / (positions.get(layer)! * sum.shape[0]));
        return (previous ? tf.add(previous, gramOfImage) : gramOfImage) as tf.Tensor2D;
      });
      tf.dispose([sum, ...(previous ? [previous] : [])]);
      blended.set(layer, weighted);
    }
  }
  return blended;
}

/** A tile's blend weights at the resolution of each block (block 1: pixels), pooled as the network pools. */
function weightPyramid(tile: Tile, blocks: number): tf.Tensor4D[] {
  const pyramid = [tf.tensor4d(tile.weights, [1, tile.crop.height, tile.crop.width, 1])];
  for (let block = 2; block <= blocks; block++) {
    pyramid.push(tf.avgPool(pyramid.at(-1)!, 2, 2, 'valid') as tf.Tensor4D);
  }
  return pyramid;
}

const blockOf = (layer: string): number => Number(layer[4]);

/** Features as [positions, channels] and the blend weights of those positions as [positions, 1]. */
function flatten(features: tf.Tensor4D, weights: tf.Tensor4D): [tf.Tensor2D, tf.Tensor2D] {
  const [, height, width, channels] = features.shape;
  return [tf.reshape(features, [height * width, channels]), tf.reshape(weights, [height * width, 1])];
}

/**
 * The whole image's objective, evaluated one crop at a time. Every loss is a sum over feature positions,
 * and each tile counts each position with its blend weight (the weights of a position sum to 1 over the
 * tiles), so the tiles' contributions add up to the untiled loss and gradient, up to zero padding at the
 * crop edges. Content and TV are local sums (divided by the whole image's size, as the untiled means are).
 * The style loss mean (G − A)² needs the whole image's Gram G = Σ_t Fᵀ W_t F / (N·M): a first, forward-only
 * sweep over the tiles accumulates it; in the second, each tile back-propagates 2⟨G − A, Fᵀ W_t F⟩ / (N·M)
 * (per layer, scaled like the loss), whose gradient is exactly
 * the tile's share of the style gradient.
 */
export function tiledObjective(
  network: Vgg19,
  image: Size,
  tiles: readonly Tile[],
  content: { image: RgbImage; layers: readonly string[] },
  grams: Map<string, tf.Tensor2D>,
  weights: LossWeights,
  pooling: Pooling,
): Objective {
  const targets = contentFeatureMaps(network, content.image, tiles, content.layers, pooling);
  const styleLayers = [...grams.keys()];
  const layers = [...new Set([...content.layers, ...styleLayers])];
  const blocks = Math.max(...layers.map(blockOf));
  // Feature positions of each content layer over the whole image: the blend weights of a position sum to 1.
  const contentPositions = content.layers.map((layer) =>
    tiles.reduce(
      (sum, tile) =>
        sum + tf.tidy(() => tf.sum(weightPyramid(tile, blocks)[blockOf(layer) - 1]!).dataSync()[0]!),
      0,
    ),
  );
  const cropOf = (x: tf.Tensor, tile: Tile) =>
    tf.slice(x, [0, tile.crop.y, tile.crop.x, 0], [1, tile.crop.height, tile.crop.width, 3]) as tf.Tensor4D;

  /** Sweep 1: Σ_t Fᵀ W_t F per style layer, and the positions it sums over. */
  const styleSums = (x: tf.Tensor): { sums: tf.Tensor2D[]; positions: number[] } => {
    let sums: tf.Tensor2D[] = [];
    const positions = styleLayers.map(() => 0);
    for (const tile of tiles) {
      const next = tf.tidy(() => {
        const pyramid = weightPyramid(tile, blocks);
        const features = network.features(cropOf(x, tile), styleLayers, pooling);
        return styleLayers.map((layer, i) => {
          const [flat, w] = flatten(features.get(layer)!, pyramid[blockOf(layer) - 1]!);
          positions[i]! += tf.sum(w).dataSync()[0]!;
          const sum = tf.matMul(tf.mul(flat, w), flat, true, false) as tf.Tensor2D;
          return sums[i] ? (tf.add(sums[i]!, sum) as tf.Tensor2D) : sum;
        });
      });
      tf.dispose(sums);
      sums = next;
    }
    return { sums, positions };
  };

  return (x: tf.Tensor): Evaluation => {
    const { sums, positions } = styleSums(x);
    // Per style layer: the constant D = G − A of the surrogate, its scale, and the layer's loss.
    const style = tf.tidy(() =>
      styleLayers.map((layer, i) => {
        const channels = sums[i]!.shape[0];
        // β·w_l·mean over the N² entries of (G − A)², G = Σ_t Fᵀ W_t F / (N·M) as in losses/gram.ts.
        const scale = (weights.style * (weights.styleLayers.get(layer) ?? 0)) / (channels * channels);
        const difference = tf.sub(tf.div(sums[i]!, positions[i]! * channels), grams.get(layer)!);
        return {
          difference: difference as tf.Tensor2D,
          scale,
          loss: tf.mul(scale, tf.sum(tf.square(difference))),
        };
      }),
    );
    tf.dispose(sums);
    const gradient = new Float32Array(image.width * image.height * 3);
    let contentLoss = 0;
    let tvLoss = 0;
    try {
      for (const tile of tiles) {
        const { crop } = tile;
        let localTerms: tf.Tensor | undefined;
        const tileGradient = tf.tidy(() => {
          const pyramid = weightPyramid(tile, blocks);
          const { value, grad } = tf.valueAndGrad((input: tf.Tensor) => {
            const features = network.features(input as tf.Tensor4D, layers, pooling);
            // α·mean over the whole image's N·M feature values, as in losses/content.ts.
            let contentTerm: tf.Scalar = tf.scalar(0);
            for (const [i, layer] of content.layers.entries()) {
              const target = cropFeatures(targets.get(layer)!, tile, 2 ** (blockOf(layer) - 1));
              const w = pyramid[blockOf(layer) - 1]!;
              const map = features.get(layer)!;
              contentTerm = tf.add(
                contentTerm,
                tf.div(
                  tf.sum(tf.mul(w, tf.squaredDifference(map, target))),
                  contentPositions[i]! * map.shape[3],
                ),
              );
            }
            contentTerm = tf.mul(weights.content, contentTerm);
            let surrogate: tf.Scalar = tf.scalar(0);
            for (const [i, layer] of styleLayers.entries()) {
              const { difference, scale } = style[i]!;
              surrogate = tf.add(
                surrogate,
                styleSurrogate(
                  features.get(layer)!,
                  pyramid[blockOf(layer) - 1]!,
                  difference,
                  (2 * scale) / (positions[i]! * difference.shape[0]),
                ),
              );
            }
            const tvTerm =
              weights.tv > 0
                ? tf.mul(
                    weights.tv / (image.width * image.height * 3),
                    totalVariationSum(input as tf.Tensor4D, pyramid[0]!),
                  )
                : tf.scalar(0);
            // The gradient's forward scope frees everything but its result; the terms are read afterwards.
            localTerms = tf.keep(tf.stack([contentTerm, tvTerm]));
            return tf.add(tf.add(contentTerm, tvTerm), surrogate) as tf.Scalar;
          })(cropOf(x, tile));
          value.dispose();
          return grad;
        });
        const values = tileGradient.dataSync();
        const [tileContent = NaN, tileTv = NaN] = localTerms!.dataSync();
        contentLoss += tileContent;
        tvLoss += tileTv;
        tf.dispose([tileGradient, localTerms!]);
        for (let j = 0; j < crop.height; j++) {
          const from = j * crop.width * 3;
          const to = ((crop.y + j) * image.width + crop.x) * 3;
          for (let k = 0; k < crop.width * 3; k++) gradient[to + k]! += values[from + k]!;
        }
      }
      const styleLoss = style.reduce((sum, layer) => sum + layer.loss.dataSync()[0]!, 0);
      return {
        grad: tf.tensor4d(gradient, [1, image.height, image.width, 3]),
        losses: tf.tensor1d([contentLoss, styleLoss, tvLoss, contentLoss + styleLoss + tvLoss]),
      };
    } finally {
      tf.dispose(style.flatMap((layer) => [layer.difference, layer.loss]));
    }
  };
}

/**
 * c·Σ_p w_p F_pᵀ D F_p for a symmetric D, as an op whose value is 0 and whose gradient, 2c·w_p·D F_p, is
 * computed only in the backward pass: only its gradient matters, and tfjs would otherwise keep F·D and its
 * products for the backward pass (three feature-sized tensors per style layer).
 */
function styleSurrogate(
  features: tf.Tensor4D,
  weights: tf.Tensor4D,
  difference: tf.Tensor2D,
  scale: number,
): tf.Scalar {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    save([input]);
    return {
      value: tf.scalar(0),
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [flat, w] = flatten(saved[0] as tf.Tensor4D, weights);
          const gradient = tf.mul(tf.mul(tf.matMul(flat, difference), w), tf.mul(dy, 2 * scale));
          return tf.reshape(gradient, features.shape);
        }),
    };
  });
  return op(features) as tf.Scalar;
}
