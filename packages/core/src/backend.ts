import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { errorMessage, StyleTransferError, type BackendChoice } from '@neural-style/vocabulary';
import type { BackendInfo } from './types.js';
import { shareIdentityDataOnWasm } from './ops/identity.js';
import { oneDnnKernelsActive, oneDnnUnavailableReason, useOneDnnKernels } from './ops/onednn.js';
import { registerThreadedWasm } from './wasm-threads.js';

// Production mode: no debug checks, and no "install tfjs-node" banner on stderr (we choose backends ourselves
// and say which one runs).
tf.enableProdMode();

export interface BackendSelectOptions {
  /**
   * Threads for the wasm backend: oneDNN's OpenMP threads when its kernels run (XNNPACK then keeps one),
   * else XNNPACK's pool. Default: every available core. Use cores/N when N jobs run side by side on the
   * machine, so that they do not fight over the cores.
   */
  threads?: number;
  /**
   * Run the wasm backend's convolutions and matrix products through oneDNN when its addon is built (default
   * true). False keeps XNNPACK for every op.
   */
  oneDnn?: boolean;
}

const install = (pkg: string): string =>
  `install it with \`npm install --save-exact -w @neural-style/core ${pkg}@4.22.0\` (its install script downloads libtensorflow, so it needs internet access)`;

/** Node's own error says which package or shared library is missing; keep only its first line. */
const reason = (error: unknown): string => errorMessage(error).split('\n')[0] ?? 'unknown error';

/** What tfjs-node's backend reports about itself (not part of tfjs-core's KernelBackend type). */
interface NativeBackend {
  isGPUPackage?: boolean;
  isUsingGpuDevice?: boolean;
}

/**
 * Both native packages register a backend named 'tensorflow' (native TensorFlow through N-API). The GPU
 * package falls back to the CPU silently when CUDA finds no device, so the GPU flag is read afterwards.
 */
async function loadNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<BackendInfo> {
  try {
    await import(pkg);
  } catch (error) {
    throw new StyleTransferError(
      'BACKEND_UNAVAILABLE',
      `${pkg} is not available (${reason(error)}); ${install(pkg)}`,
      { cause: error },
    );
  }
  if (!(await tf.setBackend('tensorflow'))) {
    throw new StyleTransferError(
      'BACKEND_UNAVAILABLE',
      `${pkg} loaded but its TensorFlow backend failed to start`,
    );
  }
  const native = tf.backend() as unknown as NativeBackend;
  const gpu = native.isGPUPackage === true && native.isUsingGpuDevice === true;
  return { name: gpu ? 'tensorflow-gpu' : 'tensorflow', gpu, kernels: 'builtin' };
}

let wasmThreadsRegistered: number | undefined;

async function loadWasm(threads: number, oneDnn: boolean): Promise<BackendInfo> {
  const unavailable = oneDnn ? oneDnnUnavailableReason() : null;
  const useOneDnn = oneDnn && unavailable === null;
  // With oneDNN running the heavy kernels on every core, XNNPACK's pool threads would only compete with
  // its OpenMP threads for what is left (elementwise ops): 1 wasm thread is faster (docs/performance.md).
  const wasmThreads = useOneDnn ? 1 : threads;
  // The threaded build can only be chosen before the wasm backend first starts.
  if (wasmThreads > 1 && wasmThreadsRegistered === undefined && !tf.engine().registry['wasm']) {
    registerThreadedWasm(wasmThreads);
    wasmThreadsRegistered = wasmThreads;
  }
  if (!(await tf.setBackend('wasm'))) {
    throw new StyleTransferError(
      'BACKEND_UNAVAILABLE',
      'the wasm backend failed to start: @tensorflow/tfjs-backend-wasm could not load its .wasm binary',
    );
  }
  shareIdentityDataOnWasm();
  // Switching back matters only once the kernels were replaced; before that, XNNPACK's are registered.
  if (useOneDnn || oneDnnKernelsActive()) useOneDnnKernels(useOneDnn, threads);
  return {
    name: 'wasm',
    gpu: false,
    kernels: useOneDnn ? 'onednn' : 'builtin',
    ...(unavailable !== null && { oneDnnUnavailable: unavailable }),
  };
}

async function loadCpu(): Promise<BackendInfo> {
  if (!(await tf.setBackend('cpu'))) {
    throw new StyleTransferError('BACKEND_UNAVAILABLE', 'the pure JavaScript cpu backend failed to start');
  }
  return { name: 'cpu', gpu: false, kernels: 'builtin' };
}

async function loadForced(name: BackendInfo['name'], threads: number, oneDnn: boolean): Promise<BackendInfo> {
  switch (name) {
    case 'tensorflow-gpu': {
      const info = await loadNative('@tensorflow/tfjs-node-gpu');
      if (!info.gpu) {
        throw new StyleTransferError(
          'BACKEND_UNAVAILABLE',
          '@tensorflow/tfjs-node-gpu loaded but TensorFlow found no usable CUDA GPU (check the NVIDIA driver, CUDA and cuDNN versions it needs)',
        );
      }
      return info;
    }
    case 'tensorflow':
      return loadNative('@tensorflow/tfjs-node');
    case 'wasm':
      return loadWasm(threads, oneDnn);
    case 'cpu':
      return loadCpu();
  }
}

/**
 * Makes the best available (or the forced) TensorFlow.js backend the active one and says which it is.
 * Auto order: tfjs-node-gpu with a GPU > tfjs-node > wasm > cpu. The GPU package without a GPU still runs
 * native TensorFlow on the CPU and is kept (loading tfjs-node beside it would clash). Calling it again is
 * cheap: loaded packages and started backends are reused.
 */
export async function selectBackend(
  choice: BackendChoice = 'auto',
  options: BackendSelectOptions = {},
): Promise<BackendInfo> {
  const threads = options.threads ?? os.availableParallelism();
  const oneDnn = options.oneDnn ?? true;
  if (choice !== 'auto') return loadForced(choice, threads, oneDnn);
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const) {
    try {
      return await loadNative(pkg);
    } catch (error) {
      if (!(error instanceof StyleTransferError)) throw error;
    }
  }
  try {
    return await loadWasm(threads, oneDnn);
  } catch (error) {
    if (!(error instanceof StyleTransferError)) throw error;
    return loadCpu();
  }
}
