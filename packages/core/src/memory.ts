import { execFileSync } from 'node:child_process';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import {
  formatBytes,
  StyleTransferError,
  WASM_HEAP_BYTES,
  type JobPlan,
  type MemoryLimits,
  type NetworkShape,
} from '@neural-style/vocabulary';
import type { BackendInfo } from './types.js';
import type { ConvWeights } from './vgg19/weights.js';

/** Block widths of loaded weights (the output channels of each block's first conv). */
export function networkShape(weights: readonly ConvWeights[]): NetworkShape {
  return {
    widths: [1, 2, 3, 4, 5].map(
      (block) => weights.find((conv) => conv.name === `conv${block}_1`)?.shape[3] ?? 0,
    ),
  };
}

/** Bytes the wasm heap can still give: its 4 GiB ceiling less the tensors alive now (the weights). */
function wasmHeapLeft(): number {
  return WASM_HEAP_BYTES - tf.memory().numBytes;
}

/** Free memory of the first CUDA device, from nvidia-smi (tfjs-node-gpu does not report it). */
function gpuMemoryFree(): number | undefined {
  try {
    const output = execFileSync('nvidia-smi', ['--query-gpu=memory.free', '--format=csv,noheader,nounits'], {
      encoding: 'utf8',
      timeout: 5000,
    });
    const mebibytes = Number(output.split('\n')[0]);
    return Number.isFinite(mebibytes) ? mebibytes * 2 ** 20 : undefined;
  } catch {
    return undefined;
  }
}

/** What this machine and backend really have, whatever the plan was made for. */
export function machineLimits(backend: BackendInfo): MemoryLimits {
  const host = os.totalmem();
  const gpu = backend.gpu ? gpuMemoryFree() : undefined;
  const tensor: [number, string] =
    backend.name === 'wasm'
      ? [wasmHeapLeft(), 'the wasm32 heap left (4 GiB less the weights)']
      : gpu !== undefined
        ? [gpu, 'the free GPU memory']
        : [host, "the host's memory"];
  return {
    totalBytes: host,
    totalLabel: "the host's memory",
    tensorBytes: tensor[0],
    tensorLabel: tensor[1],
    tensorMemoryOnlyGrows: backend.name === 'wasm',
  };
}

/** Refuses a plan whose peak does not fit the machine: better now than an abort after minutes. */
export function assertPlanFits(plan: JobPlan, limits: MemoryLimits): void {
  const over =
    plan.peak.tensorBytes > limits.tensorBytes
      ? { need: plan.peak.tensorBytes, limit: limits.tensorBytes, label: limits.tensorLabel }
      : plan.peak.totalBytes > limits.totalBytes
        ? { need: plan.peak.totalBytes, limit: limits.totalBytes, label: limits.totalLabel }
        : undefined;
  if (over) {
    throw new StyleTransferError(
      'MEMORY_LIMIT',
      `this job needs about ${formatBytes(over.need)}, over ${over.label} of ${formatBytes(over.limit)}; lower size or lbfgsHistory, or the memory budget`,
    );
  }
}
