import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { replaceWasmKernel } from './wasm-kernels.js';
import { errorMessage } from '@neural-style/vocabulary';

/**
 * oneDNN kernels for the wasm backend: the engine's heavy ops (convolutions, including the input gradient,
 * which `convInputGradient` turns into a forward convolution, the Gram matrix products and the pooling
 * gradients) run in Debian's libdnnl on AVX-512/AVX2, straight on the tensors in the wasm heap, and the
 * ReLU masks of the network's backward pass in threaded loops beside them; everything else stays on wasm.
 * The addon (`packages/core/native`) is optional: without libdnnl it is not built and XNNPACK runs every op.
 */

interface OneDnnAddon {
  conv2d(
    x: Float32Array,
    filter: Float32Array,
    packedFilter: object,
    bias: Float32Array | null,
    out: Float32Array,
    window: number[],
    relu: boolean,
  ): void;
  matMul(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
  ): void;
  poolGrad(
    dy: Float32Array,
    input: Float32Array | null,
    dx: Float32Array,
    window: number[],
    max: boolean,
  ): void;
  reluMask(y: Float32Array, mask: Uint8Array, n: number): void;
  maskGradient(dy: Float32Array, mask: Uint8Array, dz: Float32Array, n: number): void;
  newPackedFilter(): object;
  setThreads(threads: number): void;
  info(): OneDnnInfo;
}

export interface OneDnnInfo {
  version: string;
  /** The instruction set oneDNN's kernels use on this CPU, e.g. avx512_core. */
  isa: string;
  threads: number;
}

// Same relative path from src/ops (tsx, vitest) and dist/ops (compiled).
const addonPath = fileURLToPath(new URL('../../native/build/onednn_kernels.node', import.meta.url));
const buildHint = 'install libdnnl-dev and run `npm run build:native -w @neural-style/core`';

let addon: OneDnnAddon | Error | undefined;

function loadAddon(): OneDnnAddon | Error {
  if (addon === undefined) {
    if (!existsSync(addonPath)) {
      addon = new Error(`the oneDNN kernels are not built; ${buildHint}`);
      return addon;
    }
    try {
      addon = createRequire(import.meta.url)(addonPath) as OneDnnAddon;
    } catch (error) {
      // Typically libdnnl.so.2 missing at run time; the loader's first line names it.
      const message = errorMessage(error).split('\n')[0];
      addon = new Error(`the oneDNN kernels failed to load (${message}); ${buildHint}`);
    }
  }
  return addon;
}

