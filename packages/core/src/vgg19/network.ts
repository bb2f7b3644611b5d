import * as tf from '@tensorflow/tfjs-core';
import { convBiasRelu, convInputGradient, prepareConv, reluMask, type PreparedConv } from '../ops/conv.js';
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
   * per job, not on every evaluation). Call inside tf.tidy: intermediates are not disposed here. Untaped:
   * gradients go through valueAndGrad.
   */
  features(input: tf.Tensor4D, layers: readonly string[], pooling: Pooling): Map<string, tf.Tensor4D> {
    const wanted = new Set(layers);
    const out = new Map<string, tf.Tensor4D>();
    let x = input;
    for (let i = 0; i <= this.deepest(layers); i++) {
      x = convBiasRelu(x, this.convs[i]!);
      if (wanted.has(this.names[i]!)) out.set(this.names[i]!, x);
      if (this.poolsAfter(i, layers)) x = pool(x, pooling);
    }
    return out;
  }

  /**
   * loss(features(input), input) and its gradient with respect to the input, with the network's backward
   * pass written out: the forward pass keeps only each ReLU's mask (1 byte a value) and the loss layers'
   * features; autodiff runs on the loss alone, giving its gradient at each loss layer; then, from the deepest
   * layer down, each layer's gradient is made, used and freed (dy·mask through the rotated kernel, pools
   * un-pooled). tfjs's tape would keep every activation, every gradient and every partial sum of a gradient
   * to the end (docs/high-resolution.md compares the two).
   */
  valueAndGrad(
    input: tf.Tensor4D,
    layers: readonly string[],
    pooling: Pooling,
    loss: (features: Map<string, tf.Tensor4D>, input: tf.Tensor4D) => tf.Scalar,
  ): { value: tf.Scalar; grad: tf.Tensor4D } {
    return tf.tidy(() => {
      const wanted = new Set(layers);
      const deepest = this.deepest(layers);
      const masks: tf.Tensor4D[] = [];
      // Where a pool follows layer i: what its gradient needs (max: input and output; avg: the input's shape).
      const pools = new Map<number, PoolRecord>();
      const features = new Map<string, tf.Tensor4D>();
      // What outlives its consumer in the forward pass: the input, the loss layers, max pools' records.
      const held = new Set<tf.Tensor>([input]);
      let x = input;
      for (let i = 0; i <= deepest; i++) {
        const y = convBiasRelu(x, this.convs[i]!);
        if (!held.has(x)) x.dispose();
        masks.push(reluMask(y));
        if (wanted.has(this.names[i]!)) {
          features.set(this.names[i]!, y);
          held.add(y);
        }
        x = y;
        if (this.poolsAfter(i, layers)) {
          x = pool(y, pooling);
          const record: PoolRecord =
            pooling === 'max' ? { shape: y.shape, input: y, output: x } : { shape: y.shape };
          pools.set(i, record);
          if (record.output) held.add(record.output).add(y);
          if (!held.has(y)) y.dispose();
        }
      }
      if (!held.has(x)) x.dispose();

      const names = [...features.keys()];
      const { value, grads } = tf
        .engine()
        .gradients(
          () => loss(features, input),
          [...names.map((name) => features.get(name)!), input],
          undefined,
          true,
        );
      const lossGrads = new Map(names.map((name, k) => [name, grads[k] as tf.Tensor4D | null]));
      const inputLossGrad = grads[names.length] as tf.Tensor4D | null;
      const pooled = new Set([...pools.values()].flatMap((record) => [record.input, record.output]));
      for (const feature of features.values()) if (!pooled.has(feature)) feature.dispose();

      // Backward, deepest layer first: the gradient at layer i's output is what comes down from above plus
      // the loss's own at that layer.
      let g: tf.Tensor4D | null = null;
      for (let i = deepest; i >= 0; i--) {
        const fromLoss = lossGrads.get(this.names[i]!) ?? null;
        const arriving: tf.Tensor4D | null =
          g && fromLoss ? (tf.add(g, fromLoss) as tf.Tensor4D) : (g ?? fromLoss);
        if (g && fromLoss) tf.dispose([g, fromLoss]);
        g = arriving && convInputGradient(arriving, masks[i]!, this.convs[i]!);
        tf.dispose([masks[i]!, ...(arriving ? [arriving] : [])]);
        const below = pools.get(i - 1);
        if (g && below) {
          const dx = g;
          g = unpool(dx, below, pooling);
          tf.dispose([dx, ...(below.input ? [below.input, below.output!] : [])]);
        }
      }
      const grad =
        g && inputLossGrad ? tf.add(g, inputLossGrad) : (g ?? inputLossGrad ?? tf.zerosLike(input));
      return { value: value as tf.Scalar, grad: grad as tf.Tensor4D };
    });
  }

  /** Index of the deepest of `layers`. */
  private deepest(layers: readonly string[]): number {
    return Math.max(...layers.map((name) => this.names.indexOf(name as Vgg19LayerName)));
  }

  /** Whether a pool follows layer i on the way to the deepest of `layers` (it ends a block). */
  private poolsAfter(i: number, layers: readonly string[]): boolean {
    const name = this.names[i]!;
    const next = this.names[i + 1];
    return next !== undefined && next.slice(0, 5) !== name.slice(0, 5) && i < this.deepest(layers);
  }

  dispose(): void {
    for (const conv of this.convs) {
      tf.dispose([conv.kernel, conv.bias]);
      conv.dispose();
    }
  }
}

interface PoolRecord {
  shape: number[];
  input?: tf.Tensor4D;
  output?: tf.Tensor4D;
}

function pool(x: tf.Tensor4D, pooling: Pooling): tf.Tensor4D {
  return (pooling === 'max' ? tf.maxPool(x, 2, 2, 'valid') : tf.avgPool(x, 2, 2, 'valid')) as tf.Tensor4D;
}

/** The gradient at a 2×2 pool's input from the gradient at its output (the pooling kernels' own gradients). */
function unpool(dy: tf.Tensor4D, at: PoolRecord, pooling: Pooling): tf.Tensor4D {
  const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
  if (pooling === 'max') {
    return tf
      .engine()
      .runKernel(tf.MaxPoolGrad, { dy, input: at.input!, output: at.output! }, attrs) as tf.Tensor4D;
  }
  // AvgPoolGrad reads only its input's shape (tfjs's kernels and ops/onednn.ts's): a stand-in with that shape
  // spares keeping the input, a layer's worth of memory, for it.
  const shapeOnly = { dataId: dy.dataId, shape: at.shape, dtype: 'float32' } as unknown as tf.Tensor;
  return tf.engine().runKernel(tf.AvgPoolGrad, { dy, input: shapeOnly }, attrs) as tf.Tensor4D;
}
