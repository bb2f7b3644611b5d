import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { StyleTransferError } from '@neural-style/vocabulary';
import { oneDnnUnavailableReason } from '../src/ops/onednn.js';

const require = createRequire(import.meta.url);
const installed = (pkg: string): boolean => {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

/** A 'same' 3x3 convolution computed on the given backend, as plain numbers. */
async function convOn(backend: 'wasm' | 'cpu'): Promise<Float32Array> {
  await selectBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(
      Array.from({ length: 2 * 9 * 11 * 5 }, (_, i) => Math.sin(i)),
      [2, 9, 11, 5],
    );
    const k = tf.tensor4d(
      Array.from({ length: 9 * 5 * 7 }, (_, i) => Math.cos(i)),
      [3, 3, 5, 7],
    );
    return tf.conv2d(x, k, 1, 'same').dataSync() as Float32Array;
  });
}

const wasmKernels = oneDnnUnavailableReason() === null ? 'onednn' : 'builtin';
const unavailable = oneDnnUnavailableReason();
const wasmInfo = {
  name: 'wasm',
  gpu: false,
  kernels: wasmKernels,
  ...(unavailable !== null && { oneDnnUnavailable: unavailable }),
};
const wasmBuiltin = { name: 'wasm', gpu: false, kernels: 'builtin' };

describe('selectBackend', () => {
  // First in this file: the threaded build can only be chosen before the wasm backend starts, and without
  // oneDNN it is (with oneDNN, XNNPACK runs one thread: onednn.test.ts).
  it('selects wasm without oneDNN with a thread per core, and selecting it again is harmless', async () => {
    expect(await selectBackend('wasm', { oneDnn: false })).toEqual(wasmBuiltin);
    expect(tf.getBackend()).toBe('wasm');
    expect(getThreadsCount()).toBe(Math.min(os.availableParallelism(), 8));
    expect(await selectBackend('wasm', { oneDnn: false })).toEqual(wasmBuiltin);
  });

  it('switches to the oneDNN kernels where they are built, and back', async () => {
    expect(await selectBackend('wasm')).toEqual(wasmInfo);
    expect(await selectBackend('wasm', { oneDnn: false })).toEqual(wasmBuiltin);
  });

  it.runIf(wasmKernels === 'builtin')(
    'says how to get the oneDNN kernels when they are not built',
    async () => {
      expect((await selectBackend('wasm')).oneDnnUnavailable).toMatch(
        /install libdnnl-dev and run `npm run build:native/,
      );
    },
  );

  it('selects cpu', async () => {
    expect(await selectBackend('cpu')).toEqual({ name: 'cpu', gpu: false, kernels: 'builtin' });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('computes the same convolution on the (threaded) wasm backend as on cpu', async () => {
    const wasm = await convOn('wasm');
    const cpu = await convOn('cpu');
    expect(wasm.length).toBe(cpu.length);
    const worst = Math.max(...wasm.map((v, i) => Math.abs(v - (cpu[i] ?? NaN))));
    expect(worst).toBeLessThan(1e-4);
  });

  it.runIf(!installed('@tensorflow/tfjs-node'))(
    'forcing tensorflow without tfjs-node is a clear error',
    async () => {
      const attempt = selectBackend('tensorflow');
      await expect(attempt).rejects.toBeInstanceOf(StyleTransferError);
      await expect(attempt).rejects.toMatchObject({
        code: 'BACKEND_UNAVAILABLE',
        message: expect.stringMatching(
          /^@tensorflow\/tfjs-node is not available \(.+\); install it with `npm install/,
        ),
      });
    },
  );

  it.runIf(!installed('@tensorflow/tfjs-node-gpu'))(
    'forcing tensorflow-gpu without tfjs-node-gpu is a clear error',
    async () => {
      await expect(selectBackend('tensorflow-gpu')).rejects.toMatchObject({
        code: 'BACKEND_UNAVAILABLE',
        message: expect.stringContaining('@tensorflow/tfjs-node-gpu is not available'),
      });
    },
  );

  it.runIf(!installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu'))(
    'auto falls back to wasm when no native package is installed',
    async () => {
      expect(await selectBackend()).toEqual(wasmInfo);
    },
  );
});
