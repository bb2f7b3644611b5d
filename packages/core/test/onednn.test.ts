import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
// Registers tfjs's gradients (pooling, matMul), whose kernels the oneDNN ones replace.
import '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { createEngine } from '../src/engine.js';
import { computeTargets, disposeTargets, styleObjective } from '../src/losses/objective.js';
import {
  oneDnnCallCounts,
  oneDnnInfo,
  oneDnnMaskGradient,
  oneDnnReluMask,
  oneDnnUnavailableReason,
} from '../src/ops/onednn.js';
import { randomVggWeights } from '../src/testing.js';
import { Vgg19, type Pooling } from '../src/vgg19/network.js';
import { makeImage, paperLayers, relativeError, testLossWeights } from './fixtures.js';

const unavailable = oneDnnUnavailableReason();
if (unavailable !== null) console.warn(`oneDNN kernel tests skipped: ${unavailable}`);

type Counts = Record<string, number>;

/** Calls oneDNN ran since `before`, per kernel ('Conv2D'), and those it handed to wasm ('Conv2D:wasm'). */
function callsSince(before: ReturnType<typeof oneDnnCallCounts>): Counts {
  const delta: Counts = {};
  for (const [name, now] of Object.entries(oneDnnCallCounts())) {
    const onednn = now.onednn - (before[name]?.onednn ?? 0);
    const wasm = now.wasm - (before[name]?.wasm ?? 0);
    if (onednn > 0) delta[name] = onednn;
    if (wasm > 0) delta[`${name}:wasm`] = wasm;
  }
  return delta;
}

/**
 * Runs `compute` on the wasm backend with XNNPACK's kernels and again with oneDNN's, returning both
 * results as plain arrays and the oneDNN run's kernel calls; the tensor count must come back to where it
 * was after each run.
 */
async function bothPaths(
  compute: () => tf.Tensor | tf.Tensor[],
): Promise<[Float32Array[], Float32Array[], Counts]> {
  let counts: Counts = {};
  const results: Float32Array[][] = [];
  for (const oneDnn of [false, true]) {
    const backend = await selectBackend('wasm', { oneDnn });
    expect(backend.kernels).toBe(oneDnn ? 'onednn' : 'builtin');
    const before = tf.memory().numTensors;
    const callsBefore = oneDnnCallCounts();
    results.push(
      tf.tidy(() => {
        const out = compute();
        const tensors = Array.isArray(out) ? out : [out];
        const values = tensors.map((t) => t.dataSync() as Float32Array);
        // Kept tensors (the objective's losses) survive tidy; the caller owns them.
        tf.dispose(tensors);
        return values;
      }),
    );
    expect(tf.memory().numTensors).toBe(before);
    if (oneDnn) counts = callsSince(callsBefore);
    else expect(callsSince(callsBefore)).toEqual({});
  }
  return [results[0]!, results[1]!, counts];
}

