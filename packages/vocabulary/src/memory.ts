import { z } from 'zod';
import { VGG19_CONV_NAMES } from './layers.js';
import type { BackendChoice } from './backends.js';
import type { StyleOptions } from './options.js';

/** Channel widths of VGG19's five blocks (the ImageNet network). */
export const VGG19_WIDTHS: readonly number[] = [64, 128, 256, 512, 512];

const FLOAT_BYTES = 4;
/** One RGB float image (or gradient, or optimizer vector) per pixel. */
const PIXEL_VECTOR_BYTES = 3 * FLOAT_BYTES;

/**
 * Bytes held at the peak of one objective evaluation, as a multiple of the network's activations (every conv
 * and pool output up to the deepest loss layer): the backward pass is written out (core/src/vgg19/network.ts),
 * so what stays is each ReLU's mask (a byte a value), the loss layers' features and their loss gradients,
 * and one layer's gradients at a time. The same on a tile's crop (core/src/tiles.ts). Measured with the wasm
 * heap's malloc/free (core/test/memory.test.ts; docs/high-resolution.md).
 */
const EVALUATION_FACTOR = 1.9;
/**
 * Feature maps of its style layers a masked style adds: untiled, the masked copy F·m kept for the loss's
 * gradient and that gradient; tiled, the weighted copy of the Gram sweep.
 */
const MASKED_TERM_MAPS = { untiled: 2, tiled: 1 } as const;
/** computeTargets runs every image's forward pass inside one tidy: every activation stays until the end. */
const FORWARD_FACTOR = 1.0;
/** Image-sized tensors besides the optimizer's: the (tile) input, preprocessing, TV slices, read-backs. */
const IMAGE_TENSORS = 2;
/** Full-image vectors an optimizer holds besides L-BFGS's history: x, gradients, step, direction, moments. */
const OPTIMIZER_VECTORS = { lbfgs: 5, adam: 7 } as const;
/** The process before any job: Node, tfjs, the wasm heap's start; the weights come on top, three times. */
const PROCESS_BASE_BYTES = 210 * 2 ** 20;

export const MemoryEstimateSchema = z
  .object({
    tensorBytes: z
      .number()
      .describe('Peak tensor memory of the backend: the wasm heap on wasm, GPU memory on tfjs-node-gpu.'),
    totalBytes: z.number().describe('Peak resident memory of the whole worker process.'),
  })
  .describe('Estimated peak memory (bytes).');
/** What a job's peak costs, by where it lives. */
export type MemoryEstimate = z.infer<typeof MemoryEstimateSchema>;

/** The limits a job must fit: the backend's tensor memory and the process's memory. */
export interface MemoryLimits {
  tensorBytes: number;
  totalBytes: number;
  /** Says which limit totalBytes is and how to raise it (e.g. "WORKER_MEMORY_BUDGET"). */
  totalLabel: string;
  tensorLabel: string;
  /**
   * The backend's tensor memory never returns to the process: a WebAssembly.Memory only grows, so once a pass
   * has grown the wasm heap, every later pass holds that much resident beside its own host memory.
   */
  tensorMemoryOnlyGrows: boolean;
}

/** The wasm32 heap's ceiling: 64 Ki pages of 64 KiB. */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;

/** Network shape the estimate assumes: VGG19's widths unless a test runs a tiny one. */
export interface NetworkShape {
  widths: readonly number[];
}

type MemoryOptions = Pick<
  StyleOptions,
  'optimizer' | 'contentLayers' | 'styleLayers' | 'preserveColors' | 'snapshotEvery'
>;

export interface Size {
  width: number;
  height: number;
}

/** Bytes of the conv weights: kernel and bias of every layer. */
export function weightBytes(network: NetworkShape): number {
  let inChannels = 3;
  let total = 0;
  for (const name of VGG19_CONV_NAMES) {
    const out = network.widths[Number(name[4]) - 1]!;
    total += (9 * inChannels * out + out) * FLOAT_BYTES;
    inChannels = out;
  }
  return total;
}

/** Every conv output (post-ReLU) and pool output up to the deepest of `layers`, in bytes. */
export function activationBytes(size: Size, layers: readonly string[], network: NetworkShape): number {
  const deepest = Math.max(...layers.map((name) => VGG19_CONV_NAMES.indexOf(name as never)));
  let floats = 0;
  for (let i = 0; i <= deepest; i++) {
    const name = VGG19_CONV_NAMES[i]!;
    const block = Number(name[4]);
    const scale = 2 ** (block - 1);
    const channels = network.widths[block - 1]!;
    floats += channels * Math.floor(size.width / scale) * Math.floor(size.height / scale);
    const next = VGG19_CONV_NAMES[i + 1];
    if (next !== undefined && next[4] !== name[4] && i < deepest) {
      floats += channels * Math.floor(size.width / (2 * scale)) * Math.floor(size.height / (2 * scale));
    }
  }
  return floats * FLOAT_BYTES;
}

