import * as tf from '@tensorflow/tfjs-core';
import type { Size, TileLayout } from '@neural-style/vocabulary';
import { cropRows, type Region, type RgbImage } from './image.js';
import { maskTensor, sizeMask, type Mask } from './masks.js';
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

export interface Tile {
  /** What the network sees. */
  crop: Region;
  /** The part of the image this tile owns (cores partition the image). */
  core: Region;
  /**
   * Blend weights of the crop's rows and columns: a pixel's weight is their product, and over all tiles the
   * weights of a pixel sum to 1. Kept per axis: per pixel, a grid of small tiles would hold its image again.
   */
  rowWeights: Float32Array;
  columnWeights: Float32Array;
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
      tiles.push({
        crop,
        core: { x: left, y: top, width: right - left, height: bottom - top },
        rowWeights: rowWeights[row]!.slice(crop.y, crop.y + crop.height),
        columnWeights: columnWeights[column]!.slice(crop.x, crop.x + crop.width),
      });
    }
  }
  return tiles;
}

function cropImage(image: RgbImage, region: Region): tf.Tensor4D {
  return tf.tidy(() =>
    preprocess(tf.tensor3d(cropRows(image.data, image.width, 3, region), [region.height, region.width, 3])),
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
  const region = {
    x: tile.crop.x / scale,
    y: tile.crop.y / scale,
    width: Math.floor(tile.crop.width / scale),
    height: Math.floor(tile.crop.height / scale),
  };
  const values = cropRows(map.values, map.width, map.channels, region);
  return tf.tensor4d(values, [1, region.height, region.width, map.channels]);
}

/**
 * One style term of a tiled pass (objective.ts's StyleTerm): its weight, the Grams it matches per layer, and
 * where on the image it applies (none: everywhere).
 */
export interface TiledStyleTerm {
  weight: number;
  grams: Map<string, tf.Tensor2D>;
  mask?: Mask;
}

/**
 * The Gram of one whole style image at each layer (gram.ts's normalisation), accumulated core by core: FᵀF
 * summed over the cores' positions, divided by their count, so any size is computed from one crop's
 * activations at a time. With a style mask, the masked Gram of gram.ts, (F·m)ᵀ(F·m) / (N·Σm), summed the same
 * way; a layer where the mask vanishes takes the whole image, as untiled.
 */
export function tiledStyleGram(
  network: Vgg19,
  image: RgbImage,
  layout: Pick<TileLayout, 'core' | 'margin'>,
  layers: readonly string[],
  pooling: Pooling,
  styleMask?: Mask,
): Map<string, tf.Tensor2D> {
  const sized = styleMask && sizeMask(styleMask, image);
  const blocks = Math.max(...layers.map(blockOf));
  const sums = new Map<string, tf.Tensor2D>();
  const positions = new Map<string, number>();
  const tiles = tileGrid(image, layout);
  // A layer where the mask is 0 over every pixel its pooled positions cover is not masked (untiled: Σm = 0).
  const maskedLayers = new Set(
    sized ? layers.filter((layer) => coversAny(sized, 2 ** (blockOf(layer) - 1))) : [],
  );
  for (const tile of tiles) {
    const input = cropImage(image, tile.crop);
    tf.tidy(() => {
      const features = network.features(input, layers, pooling);
      const pyramid = sized ? poolPyramid(maskTensor(sized, tile.crop), blocks) : [];
      for (const layer of layers) {
        const map = features.get(layer)!;
        const [, height, width, channels] = map.shape;
        const { top, left, rows, columns } = coreWindow(tile, 2 ** (blockOf(layer) - 1), { height, width });
        if (rows <= 0 || columns <= 0) continue;
        let core = tf.reshape(tf.slice(map, [0, top, left, 0], [1, rows, columns, channels]), [
          rows * columns,
          channels,
        ]) as tf.Tensor2D;
        let count = rows * columns;
        if (maskedLayers.has(layer)) {
          const level = pyramid[blockOf(layer) - 1]!;
          const mask = tf.reshape(tf.slice(level, [0, top, left, 0], [1, rows, columns, 1]), [-1, 1]);
          core = tf.mul(core, mask);
          count = tf.sum(mask).dataSync()[0]!;
        }
        const previous = sums.get(layer);
        const sum = previous ? tf.add(previous, gram(core)) : gram(core);
        previous?.dispose();
        sums.set(layer, tf.keep(sum) as tf.Tensor2D);
        positions.set(layer, (positions.get(layer) ?? 0) + count);
      }
    });
    input.dispose();
  }
  const grams = new Map<string, tf.Tensor2D>();
  for (const [layer, sum] of sums) {
    grams.set(layer, tf.div(sum, positions.get(layer)! * sum.shape[0]));
    sum.dispose();
  }
  return grams;
}

/** Whether the mask is nonzero anywhere in the part of it that `scale`×`scale` 'valid' pooling covers. */
function coversAny(mask: Mask, scale: number): boolean {
  const width = Math.floor(mask.width / scale) * scale;
  const height = Math.floor(mask.height / scale) * scale;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (mask.data[y * mask.width + x]! > 0) return true;
  }
  return false;
}