function expectClose(actual: Float32Array[], expected: Float32Array[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((values, i) => {
    expect(relativeError(values, expected[i]!)).toBeLessThan(tolerance);
  });
}

const random = (shape: number[], seed: number, std = 1) => tf.randomNormal(shape, 0, std, 'float32', seed);

describe.skipIf(unavailable !== null)('oneDNN kernels against the wasm backend’s own', () => {
  it('run on every core, leaving XNNPACK one thread', async () => {
    expect((await selectBackend('wasm')).kernels).toBe('onednn');
    expect(getThreadsCount()).toBe(1);
    expect(oneDnnInfo()).toMatchObject({
      version: expect.stringMatching(/^\d+\.\d+/),
      threads: os.availableParallelism(),
    });
  });

  it.each([
    { name: '3x3 same', x: [1, 9, 11, 5], filter: [3, 3, 5, 7], strides: 1, pad: 'same', dilations: 1 },
    {
      name: 'batch 2, 5x3 valid',
      x: [2, 8, 9, 4],
      filter: [5, 3, 4, 6],
      strides: 1,
      pad: 'valid',
      dilations: 1,
    },
    { name: 'stride 2 same', x: [1, 13, 10, 3], filter: [3, 3, 3, 8], strides: 2, pad: 'same', dilations: 1 },
    { name: 'dilation 2', x: [1, 12, 12, 4], filter: [3, 3, 4, 4], strides: 1, pad: 'same', dilations: 2 },
    { name: 'explicit padding', x: [1, 7, 7, 2], filter: [3, 3, 2, 3], strides: 1, pad: 1, dilations: 1 },
  ] as const)('conv2d, $name', async ({ x, filter, strides, pad, dilations }) => {
    const [builtin, onednn, calls] = await bothPaths(() =>
      tf.conv2d(
        random([...x], 1) as tf.Tensor4D,
        random([...filter], 2) as tf.Tensor4D,
        strides,
        pad,
        'NHWC',
        dilations,
      ),
    );
    expect(calls).toEqual({ Conv2D: 1 });
    expect(onednn[0]!.length).toBeGreaterThan(0);
    expectClose(onednn, builtin, 1e-5);
  });

  it.each(['relu', 'linear'] as const)('FusedConv2D with bias and %s activation', async (activation) => {
    const [builtin, onednn, calls] = await bothPaths(
      () =>
        tf
          .engine()
          .runKernel(
            tf.FusedConv2D,
            { x: random([2, 10, 12, 8], 3), filter: random([3, 3, 8, 16], 4), bias: random([16], 5) },
            { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, activation },
          ) as tf.Tensor,
    );
    expect(calls).toEqual({ FusedConv2D: 1 });
    // Clipped outputs with the ReLU (or its fusion would go untested), negative ones without.
    const smallest = Math.min(...onednn[0]!);
    if (activation === 'relu') expect(smallest).toBe(0);
    else expect(smallest).toBeLessThan(0);
    expectClose(onednn, builtin, 1e-5);
  });

  it('leaves what it does not cover (other activations, PReLU weights) to the wasm kernel', async () => {
    const [builtin, onednn, calls] = await bothPaths(() => [
      tf.fused.conv2d({
        x: random([1, 6, 6, 3], 6) as tf.Tensor4D,
        filter: random([3, 3, 3, 4], 7) as tf.Tensor4D,
        strides: 1,
        pad: 'same',
        bias: random([4], 8),
        activation: 'relu6',
      }),
      tf.fused.conv2d({
        x: random([1, 6, 6, 3], 6) as tf.Tensor4D,
        filter: random([3, 3, 3, 4], 7) as tf.Tensor4D,
        strides: 1,
        pad: 'same',
        activation: 'prelu',
        preluActivationWeights: random([4], 9),
      }),
    ]);
    expect(calls).toEqual({ 'FusedConv2D:wasm': 2 });
    expectClose(onednn, builtin, 1e-6);
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('batched matMul, transposeA %s, transposeB %s', async (transposeA, transposeB) => {
    const [builtin, onednn, calls] = await bothPaths(() =>
      tf.matMul(
        random(transposeA ? [3, 17, 9] : [3, 9, 17], 10),
        random(transposeB ? [3, 5, 17] : [3, 17, 5], 11),
        transposeA,
        transposeB,
      ),
    );
    expect(calls).toEqual({ BatchMatMul: 1 });
    expect(onednn[0]!.length).toBe(3 * 9 * 5);
    expectClose(onednn, builtin, 1e-5);
  });

  it('2-D and broadcast matMul (the latter on the wasm kernel)', async () => {
    const [builtin, onednn, calls] = await bothPaths(() => [
      tf.matMul(random([40, 6], 12), random([40, 6], 13), true, false),
      tf.matMul(random([2, 4, 3], 14), random([1, 3, 5], 15)),
    ]);
    expect(calls).toEqual({ BatchMatMul: 1, 'BatchMatMul:wasm': 1 });
    expectClose(onednn, builtin, 1e-5);
  });

  // The reference here is the adjoint identity <pool(x), u> = <x, dx> (exact: both poolings are positively
  // homogeneous), and for unpadded pooling also the cpu backend. tfjs's own gradients fail it where we do
  // not compare with them: wasm's MaxPoolGrad where a window holds only negative values (never after VGG's
  // ReLUs), and both backends' AvgPoolGrad with 'same' padding (they divide by the whole window where the
  // forward pass divides by the pixels inside).
  it.each([
    { pooling: 'avg', size: 2, strides: 2, pad: 'valid', x: [1, 9, 8, 6] },
    { pooling: 'max', size: 2, strides: 2, pad: 'valid', x: [2, 8, 10, 5] },
    { pooling: 'avg', size: 3, strides: 2, pad: 'same', x: [1, 9, 7, 4] },
    { pooling: 'max', size: 3, strides: 1, pad: 'same', x: [1, 6, 7, 3] },
  ] as const)(
    '$pooling pooling gradient, $size×$size stride $strides $pad',
    async ({ pooling, size, strides, pad, x }) => {
      const run = async (backend: 'cpu' | 'wasm') => {
        await selectBackend(backend);
        return tf.tidy(() => {
          const input = random([...x], 16) as tf.Tensor4D;
          const pool = (t: tf.Tensor4D) =>
            pooling === 'avg' ? tf.avgPool(t, size, strides, pad) : tf.maxPool(t, size, strides, pad);
          const upstream = random(pool(input).shape, 17);
          const dx = tf.grad((t: tf.Tensor4D) => tf.sum(tf.mul(pool(t), upstream)))(input);
          const adjoint = [tf.sum(tf.mul(pool(input), upstream)), tf.sum(tf.mul(input, dx))].map(
            (t) => t.dataSync()[0]!,
          );
          return { dx: dx.dataSync() as Float32Array, adjoint };
        });
      };
      const before = oneDnnCallCounts();
      const onednn = await run('wasm');
      expect(callsSince(before)).toEqual({ [pooling === 'avg' ? 'AvgPoolGrad' : 'MaxPoolGrad']: 1 });
      expect(onednn.dx.some((value) => value !== 0)).toBe(true);
      const [forward, backward] = onednn.adjoint;
      expect(Math.abs(forward! - backward!)).toBeLessThan(1e-5 * Math.abs(forward!));
      if (pad === 'valid') expectClose([onednn.dx], [(await run('cpu')).dx], 1e-5);
    },
  );

  it.each<Pooling>(['avg', 'max'])(
    'gives the objective’s losses and gradient of the XNNPACK path (%s pooling)',
    async (pooling) => {
      await selectBackend('wasm');
      const network = new Vgg19(randomVggWeights({ seed: 4, widths: [8, 16, 16, 32, 32] }));
      const [builtin, onednn, calls] = await bothPaths(() => {
        const image = (seed: number) =>
          tf.randomUniform([1, 40, 48, 3], -100, 100, 'float32', seed) as tf.Tensor4D;
        const targets = computeTargets(
          network,
          image(1),
          [{ image: image(2), weight: 1 }],
          paperLayers,
          pooling,
        );
        const { grad, losses } = styleObjective(network, targets, testLossWeights, pooling)(image(3));
        disposeTargets(targets);
        return [losses, grad];
      });
      network.dispose();
      // Every heavy kernel of the iteration ran in oneDNN, none fell back.
      expect(Object.keys(calls).sort()).toEqual(
        ['BatchMatMul', 'Conv2D', 'FusedConv2D', pooling === 'avg' ? 'AvgPoolGrad' : 'MaxPoolGrad'].sort(),
      );
      expect(Math.abs(builtin[1]![0]!)).toBeGreaterThan(0);
      expectClose(onednn, builtin, 1e-4);
    },
  );
  it('runs a whole job like the XNNPACK path: same losses per iteration, tensors back to baseline', async () => {
    const inputs = { content: await makeImage(40, 30, 0), styles: [{ image: await makeImage(32, 32, 3) }] };
    const options = { size: 32, iterations: 8, styleWeight: 1e4, tvWeight: 0 };
    const runs = [];
    for (const oneDnn of [false, true]) {
      const engine = await createEngine({ weights: randomVggWeights({ seed: 5 }), backend: 'wasm', oneDnn });
      const before = tf.memory().numTensors;
      const totals: number[] = [];
      const result = await engine.stylize(inputs, options, {
        onProgress: (event) => void totals.push(event.losses.total),
      });
      expect(tf.memory().numTensors).toBe(before);
      engine.dispose();
      runs.push({ kernels: result.backend.kernels, totals });
    }
    const [builtin, onednn] = runs;
    expect([builtin!.kernels, onednn!.kernels]).toEqual(['builtin', 'onednn']);
    expect(onednn!.totals.length).toBe(8);
    // The loss falls, so the optimisation did happen, and follows the XNNPACK run's path closely.
    expect(onednn!.totals.at(-1)!).toBeLessThan(onednn!.totals[0]! / 2);
    expect(relativeError(onednn!.totals, builtin!.totals)).toBeLessThan(1e-3);
  });
});

describe.skipIf(unavailable !== null)('the ReLU mask kernels', () => {
  it('make y > 0 as bool and pass dy where it is set, threaded, as tfjs ops would', async () => {
    await selectBackend('wasm', { oneDnn: true });
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const y = tf.relu(tf.randomNormal([1, 9, 7, 5], 0, 1, 'float32', 21));
      const dy = tf.randomNormal([1, 9, 7, 5], 0, 1, 'float32', 22);
      const mask = oneDnnReluMask(y)!;
      expect(mask.dtype).toBe('bool');
      expect(Array.from(mask.dataSync())).toEqual(Array.from(tf.greater(y, 0).dataSync()));
      const dz = oneDnnMaskGradient(dy, mask)!;
      // + 0 makes tfjs's −0 (a negative dy times 0) the +0 the kernel writes.
      const values = (t: tf.Tensor) => Array.from(t.dataSync(), (v) => v + 0);
      expect(values(dz)).toEqual(values(tf.mul(dy, tf.greater(y, 0))));
    });
    expect(tf.memory().numTensors).toBe(before);
    await selectBackend('wasm', { oneDnn: false });
    const y = tf.ones([2, 2]);
    expect(oneDnnReluMask(y)).toBeNull();
    y.dispose();
  });
});
