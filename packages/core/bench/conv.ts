/**
 * Micro-benchmark of the convolutions a Gatys iteration spends its time in, at VGG19's shapes.
 * Prints one JSON object: GFLOP/s (2·H·W·9·Cin·Cout per conv) of the forward conv (unfused and fused with
 * bias + ReLU), of tfjs's Conv2DBackpropInput kernel, and of our input gradient (forward conv with the
 * rotated kernel).
 *
 *   npx tsx --conditions=source bench/conv.ts [--backend wasm|cpu|tensorflow] [--threads N] [--size 256]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice } from '@neural-style/vocabulary';
import { selectBackend } from '../src/backend.js';
import { prepareConv } from '../src/ops/conv.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string' },
    size: { type: 'string', default: '256' },
    repeats: { type: 'string', default: '5' },
  },
});
const size = Number(args.size);
const repeats = Number(args.repeats);

/** [spatial size, in channels, out channels] of each distinct VGG19 conv up to conv5_1, at `size` px input. */
const vggShapes = (px: number): [number, number, number][] => [
  [px, 3, 64],
  [px, 64, 64],
  [px / 2, 64, 128],
  [px / 2, 128, 128],
  [px / 4, 128, 256],
  [px / 4, 256, 256],
  [px / 8, 256, 512],
  [px / 8, 512, 512],
  [px / 16, 512, 512],
];

/** Median seconds of `run`, after one warm-up call (the first call packs the weights). */
function seconds(run: () => tf.Tensor): number {
  run().dispose();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    const result = run();
    result.dataSync();
    times.push((performance.now() - start) / 1000);
    result.dispose();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const backend = await selectBackend(args.backend as BackendChoice, {
  ...(args.threads !== undefined && { threads: Number(args.threads) }),
});
const threads =
  backend.name === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : null;

const layers = vggShapes(size).map(([hw, inChannels, outChannels]) => {
  const x = tf.randomNormal([1, hw, hw, inChannels]) as tf.Tensor4D;
  const dy = tf.randomNormal([1, hw, hw, outChannels]) as tf.Tensor4D;
  const kernel = tf.randomNormal([3, 3, inChannels, outChannels], 0, 0.1) as tf.Tensor4D;
  const bias = tf.randomNormal([outChannels]) as tf.Tensor1D;
  const conv = prepareConv(kernel, bias);
  const gflop = (2 * hw * hw * 9 * inChannels * outChannels) / 1e9;
  const rate = (run: () => tf.Tensor) => Number((gflop / seconds(run)).toFixed(1));
  const result = {
    shape: `${hw}x${hw}x${inChannels}->${outChannels}`,
    gflop: Number(gflop.toFixed(3)),
    forward: rate(() => tf.tidy(() => tf.relu(tf.add(tf.conv2d(x, kernel, 1, 'same'), bias)))),
    forwardFused: rate(() =>
      tf.fused.conv2d({ x, filter: kernel, strides: 1, pad: 'same', bias, activation: 'relu' }),
    ),
    backpropInputDefault: rate(() => tf.conv2dTranspose(dy, kernel, x.shape, 1, 'same')),
    backpropInputRotated: rate(() => tf.conv2d(dy, conv.rotatedKernel, 1, 'same')),
  };
  conv.dispose();
  tf.dispose([x, dy, kernel, bias]);
  return result;
});

const total = (key: 'forward' | 'forwardFused' | 'backpropInputDefault' | 'backpropInputRotated') => {
  const gflop = layers.reduce((sum, layer) => sum + layer.gflop, 0);
  const time = layers.reduce((sum, layer) => sum + layer.gflop / layer[key], 0);
  return Number((gflop / time).toFixed(1));
};

console.log(
  JSON.stringify(
    {
      backend: backend.name,
      threads,
      size,
      // Other processes on the machine skew every number; this says how busy it was.
      loadAverage: Number(os.loadavg()[0]!.toFixed(2)),
      layers,
      // Over the whole network, weighted by each layer's work.
      overall: {
        forward: total('forward'),
        forwardFused: total('forwardFused'),
        backpropInputDefault: total('backpropInputDefault'),
        backpropInputRotated: total('backpropInputRotated'),
      },
    },
    null,
    2,
  ),
);