/**
 * The style terms of a tiled pass, as computeTargets makes them untiled: without masks one term whose
 * Grams are Σ_s w_s·G_s (weights normalised to sum 1); with masks one term per style, weighted w_s / Σw,
 * on its own region.
 */
export function tiledStyleTerms(
  network: Vgg19,
  styles: readonly { image: RgbImage; weight: number; mask?: Mask; styleMask?: Mask }[],
  layout: Pick<TileLayout, 'core' | 'margin'>,
  layers: readonly string[],
  pooling: Pooling,
): TiledStyleTerm[] {
  const weightSum = styles.reduce((sum, style) => sum + style.weight, 0);
  const terms: TiledStyleTerm[] = [];
  try {
    for (const style of styles) {
      terms.push({
        weight: style.weight / weightSum,
        grams: tiledStyleGram(network, style.image, layout, layers, pooling, style.styleMask),
        ...(style.mask ? { mask: style.mask } : {}),
      });
    }
  } catch (error) {
    disposeStyleTerms(terms);
    throw error;
  }
  if (styles.some((style) => style.mask || style.styleMask)) return terms;
  const blended = new Map(
    layers.map((layer) => [
      layer,
      tf.tidy(() =>
        terms
          .map((term) => tf.mul(term.grams.get(layer)!, term.weight))
          .reduce((sum, gram) => tf.add(sum, gram)),
      ) as tf.Tensor2D,
    ]),
  );
  disposeStyleTerms(terms);
  return [{ weight: 1, grams: blended }];
}

export function disposeStyleTerms(terms: readonly TiledStyleTerm[]): void {
  tf.dispose(terms.flatMap((term) => [...term.grams.values()]));
}

/** A [1, h, w, 1] map at the resolution of each block (block 1: as given), pooled as the network pools. */
function poolPyramid(level1: tf.Tensor4D, blocks: number): tf.Tensor4D[] {
  const pyramid = [level1];
  for (let block = 2; block <= blocks; block++) {
    pyramid.push(tf.avgPool(pyramid.at(-1)!, 2, 2, 'valid') as tf.Tensor4D);
  }
  return pyramid;
}

