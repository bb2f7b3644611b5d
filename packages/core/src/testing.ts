import { writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import path from 'node:path';

import { VGG19_CONV_NAMES } from '@neural-style/vocabulary';
import type { ConvWeights } from './vgg19/weights.js';

/**
 * A tiny VGG19 with random weights and the real layer names, for tests and benchmarks without the
 * ImageNet weights. `widths` are the channel counts of blocks 1..5.
 */
export function randomVggWeights(opts: { seed?: number; widths?: readonly number[] } = {}): ConvWeights[] {
  const widths = opts.widths ?? [4, 6, 8, 8, 8];
  const random = gaussian(opts.seed ?? 1);
  let inChannels = 3;
  return VGG19_CONV_NAMES.map((name) => {
    const outChannels = widths[Number(name[4]) - 1] ?? 8;
    const shape: ConvWeights['shape'] = [3, 3, inChannels, outChannels];
    // He initialisation keeps activations alive through 16 ReLU layers.
    const std = Math.sqrt(2 / (9 * inChannels));
    const kernel = Float32Array.from({ length: 9 * inChannels * outChannels }, () => random() * std);
    const bias = Float32Array.from({ length: outChannels }, () => random() * 0.01);
    inChannels = outChannels;
    return { name, shape, kernel, bias };
  });
}

/**
 * Writes weights as a TF.js layers-model directory (model.json + one float32 shard, Keras layer names),
 * so child processes (CLI, workers) can load them through a path like the real weights.
 */
export async function writeTfjsWeights(dir: string, weights: readonly ConvWeights[]): Promise<void> {
  const specs = weights.flatMap((conv) => {
    const keras = conv.name.replace(/^conv(\d)_(\d)$/, 'block$1_conv$2');
    return [
      { name: `${keras}/kernel`, shape: conv.shape, dtype: 'float32' },
      { name: `${keras}/bias`, shape: [conv.shape[3]], dtype: 'float32' },
    ];
  });
  const bytes = Buffer.concat(
    weights.flatMap((conv) =>
      [conv.kernel, conv.bias].map((values) =>
        Buffer.from(values.buffer, values.byteOffset, values.byteLength),
      ),
    ),
  );
  await writeFile(path.join(dir, 'weights.bin'), bytes);
  await writeFile(
    path.join(dir, 'model.json'),
    JSON.stringify({ format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'], weights: specs }] }),
  );
}

/** Seeded standard normal numbers (mulberry32 + Box-Muller). */
function gaussian(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * Tracks the bytes of tensor data the wasm backend allocates in its heap (every tensor's buffer goes
 * through the module's malloc and free): the live total and its peak since start, counting shared data
 * once — unlike tf.memory().numBytes, which counts every tensor that shares a buffer (reshapes, saved
 * clones) again. Call while the wasm backend is active; stop() restores the module.
 */
export function trackWasmTensorBytes(): { live: () => number; peak: () => number; stop: () => void } {
  const module = (tf.backend() as unknown as { wasm: WasmAllocator }).wasm;
  const { _malloc: malloc, _free: free } = module;
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  module._malloc = (size: number) => {
    const pointer = malloc(size);
    sizes.set(pointer, size);
    live += size;
    peak = Math.max(peak, live);
    return pointer;
  };
  module._free = (pointer: number) => {
    live -= sizes.get(pointer) ?? 0;
    sizes.delete(pointer);
    free(pointer);
  };
  return {
    live: () => live,
    peak: () => peak,
    stop: () => {
      module._malloc = malloc;
      module._free = free;
    },
  };
}

interface WasmAllocator {
  _malloc: (size: number) => number;
  _free: (pointer: number) => void;
}