/** Why the oneDNN kernels cannot run here, or null when they can. */
export function oneDnnUnavailableReason(): string | null {
  const loaded = loadAddon();
  return loaded instanceof Error ? loaded.message : null;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Shape4D = [number, number, number, number];

/** tfjs data never changes under a dataId, so a filter is reordered into oneDNN's layout once per dataId. */
const packedFilters = new WeakMap<object, object>();

function packedFilterFor(native: OneDnnAddon, filter: tf.TensorInfo): object {
  let packed = packedFilters.get(filter.dataId);
  if (packed === undefined) {
    packed = native.newPackedFilter();
    packedFilters.set(filter.dataId, packed);
  }
  return packed;
}

/**
 * Allocates an output (float32 unless said) and has oneDNN fill it. Heap views are taken after the
 * allocation (a heap that grew for the output has a new buffer); if oneDNN throws, the output is freed again.
 */
function withOutput<Out extends Float32Array | Uint8Array = Float32Array>(
  backend: BackendWasm,
  shape: number[],
  compute: (view: (info: tf.TensorInfo) => Float32Array, out: Out) => void,
  dtype: 'float32' | 'bool' = 'float32',
): tf.TensorInfo {
  const out = backend.makeOutput(shape, dtype);
  if (tf.util.sizeFromShape(shape) === 0) return out;
  const view = (info: tf.TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
  try {
    compute(view, backend.typedArrayFromHeap(out) as Out);
  } catch (error) {
    backend.disposeData(out.dataId, true);
    throw error;
  }
  return out;
}

/** The addon where the oneDNN kernels run the active backend's ops, else null. */
function activeAddon(): OneDnnAddon | null {
  const loaded = loadAddon();
  return oneDnnKernelsActive() && !(loaded instanceof Error) ? loaded : null;
}

/** y > 0 as a bool tensor, threaded in the addon; null where the oneDNN kernels are not active. */
export function oneDnnReluMask(y: tf.Tensor): tf.Tensor | null {
  const native = activeAddon();
  if (!native || y.dtype !== 'float32') return null;
  const backend = tf.backend() as BackendWasm;
  const info = withOutput<Uint8Array>(
    backend,
    y.shape,
    (view, mask) => native.reluMask(view(y), mask, y.size),
    'bool',
  );
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** dy where the bool mask is set, else 0, threaded in the addon; null where oneDNN is not active. */
export function oneDnnMaskGradient(dy: tf.Tensor, mask: tf.Tensor): tf.Tensor | null {
  const native = activeAddon();
  if (!native || dy.dtype !== 'float32' || mask.dtype !== 'bool' || dy.size !== mask.size) return null;
  const backend = tf.backend() as BackendWasm;
  const info = withOutput(backend, dy.shape, (view, dz) => {
    native.maskGradient(view(dy), backend.typedArrayFromHeap(mask) as Uint8Array, dz, dy.size);
  });
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** A convolution's or pooling's geometry, in the order the addon reads it (its `Window`). */
const windowOf = (info: tf.backend_util.Conv2DInfo): number[] => [
  info.batchSize,
  info.inHeight,
  info.inWidth,
  info.inChannels,
  info.filterHeight,
  info.filterWidth,
  info.outChannels,
  info.outHeight,
  info.outWidth,
  info.strideHeight,
  info.strideWidth,
  info.dilationHeight,
  info.dilationWidth,
  info.padInfo.top,
  info.padInfo.left,
  info.padInfo.bottom,
  info.padInfo.right,
];

/**
 * Conv2D / FusedConv2D in NHWC with no or ReLU activation; anything else (other activations, PReLU weights,
 * NCHW, non-float inputs) returns null and the wasm kernel runs instead.
 */
function conv(native: OneDnnAddon, { inputs, attrs, backend }: KernelArgs): tf.TensorInfo | null {
  const { x, filter, bias, preluActivationWeights } = inputs as Partial<tf.FusedConv2DInputs>;
  // Conv2D's attributes are FusedConv2D's without the activation.
  const {
    strides,
    pad,
    dataFormat,
    dilations,
    dimRoundingMode,
    activation = 'linear',
  } = attrs as unknown as Partial<tf.FusedConv2DAttrs> & tf.Conv2DAttrs;
  if (x === undefined || filter === undefined || preluActivationWeights != null) return null;
  if ((activation !== 'linear' && activation !== 'relu') || dataFormat === 'NCHW') return null;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  if (bias != null && (bias.dtype !== 'float32' || bias.shape.length !== 1)) return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4D,
    filter.shape as Shape4D,
    strides,
    dilations,
    pad,
    dimRoundingMode,
  );
  return withOutput(backend as BackendWasm, info.outShape, (view, out) =>
    native.conv2d(
      view(x),
      view(filter),
      packedFilterFor(native, filter),
      bias == null ? null : view(bias),
      out,
      windowOf(info),
      activation === 'relu',
    ),
  );
}

/** BatchMatMul of float32 operands with the same batch dimensions (no broadcasting); else null. */
function batchMatMul(native: OneDnnAddon, { inputs, attrs, backend }: KernelArgs): tf.TensorInfo | null {
  const { a, b } = inputs as Partial<tf.BatchMatMulInputs>;
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  if (a === undefined || b === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const rank = a.shape.length;
  if (rank < 2 || b.shape.length !== rank) return null;
  const batchShape = a.shape.slice(0, -2);
  if (batchShape.some((size, i) => size !== b.shape[i])) return null;
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [kB, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  if (k !== kB) return null;
  const batch = batchShape.reduce((product, size) => product * size, 1);
  return withOutput(backend as BackendWasm, [...batchShape, m, n], (view, out) =>
    native.matMul(view(a), view(b), out, batch, m, n, k, transposeA, transposeB),
  );
}

/**
 * AvgPoolGrad / MaxPoolGrad of float32 NHWC tensors (their inputs and attributes match but for MaxPoolGrad's
 * `output`, which oneDNN does not need).
 */
function poolGrad(
  max: boolean,
  native: OneDnnAddon,
  { inputs, attrs, backend }: KernelArgs,
): tf.TensorInfo | null {
  const { dy, input } = inputs as Partial<tf.MaxPoolGradInputs>;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  if (dy === undefined || input === undefined || dy.dtype !== 'float32' || input.dtype !== 'float32')
    return null;
  if (input.shape.length !== 4) return null;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as Shape4D,
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  return withOutput(backend as BackendWasm, input.shape, (view, dx) =>
    native.poolGrad(view(dy), max ? view(input) : null, dx, windowOf(info), max),
  );
}

const overrides = {
  [tf.Conv2D]: conv,
  [tf.FusedConv2D]: conv,
  [tf.BatchMatMul]: batchMatMul,
  [tf.AvgPoolGrad]: poolGrad.bind(null, false),
  [tf.MaxPoolGrad]: poolGrad.bind(null, true),
} as const;

/** The loaded oneDNN's version, instruction set and threads, or null when its kernels are not built. */
export function oneDnnInfo(): OneDnnInfo | null {
  const loaded = loadAddon();
  return loaded instanceof Error ? null : loaded.info();
}

/** Calls per kernel name that oneDNN ran, and that it handed back to the wasm kernel. */
export interface OneDnnCallCounts {
  [kernelName: string]: { onednn: number; wasm: number };
}

const calls: OneDnnCallCounts = {};

/** How often each replaced kernel ran in oneDNN or fell back to wasm since the process started. */
export function oneDnnCallCounts(): OneDnnCallCounts {
  return structuredClone(calls);
}

let active = false;

/** Whether the active backend runs convolutions and matrix products through oneDNN. */
export function oneDnnKernelsActive(): boolean {
  return active && tf.getBackend() === 'wasm';
}

/**
 * Routes the wasm backend's Conv2D, FusedConv2D, BatchMatMul, AvgPoolGrad and MaxPoolGrad through oneDNN
 * with `threads` OpenMP threads (or back to XNNPACK with `enabled` false). Throws when the addon is not built.
 */
export function useOneDnnKernels(enabled: boolean, threads: number): OneDnnInfo {
  const native = loadAddon();
  if (native instanceof Error) throw native;
  native.setThreads(threads);
  for (const [kernelName, kernelFunc] of Object.entries(overrides)) {
    replaceWasmKernel(
      kernelName,
      enabled
        ? (original) => (args) => {
            const count = (calls[kernelName] ??= { onednn: 0, wasm: 0 });
            const out = kernelFunc(native, args);
            if (out !== null) {
              count.onednn++;
              return out;
            }
            count.wasm++;
            return original.kernelFunc(args);
          }
        : null,
    );
  }
  active = enabled;
  return native.info();
}