/** A tile's blend weights at the resolution of each block. */
function weightPyramid(tile: Tile, blocks: number): tf.Tensor4D[] {
  const weights = tf.outerProduct(tf.tensor1d(tile.rowWeights), tf.tensor1d(tile.columnWeights));
  return poolPyramid(tf.reshape(weights, [1, tile.crop.height, tile.crop.width, 1]), blocks);
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
 * A style term's loss mean (G − A)² needs the whole image's Gram G = Σ_t Fᵀ V_t F / (N·P), V_t = W_t·m² and
 * P = Σ_t Σ W_t·m (m: the term's mask at the layer, else 1; losses/gram.ts): a first, forward-only sweep over
 * the tiles accumulates it; in the second, each tile back-propagates 2⟨G − A, Fᵀ V_t F⟩ / (N·P) (per term and
 * layer, scaled like the loss), whose gradient is exactly the tile's share of the style gradient.
 */
export function tiledObjective(
  network: Vgg19,
  image: Size,
  tiles: readonly Tile[],
  content: { image: RgbImage; layers: readonly string[] },
  terms: readonly TiledStyleTerm[],
  weights: LossWeights,
  pooling: Pooling,
): Objective {
  const targets = contentFeatureMaps(network, content.image, tiles, content.layers, pooling);
  const styleLayers = [...new Set(terms.flatMap((term) => [...term.grams.keys()]))];
  const layers = [...new Set([...content.layers, ...styleLayers])];
  const blocks = Math.max(...layers.map(blockOf));
  const masks = terms.map((term) => term.mask && sizeMask(term.mask, image));
  /** Per term and style layer: a tile's V (Gram row weights, W·m²) and its positions W·m, as [1, h, w, 1]. */
  const styleWeights = (tile: Tile, pyramid: tf.Tensor4D[]) =>
    masks.map((mask) => {
      const maskPyramid = mask && poolPyramid(maskTensor(mask, tile.crop), blocks);
      return styleLayers.map((layer) => {
        const w = pyramid[blockOf(layer) - 1]!;
        if (!maskPyramid) return { gram: w, positions: w };
        const m = maskPyramid[blockOf(layer) - 1]!;
        const positions = tf.mul(w, m) as tf.Tensor4D;
        return { gram: tf.mul(positions, m) as tf.Tensor4D, positions };
      });
    });
  // Feature positions over the whole image of each content layer, and P of each term's style layer.
  const contentPositions = content.layers.map(() => 0);
  const stylePositions = terms.map(() => styleLayers.map(() => 0));
  for (const tile of tiles) {
    tf.tidy(() => {
      const pyramid = weightPyramid(tile, blocks);
      content.layers.forEach((layer, i) => {
        contentPositions[i]! += tf.sum(pyramid[blockOf(layer) - 1]!).dataSync()[0]!;
      });
      styleWeights(tile, pyramid).forEach((term, k) =>
        term.forEach(({ positions }, i) => {
          stylePositions[k]![i]! += tf.sum(positions).dataSync()[0]!;
        }),
      );
    });
  }
  const cropOf = (x: tf.Tensor, tile: Tile) =>
    tf.slice(x, [0, tile.crop.y, tile.crop.x, 0], [1, tile.crop.height, tile.crop.width, 3]) as tf.Tensor4D;

  /** Sweep 1: Σ_t Fᵀ V_t F per term and style layer. */
  const styleSums = (x: tf.Tensor): tf.Tensor2D[][] => {
    let sums: tf.Tensor2D[][] = [];
    for (const tile of tiles) {
      const next = tf.tidy(() => {
        const rowWeights = styleWeights(tile, weightPyramid(tile, blocks));
        const features = network.features(cropOf(x, tile), styleLayers, pooling);
        return rowWeights.map((term, k) =>
          styleLayers.map((layer, i) => {
            const [flat, v] = flatten(features.get(layer)!, term[i]!.gram);
            const sum = tf.matMul(tf.mul(flat, v), flat, true, false) as tf.Tensor2D;
            const previous = sums[k]?.[i];
            return previous ? (tf.add(previous, sum) as tf.Tensor2D) : sum;
          }),
        );
      });
      tf.dispose(sums.flat());
      sums = next;
    }
    return sums;
  };

  return (x: tf.Tensor): Evaluation => {
    const sums = styleSums(x);
    // Per term and style layer with a region at that layer: the constant D = G − A of the surrogate, its
    // scale, and the layer's loss.
    const style = tf.tidy(() =>
      terms.flatMap((term, k) =>
        styleLayers.flatMap((layer, i) => {
          const positions = stylePositions[k]![i]!;
          const target = term.grams.get(layer);
          if (positions <= 0 || !target) return [];
          const channels = target.shape[0];
          // w·β·w_l·mean over the N² entries of (G − A)², as in losses/gram.ts and losses/objective.ts.
          const scale =
            (term.weight * weights.style * (weights.styleLayers.get(layer) ?? 0)) / (channels * channels);
          const difference = tf.sub(tf.div(sums[k]![i]!, positions * channels), target) as tf.Tensor2D;
          return [
            {
              term: k,
              layer: i,
              difference,
              factor: (2 * scale) / (positions * channels),
              loss: tf.mul(scale, tf.sum(tf.square(difference))),
            },
          ];
        }),
      ),
    );
    tf.dispose(sums.flat());
    const gradient = new Float32Array(image.width * image.height * 3);
    let contentLoss = 0;
    let tvLoss = 0;
    try {
      for (const tile of tiles) {
        const { crop } = tile;
        let localTerms: tf.Tensor | undefined;
        const tileGradient = tf.tidy(() => {
          const pyramid = weightPyramid(tile, blocks);
          // Outside the gradient's scope, which frees its intermediates before the surrogates' backward.
          const rowWeights = styleWeights(tile, pyramid);
          const { value, grad } = network.valueAndGrad(
            cropOf(x, tile),
            layers,
            pooling,
            (features, input) => {
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
              for (const { term, layer, difference, factor } of style) {
                surrogate = tf.add(
                  surrogate,
                  styleSurrogate(
                    features.get(styleLayers[layer]!)!,
                    rowWeights[term]![layer]!.gram,
                    difference,
                    factor,
                  ),
                );
              }
              const tvTerm =
                weights.tv > 0
                  ? tf.mul(
                      weights.tv / (image.width * image.height * 3),
                      totalVariationSum(input, pyramid[0]!),
                    )
                  : tf.scalar(0);
              // The gradient's forward scope frees everything but its result; the terms are read afterwards.
              localTerms = tf.keep(tf.stack([contentTerm, tvTerm]));
              return tf.add(tf.add(contentTerm, tvTerm), surrogate) as tf.Scalar;
            },
          );
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