/** The feature maps at `layers` (content targets, masked Gram copies), in bytes. */
function layerBytes(size: Size, layers: readonly string[], network: NetworkShape): number {
  return layers.reduce((sum, layer) => {
    const block = Number(layer[4]);
    const scale = 2 ** (block - 1);
    return (
      sum +
      network.widths[block - 1]! *
        Math.floor(size.width / scale) *
        Math.floor(size.height / scale) *
        FLOAT_BYTES
    );
  }, 0);
}

export interface PassMemoryInput {
  /** The pass's output size. */
  image: Size;
  /** Each style image at the pass's style size. */
  styles: readonly Size[];
  /** The tile the network sees at once (crop with margins), or the whole image when untiled. */
  tile: Size;
  /** Tiles in the grid (1 untiled). */
  tileCount: number;
  /** Correction pairs L-BFGS keeps (ignored for Adam). */
  lbfgsHistory: number;
  /** Styles with a mask on the content (each its own masked term); none by default. */
  maskedStyles?: number;
}

/**
 * Peak memory of one pass. Tensors: the optimizer's full-image vectors (L-BFGS: 2 per history pair), one
 * evaluation of the network on a tile, the targets of that tile — or, before the loop, the target
 * computation's forward passes (on tiles when tiled). Host: decoded images, per-tile content targets and
 * the blended gradient, which tiled passes keep in JavaScript memory, outside the backend's.
 */
export function estimatePassMemory(
  options: MemoryOptions,
  pass: PassMemoryInput,
  network: NetworkShape = { widths: VGG19_WIDTHS },
): MemoryEstimate {
  const layers = [...options.contentLayers, ...options.styleLayers];
  const pixels = pass.image.width * pass.image.height;
  const tiled = pass.tileCount > 1;
  const tilePixels = pass.tile.width * pass.tile.height;
  const vectors =
    OPTIMIZER_VECTORS[options.optimizer] + (options.optimizer === 'lbfgs' ? 2 * pass.lbfgsHistory : 0);
  const optimizerBytes = vectors * pixels * PIXEL_VECTOR_BYTES;
  const tileContentTarget = layerBytes(pass.tile, options.contentLayers, network);
  const maskedMaps = (pass.maskedStyles ?? 0) * MASKED_TERM_MAPS[tiled ? 'tiled' : 'untiled'];
  const evaluation =
    EVALUATION_FACTOR * activationBytes(pass.tile, layers, network) +
    maskedMaps * layerBytes(pass.tile, options.styleLayers, network) +
    IMAGE_TENSORS * tilePixels * PIXEL_VECTOR_BYTES +
    tileContentTarget;
  const styleForward = pass.styles.map(
    (style) =>
      FORWARD_FACTOR * activationBytes(tiled ? clip(pass.tile, style) : style, options.styleLayers, network),
  );
  // Untiled, computeTargets holds every style's forward pass at once; tiled, one style's crop at a time.
  const targets =
    FORWARD_FACTOR * activationBytes(pass.tile, options.contentLayers, network) +
    (tiled ? Math.max(0, ...styleForward) : styleForward.reduce((sum, bytes) => sum + bytes, 0));
  const tensorBytes = Math.max(optimizerBytes + evaluation, targets + (tiled ? 0 : optimizerBytes));
  const stylePixels = pass.styles.reduce((sum, style) => sum + style.width * style.height, 0);
  // Content (and target) and the result read back as floats, the start image, the style images.
  const images = (3 * pixels + stylePixels) * PIXEL_VECTOR_BYTES;
  // The whole image's content features and the blended gradient, twice: each evaluation blends into a new
  // array, and V8 frees the last one only at its next full collection.
  const tiles = tiled
    ? layerBytes(pass.image, options.contentLayers, network) + 2 * pixels * PIXEL_VECTOR_BYTES
    : 0;
  return {
    tensorBytes,
    totalBytes: PROCESS_BASE_BYTES + 3 * weightBytes(network) + tensorBytes + images + tiles,
  };
}

function clip(tile: Size, image: Size): Size {
  return { width: Math.min(tile.width, image.width), height: Math.min(tile.height, image.height) };
}

/** "1.9 GB" (decimal, as people read memory sizes). */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

/** Default memory budget of a worker process (and of the CLI): what one job's peak may use. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 4.5e9;

/** Room the wasm heap keeps for fragmentation and what the engine holds besides a job's tensors. */
const WASM_HEAP_RESERVE_BYTES = 256 * 2 ** 20;

/**
 * The limits a plan is made for, the same in the API (at submission) and in the worker: the configured
 * budget for the whole process, and on wasm (or when the worker picks its backend itself) the wasm32
 * heap less the network's weights (kept twice: as given and rotated for the input gradient).
 */
export function planningLimits(
  backend: BackendChoice,
  budgetBytes: number,
  budgetLabel: string,
  network: NetworkShape = { widths: VGG19_WIDTHS },
): MemoryLimits {
  const native = backend === 'tensorflow' || backend === 'tensorflow-gpu';
  return {
    totalBytes: budgetBytes,
    totalLabel: budgetLabel,
    tensorBytes: native ? budgetBytes : WASM_HEAP_BYTES - 2 * weightBytes(network) - WASM_HEAP_RESERVE_BYTES,
    tensorLabel: native ? budgetLabel : 'the wasm32 heap (4 GiB)',
    tensorMemoryOnlyGrows: !native,
  };
}
