import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { replaceWasmKernel } from './wasm-kernels.js';

/**
 * tfjs clones every tensor it saves for the backward pass (`Identity`), and the wasm backend's Identity
 * copies the data. tfjs data never changes under a dataId, so the clone can share it, as the cpu backend's
 * Identity and every backend's Reshape already do: a 256-px evaluation saves about 100 such copies (−5% time,
 * and at 512 px −370 MB of wasm heap).
 */
export function shareIdentityDataOnWasm(): void {
  replaceWasmKernel(tf.Identity, (copying) => (args) => {
    const { x } = args.inputs as tf.IdentityInputs;
    // Strings live in JS, not in the heap; the wasm kernel handles them.
    if (x === undefined || x.dtype === 'string') return copying.kernelFunc(args);
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}
