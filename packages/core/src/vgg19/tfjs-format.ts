import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { z } from 'zod';

import { errorMessage, StyleTransferError } from '@neural-style/vocabulary';
import type { KerasConvTensorMap } from './weights.js';

/**
 * Reads a TF.js layers-model directory with plain file reads, so no tfjs-node (which cannot be
 * installed offline) and no backend is needed. Byte layout follows tfjs io: all shards of all
 * manifest groups concatenated in order, each weight's bytes following the previous one's.
 */

const QuantizationSchema = z.object({
  dtype: z.enum(['uint8', 'uint16', 'float16']),
  min: z.number().optional(),
  scale: z.number().optional(),
});

const WeightSpecSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.string(),
  quantization: QuantizationSchema.optional(),
});

const ModelJsonSchema = z.object({
  weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(WeightSpecSchema) })),
});

type WeightSpec = z.infer<typeof WeightSpecSchema>;

const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES = { uint8: 1, uint16: 2, float16: 2 } as const;

/** "vgg19/block1_conv1/kernel" or "block1_conv1/bias:0" -> layer and role; other weights are skipped. */
const CONV_WEIGHT_NAME = /(?:^|\/)(block\d_conv\d)\/(kernel|bias)(?::\d+)?$/;

export async function readTfjsConvTensors(modelDir: string): Promise<KerasConvTensorMap> {
  const modelJsonPath = path.join(modelDir, 'model.json');
  const invalid = (problem: string) =>
    new StyleTransferError('WEIGHTS_INVALID', `Invalid VGG19 weights in ${modelJsonPath}: ${problem}`);

  const text = await readFile(modelJsonPath, 'utf8').catch((error: unknown) => {
    throw invalid(`cannot read it (${errorMessage(error)})`);
  });
  const manifest = parseModelJson(text, invalid);
  const shardPaths = manifest.flatMap((group) => group.paths);
  const shards = await Promise.all(
    shardPaths.map((shard) =>
      readFile(path.join(modelDir, shard)).catch((error: unknown) => {
        throw invalid(`cannot read weight shard ${shard} (${errorMessage(error)})`);
      }),
    ),
  );
  const data = Buffer.concat(shards);
  const specs = manifest.flatMap((group) => group.weights);

  const needed = specs.reduce((sum, spec) => sum + storedByteLength(spec, invalid), 0);
  if (data.length < needed) {
    throw invalid(
      `the shards hold ${data.length} bytes but the manifest needs ${needed} (a shard is truncated)`,
    );
  }

  const found: KerasConvTensorMap = new Map();
  let offset = 0;
  for (const spec of specs) {
    const byteLength = storedByteLength(spec, invalid);
    const match = CONV_WEIGHT_NAME.exec(spec.name);
    if (match?.[1] && match[2]) {
      const tensors = found.get(match[1]) ?? {};
      const role = match[2] === 'kernel' ? 'kernel' : 'bias';
      tensors[role] = { shape: spec.shape, values: decodeWeight(data, offset, byteLength, spec, invalid) };
      found.set(match[1], tensors);
    }
    offset += byteLength;
  }
  return found;
}

function parseModelJson(
  text: string,
  invalid: (problem: string) => StyleTransferError,
): z.infer<typeof ModelJsonSchema>['weightsManifest'] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(`not valid JSON (${errorMessage(error)})`);
  }
  const parsed = ModelJsonSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'the top level';
    throw invalid(`unexpected content at ${where}: ${issue?.message ?? 'unknown problem'}`);
  }
  return parsed.data.weightsManifest;
}

function elementCount(shape: number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

function storedByteLength(spec: WeightSpec, invalid: (problem: string) => StyleTransferError): number {
  const bytesPerElement = spec.quantization
    ? QUANTIZED_BYTES[spec.quantization.dtype]
    : STORED_BYTES[spec.dtype];
  if (bytesPerElement === undefined) {
    throw invalid(`weight ${spec.name} has unsupported dtype ${spec.dtype}`);
  }
  return elementCount(spec.shape) * bytesPerElement;
}

function decodeWeight(
  data: Buffer,
  offset: number,
  byteLength: number,
  spec: WeightSpec,
  invalid: (problem: string) => StyleTransferError,
): Float32Array {
  // slice() copies into a fresh, aligned ArrayBuffer, which typed-array views require.
  const bytes = data.buffer.slice(data.byteOffset + offset, data.byteOffset + offset + byteLength);
  const quantization = spec.quantization;
  if (!quantization) {
    if (spec.dtype === 'float32') return new Float32Array(bytes);
    if (spec.dtype === 'int32') return Float32Array.from(new Int32Array(bytes));
    throw invalid(`weight ${spec.name} has dtype ${spec.dtype}, expected float32`);
  }
  if (quantization.dtype === 'float16') return float16ToFloat32(new Uint16Array(bytes));
  const { min, scale } = quantization;
  if (min === undefined || scale === undefined) {
    throw invalid(`weight ${spec.name} is ${quantization.dtype}-quantized but lacks min/scale`);
  }
  const quantized = quantization.dtype === 'uint8' ? new Uint8Array(bytes) : new Uint16Array(bytes);
  const values = new Float32Array(quantized.length);
  for (let i = 0; i < quantized.length; i++) values[i] = (quantized[i] ?? 0) * scale + min;
  return values;
}

let halfTable: Float32Array | undefined;

/** IEEE 754 half -> single via a 64K lookup table (every half is exactly representable). */
export function float16ToFloat32(halves: Uint16Array): Float32Array {
  halfTable ??= Float32Array.from({ length: 0x10000 }, (_, bits) => halfToNumber(bits));
  const table = halfTable;
  return Float32Array.from(halves, (bits) => table[bits] ?? Number.NaN);
}

function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
