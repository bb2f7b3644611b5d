import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

import { StyleTransferError } from '@neural-style/vocabulary';
import { cachedWeightsFile, CANONICAL_WEIGHTS_FILE } from './download.js';
import { readTfjsConvTensors } from './tfjs-format.js';
import { VGG19_CONV_NAMES } from '@neural-style/vocabulary';
import {
  kerasToCaffeName,
  type ConvWeights,
  type KerasConvTensorMap,
  type KerasConvTensors,
} from './weights.js';

const HOW_TO_GET_WEIGHTS =
  'run `style-transfer weights` to download the canonical Keras file ' +
  `(${CANONICAL_WEIGHTS_FILE}), or set VGG19_WEIGHTS to a TF.js model directory or a Keras .h5 file`;

/**
 * Where the weights are: an explicit path wins, then VGG19_WEIGHTS, then the file
 * `style-transfer weights` downloaded (only if it is there).
 */
export function resolveWeightsPath(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (explicit) return explicit;
  if (env.VGG19_WEIGHTS) return env.VGG19_WEIGHTS;
  const cached = cachedWeightsFile(env);
  return existsSync(cached) ? cached : undefined;
}

/**
 * Loads VGG19 conv weights from a TF.js layers-model directory (model.json + shards), a Keras .h5
 * file, or a directory holding the canonical Keras file. Returns the convs present, in network order.
 */
export async function loadVggWeights(weightsPath: string | undefined): Promise<ConvWeights[]> {
  if (!weightsPath) {
    throw new StyleTransferError(
      'WEIGHTS_MISSING',
      `VGG19 weights are not configured: ${HOW_TO_GET_WEIGHTS}.`,
    );
  }
  const source = path.resolve(weightsPath);
  const found = await readConvTensors(source);
  return assembleConvWeights(found, source);
}

async function readConvTensors(source: string): Promise<KerasConvTensorMap> {
  const info = await stat(source).catch(() => undefined);
  if (!info) {
    throw new StyleTransferError(
      'WEIGHTS_MISSING',
      `VGG19 weights not found at ${source}: ${HOW_TO_GET_WEIGHTS}.`,
    );
  }
  if (info.isFile()) {
    return path.basename(source) === 'model.json'
      ? readTfjsConvTensors(path.dirname(source))
      : readKerasH5(source);
  }
  if (existsSync(path.join(source, 'model.json'))) return readTfjsConvTensors(source);
  const canonical = path.join(source, CANONICAL_WEIGHTS_FILE);
  if (existsSync(canonical)) return readKerasH5(canonical);
  throw new StyleTransferError(
    'WEIGHTS_MISSING',
    `${source} holds neither a TF.js model.json nor ${CANONICAL_WEIGHTS_FILE}: ${HOW_TO_GET_WEIGHTS}.`,
  );
}

function invalid(source: string, problem: string): StyleTransferError {
  return new StyleTransferError('WEIGHTS_INVALID', `Invalid VGG19 weights in ${source}: ${problem}`);
}

/**
 * Checks what a reader found and turns it into ConvWeights: a contiguous prefix of the 16 convs
 * starting at conv1_1, 3x3 HWIO kernels whose channel widths chain from RGB input conv to conv.
 */
export function assembleConvWeights(found: KerasConvTensorMap, source: string): ConvWeights[] {
  const byCaffeName = new Map<string, { keras: string; tensors: KerasConvTensors }>();
  for (const [keras, tensors] of found) {
    const caffe = kerasToCaffeName(keras);
    if (caffe) byCaffeName.set(caffe, { keras, tensors });
  }
  const present = VGG19_CONV_NAMES.filter((name) => byCaffeName.has(name));
  if (present.length === 0) {
    throw invalid(source, 'no VGG19 conv layers (block1_conv1 ... block5_conv4) found');
  }
  const prefixLength = VGG19_CONV_NAMES.findIndex((name) => !byCaffeName.has(name));
  if (prefixLength !== -1 && present.length > prefixLength) {
    const missing = VGG19_CONV_NAMES[prefixLength] ?? '';
    const kerasName = missing.replace(/^conv(\d)_(\d)$/, 'block$1_conv$2');
    throw invalid(source, `layer ${kerasName} (${missing}) is missing but later conv layers are present`);
  }

  const convs: ConvWeights[] = [];
  let inChannels = 3;
  for (const name of present) {
    const entry = byCaffeName.get(name);
    if (!entry) continue;
    const conv = checkConv(name, entry.keras, entry.tensors, inChannels, source);
    convs.push(conv);
    inChannels = conv.shape[3];
  }
  return convs;
}

function checkConv(
  name: string,
  keras: string,
  { kernel, bias }: KerasConvTensors,
  inChannels: number,
  source: string,
): ConvWeights {
  if (!kernel) throw invalid(source, `layer ${keras} has no kernel`);
  if (!bias) throw invalid(source, `layer ${keras} has no bias`);
  const [kh, kw, cin, cout, ...rest] = kernel.shape;
  if (kh !== 3 || kw !== 3 || cin === undefined || cout === undefined || cout < 1 || rest.length > 0) {
    throw invalid(
      source,
      `layer ${keras} kernel has shape [${kernel.shape.join(',')}], expected [3,3,in,out]`,
    );
  }
  if (cin !== inChannels) {
    throw invalid(
      source,
      `layer ${keras} kernel expects ${cin} input channels but the previous layer gives ${inChannels}`,
    );
  }
  if (bias.shape.length !== 1 || bias.shape[0] !== cout) {
    throw invalid(source, `layer ${keras} bias has shape [${bias.shape.join(',')}], expected [${cout}]`);
  }
  const shape: ConvWeights['shape'] = [kh, kw, cin, cout];
  if (kernel.values.length !== kh * kw * cin * cout || bias.values.length !== cout) {
    throw invalid(source, `layer ${keras} holds fewer values than its shape needs`);
  }
  return { name, shape, kernel: kernel.values, bias: bias.values };
}

/** h5wasm takes seconds to load: only processes that actually read an HDF5 file pay for it. */
async function readKerasH5(file: string): Promise<KerasConvTensorMap> {
  const { readKerasH5ConvTensors } = await import('./keras-h5.js');
  return readKerasH5ConvTensors(file);
}
