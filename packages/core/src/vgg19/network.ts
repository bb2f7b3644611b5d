import * as tf from '@tensorflow/tfjs-core';
import { convBiasRelu, prepareConv, type PreparedConv } from '../ops/conv.js';
import {
  StyleTransferError,
  VGG19_CONV_NAMES,
  type StyleOptions,
  type Vgg19LayerName,
} from '@neural-style/vocabulary';
import type { ConvWeights } from './weights.js';

export type Pooling = StyleOptions['pooling'];

/**
 * VGG19 built from raw weights as conv/ReLU/pool ops rather than a Keras model, so that the pooling is
 * selectable and the forward pass stops at the deepest layer a loss needs. Features are read after
 * the ReLU, as in Gatys et al. (their "conv4_2" is relu4_2).
 */
export class Vgg19 {
  private readonly convs: PreparedConv[];
  private readonly names: Vgg19LayerName[];

  constructor(weights: readonly ConvWeights[]) {
    this.names = weights.map((layer, index) => {
      if (layer.name !== VGG19_CONV_NAMES[index]) {
        throw new StyleTransferError(
          'WEIGHTS_INVALID',
          `VGG19 weights out of order: expected ${VGG19_CONV_NAMES[index] ?? 'no more layers'} at position ${index + 1}, got ${layer.name}`,
        );
      }
      return layer.name as Vgg19LayerName;
    });
    this.convs = weights.map((layer) =>
      prepareConv(tf.tensor4d(layer.kernel, layer.shape), tf.tensor1d(layer.bias)),
    );
  }

  get layers(): readonly Vgg19LayerName[] {
    return this.names;
  }

  /** Refuses layer names this network does not have (e.g. conv5_1 with weights that stop at block 4). */
  requireLayers(layers: readonly string[]): void {
    const missing = [...new Set(layers)].filter((name) => !this.names.includes(name as Vgg19LayerName));
    if (missing.length > 0) {
      throw new StyleTransferError(
        'INVALID_OPTIONS',
        `layer ${missing.join(', ')} is not in the loaded VGG19 (it stops at ${this.names.at(-1)})`,
      );
    }
  }

  /**
   * Runs the network on a preprocessed [1, H, W, 3] image up to the deepest requested layer and
   * returns the requested activations (post-ReLU). The layers must exist (see requireLayers; checked once
   * per job, not on every evaluation). Call inside tf.tidy: intermediates are not disposed here.
   */
  features(input: tf.Tensor4D, layers: readonly string[], pooling: Pooling): Map<string, tf.Tensor4D> {
    const wanted = new Set(layers);
    const deepest = Math.max(...layers.map((name) => this.names.indexOf(name as Vgg19LayerName)));
    const out = new Map<string, tf.Tensor4D>();
    let x = input;
    for (let i = 0; i <= deepest; i++) {
      const name = this.names[i]!;
      x = convBiasRelu(x, this.convs[i]!);
      if (wanted.has(name)) out.set(name, x);
      const next = this.names[i + 1];
      const endsBlock = next !== undefined && next.slice(0, 5) !== name.slice(0, 5);
      if (endsBlock && i < deepest) {
        x = (pooling === 'max' ? tf.maxPool(x, 2, 2, 'valid') : tf.avgPool(x, 2, 2, 'valid')) as tf.Tensor4D;
      }
    }
    return out;
  }

  dispose(): void {
    for (const conv of this.convs) {
      tf.dispose([conv.kernel, conv.bias]);
      conv.dispose();
    }
  }
}
