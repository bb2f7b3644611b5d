import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { File as H5File, Group as H5Group, ready as h5Ready } from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { StyleTransferError } from '@neural-style/vocabulary';
import { CANONICAL_WEIGHTS_FILE } from '../src/vgg19/download.js';
import { loadVggWeights, resolveWeightsPath } from '../src/vgg19/load-weights.js';
import { float16ToFloat32 } from '../src/vgg19/tfjs-format.js';
import type { ConvWeights } from '../src/vgg19/weights.js';

/** A tiny VGG-shaped net: the real layer names, small channel widths (3 -> 4 -> 4 -> 6). */
interface TinyLayer {
  keras: string;
  caffe: string;
  shape: [number, number, number, number];
  kernel: Float32Array;
  bias: Float32Array;
}

type Encoding = 'float32' | 'uint8' | 'uint16' | 'float16';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; min?: number; scale?: number };
}

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'weights-test-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function freshDir(name: string): Promise<string> {
  const dir = path.join(scratch, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Multiples of 1/256 in [-2, 2): exactly representable in float16, so every encoding can round-trip them. */
function tinyNet(seed = 1, widths = [4, 4, 6]): TinyLayer[] {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (Math.floor((state / 2 ** 31) * 1024) - 512) / 256;
  };
  const names: [string, string][] = [
    ['block1_conv1', 'conv1_1'],
    ['block1_conv2', 'conv1_2'],
    ['block2_conv1', 'conv2_1'],
  ];
  let inChannels = 3;
  return widths.map((out, index) => {
    const [keras, caffe] = names[index] ?? ['', ''];
    const shape: TinyLayer['shape'] = [3, 3, inChannels, out];
    inChannels = out;
    return {
      keras,
      caffe,
      shape,
      kernel: Float32Array.from({ length: 9 * shape[2] * out }, next),
      bias: Float32Array.from({ length: out }, next),
    };
  });
}

function encodeHalf(value: number): number {
  if (value === 0) return 0;
  const sign = value < 0 ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  const exponent = Math.floor(Math.log2(magnitude));
  const fraction = Math.round((magnitude / 2 ** exponent - 1) * 1024);
  return sign | ((exponent + 15) << 10) | fraction;
}

function encodeTensor(values: Float32Array, name: string, shape: number[], encoding: Encoding) {
  const spec: WeightSpec = { name, shape, dtype: 'float32' };
  if (encoding === 'float32') return { spec, bytes: new Uint8Array(Float32Array.from(values).buffer) };
  if (encoding === 'float16') {
    spec.quantization = { dtype: 'float16' };
    return { spec, bytes: new Uint8Array(Uint16Array.from(values, encodeHalf).buffer) };
  }
  const levels = encoding === 'uint8' ? 255 : 65535;
  const min = Math.min(...values);
  const scale = (Math.max(...values) - min) / levels || 1;
  spec.quantization = { dtype: encoding, min, scale };
  const quantized = Array.from(values, (value) => Math.round((value - min) / scale));
  const bytes =
    encoding === 'uint8' ? Uint8Array.from(quantized) : new Uint8Array(Uint16Array.from(quantized).buffer);
  return { spec, bytes };
}

/**
 * Writes a TF.js layers-model directory the way the converter does: one manifest group per layer
 * (so offsets must carry across groups) and shards of at most `shardBytes`.
 */
async function writeTfjsModel(
  dir: string,
  layers: TinyLayer[],
  encoding: Encoding,
  { prefix = '', shardBytes = 100 } = {},
): Promise<{ specs: WeightSpec[]; data: Uint8Array }> {
  const allSpecs: WeightSpec[] = [];
  const allBytes: Uint8Array[] = [];
  const manifest = [];
  for (const [groupIndex, layer] of layers.entries()) {
    const tensors = [
      encodeTensor(layer.kernel, `${prefix}${layer.keras}/kernel`, layer.shape, encoding),
      encodeTensor(layer.bias, `${prefix}${layer.keras}/bias`, [layer.bias.length], encoding),
    ];
    const groupBytes = Buffer.concat(tensors.map((tensor) => tensor.bytes));
    const paths: string[] = [];
    for (let start = 0; start < groupBytes.length; start += shardBytes) {
      const shard = `group${groupIndex + 1}-shard${paths.length + 1}.bin`;
      await writeFile(path.join(dir, shard), groupBytes.subarray(start, start + shardBytes));
      paths.push(shard);
    }
    manifest.push({ paths, weights: tensors.map((tensor) => tensor.spec) });
    allSpecs.push(...tensors.map((tensor) => tensor.spec));
    allBytes.push(groupBytes);
  }
  const modelJson = { format: 'layers-model', modelTopology: {}, weightsManifest: manifest };
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
  return { specs: allSpecs, data: Buffer.concat(allBytes) };
}

/** keras2-model: a full-model save, the keras2 tree under `model_weights`. */
type H5Layout = 'keras2-legacy' | 'keras2' | 'keras2-model' | 'keras3';

/** Writes the Keras HDF5 layouts: keras-applications' legacy names, Keras 2 `kernel:0`, Keras 3 `vars/0`. */
async function writeKerasH5(
  file: string,
  layers: TinyLayer[],
  layout: H5Layout,
  dtype = '<f',
): Promise<void> {
  await h5Ready;
  const h5 = new H5File(file, 'w');
  const containerName = { keras3: 'layers', 'keras2-model': 'model_weights' }[layout as string];
  const container = containerName ? h5.create_group(containerName) : h5;
  if (layout !== 'keras3') {
    const layerNames = ['input_1', ...layers.map((layer) => layer.keras), 'block1_pool'];
    container.create_attribute('layer_names', layerNames, null, 'S16');
    for (const name of ['input_1', 'block1_pool'])
      container.create_group(name).create_attribute('weight_names', [], null, 'S1');
  }
  for (const layer of layers) {
    const group = container.create_group(layer.keras);
    const bias = { data: layer.bias, shape: [layer.shape[3]], dtype };
    const kernel = { data: layer.kernel, shape: layer.shape, dtype };
    if (layout === 'keras2-legacy') {
      const names = [`${layer.keras}_W_1:0`, `${layer.keras}_b_1:0`];
      group.create_attribute('weight_names', names, null, 'S24');
      group.create_dataset({ name: names[0] ?? '', ...kernel });
      group.create_dataset({ name: names[1] ?? '', ...bias });
    } else if (layout === 'keras2' || layout === 'keras2-model') {
      group.create_attribute(
        'weight_names',
        [`${layer.keras}/kernel:0`, `${layer.keras}/bias:0`],
        null,
        'S32',
      );
      const inner = group.create_group(layer.keras);
      inner.create_dataset({ name: 'kernel:0', ...kernel });
      inner.create_dataset({ name: 'bias:0', ...bias });
    } else {
      const vars = group.create_group('vars');
      vars.create_dataset({ name: '0', ...kernel });
      vars.create_dataset({ name: '1', ...bias });
    }
  }
  h5.close();
}

function expectSameNet(
  loaded: ConvWeights[],
  expected: TinyLayer[],
  tolerance: (layer: TinyLayer) => number,
) {
  expect(loaded.map((conv) => conv.name)).toEqual(expected.map((layer) => layer.caffe));
  for (const [index, layer] of expected.entries()) {
    const conv = loaded[index];
    expect(conv?.shape).toEqual(layer.shape);
    for (const [actual, wanted] of [
      [conv?.kernel, layer.kernel],
      [conv?.bias, layer.bias],
    ] as const) {
      expect(actual).toBeInstanceOf(Float32Array);
      expect(actual?.length).toBe(wanted.length);
      const worst = Math.max(...Array.from(wanted, (value, i) => Math.abs((actual?.[i] ?? NaN) - value)));
      expect(worst).toBeLessThanOrEqual(tolerance(layer));
    }
  }
}

async function expectWeightsError(
  promise: Promise<unknown>,
  code: string,
  ...patterns: RegExp[]
): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StyleTransferError);
  const { code: actualCode, message } = error as StyleTransferError;
  expect(actualCode).toBe(code);
  for (const pattern of patterns) expect(message).toMatch(pattern);
  expect(message).not.toContain('\n');
  return message;
}

function quantizationStep(layer: TinyLayer, levels: number): number {
  const range = (values: Float32Array) => Math.max(...values) - Math.min(...values);
  return Math.max(range(layer.kernel), range(layer.bias)) / levels;
}

describe('TF.js layers-model weights', () => {
  it('decodes float32 and float16 exactly, with a model prefix in the names', async () => {
    const net = tinyNet(1);
    for (const encoding of ['float32', 'float16'] as const) {
      const dir = await freshDir(`tfjs-${encoding}`);
      await writeTfjsModel(dir, net, encoding, { prefix: 'vgg19/' });
      expectSameNet(await loadVggWeights(dir), net, () => 0);
    }
  });

  it('decodes uint8 and uint16 quantization within half a step', async () => {
    const net = tinyNet(2);
    for (const [encoding, levels] of [
      ['uint8', 255],
      ['uint16', 65535],
    ] as const) {
      const dir = await freshDir(`tfjs-${encoding}`);
      await writeTfjsModel(dir, net, encoding);
      expectSameNet(await loadVggWeights(dir), net, (layer) => quantizationStep(layer, levels) / 2 + 1e-6);
    }
  });

  it('decodes exactly what tfjs-core io.decodeWeights decodes, for every encoding', async () => {
    const net = tinyNet(3);
    for (const encoding of ['float32', 'float16', 'uint8', 'uint16'] as const) {
      const dir = await freshDir(`tfjs-oracle-${encoding}`);
      const { specs, data } = await writeTfjsModel(dir, net, encoding, { shardBytes: 37 });
      const reference = tf.io.decodeWeights(new Uint8Array(data).buffer, specs);
      const loaded = await loadVggWeights(dir);
      for (const conv of loaded) {
        const keras = conv.name.replace(/^conv(\d)_(\d)$/, 'block$1_conv$2');
        expect(conv.kernel).toEqual(reference[`${keras}/kernel`]?.dataSync());
        expect(conv.bias).toEqual(reference[`${keras}/bias`]?.dataSync());
      }
      tf.dispose(Object.values(reference));
    }
  });

  it('accepts the path of model.json itself', async () => {
    const net = tinyNet(4);
    const dir = await freshDir('tfjs-model-json-path');
    await writeTfjsModel(dir, net, 'float32');
    expectSameNet(await loadVggWeights(path.join(dir, 'model.json')), net, () => 0);
  });

  it('rejects a truncated shard, naming model.json and the byte counts', async () => {
    const dir = await freshDir('tfjs-truncated');
    await writeTfjsModel(dir, tinyNet(5), 'float32', { shardBytes: 1 << 20 });
    await truncate(path.join(dir, 'group3-shard1.bin'), 10);
    await expectWeightsError(loadVggWeights(dir), 'WEIGHTS_INVALID', /model\.json/, /truncated/, /\d+ bytes/);
  });

  it('rejects a missing shard file', async () => {
    const dir = await freshDir('tfjs-missing-shard');
    await writeTfjsModel(dir, tinyNet(5), 'float32');
    await rm(path.join(dir, 'group2-shard1.bin'));
    await expectWeightsError(loadVggWeights(dir), 'WEIGHTS_INVALID', /group2-shard1\.bin/);
  });

  it('rejects corrupt JSON and a manifest of the wrong shape', async () => {
    const dir = await freshDir('tfjs-bad-json');
    await writeFile(path.join(dir, 'model.json'), '{"weightsManifest": [');
    await expectWeightsError(loadVggWeights(dir), 'WEIGHTS_INVALID', /model\.json/, /not valid JSON/);
    await writeFile(path.join(dir, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: 'x' }] }));
    await expectWeightsError(
      loadVggWeights(dir),
      'WEIGHTS_INVALID',
      /unexpected content at weightsManifest\.0\.paths/,
    );
  });

  it('rejects quantization without min/scale', async () => {
    const dir = await freshDir('tfjs-no-scale');
    await writeTfjsModel(dir, tinyNet(6), 'uint8');
    const modelJsonPath = path.join(dir, 'model.json');
    const modelJson = JSON.parse(await readFile(modelJsonPath, 'utf8')) as {
      weightsManifest: { weights: WeightSpec[] }[];
    };
    const spec = modelJson.weightsManifest[0]?.weights[0];
    if (spec?.quantization) delete spec.quantization.scale;
    await writeFile(modelJsonPath, JSON.stringify(modelJson));
    await expectWeightsError(loadVggWeights(dir), 'WEIGHTS_INVALID', /block1_conv1\/kernel/, /min\/scale/);
  });
});

describe('float16ToFloat32', () => {
  it('converts normals, subnormals, zeros and specials', () => {
    const halves = Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x3555, 0x7c00, 0xfc00, 0x7e00]);
    const floats = Array.from(float16ToFloat32(halves));
    expect(floats.slice(0, 6)).toEqual([1, -2, 65504, 2 ** -24, -0, 0.333251953125]);
    expect(floats.slice(6, 8)).toEqual([Infinity, -Infinity]);
    expect(floats[8]).toBeNaN();
  });
});

describe('Keras HDF5 weights', () => {
  it.each<H5Layout>(['keras2-legacy', 'keras2', 'keras2-model', 'keras3'])(
    'reads the %s layout exactly',
    async (layout) => {
      const net = tinyNet(7);
      const file = path.join(await freshDir(`h5-${layout}`), 'tiny.h5');
      await writeKerasH5(file, net, layout);
      expectSameNet(await loadVggWeights(file), net, () => 0);
    },
  );

  it('converts float64 datasets and finds the canonical file inside a directory', async () => {
    const net = tinyNet(8);
    const dir = await freshDir('h5-canonical-dir');
    await writeKerasH5(path.join(dir, CANONICAL_WEIGHTS_FILE), net, 'keras2-legacy', '<d');
    expectSameNet(await loadVggWeights(dir), net, () => 0);
  });

  it('rejects a file that is not HDF5, and a truncated one', async () => {
    const dir = await freshDir('h5-corrupt');
    const garbage = path.join(dir, 'garbage.h5');
    await writeFile(garbage, 'this is not an HDF5 file');
    await expectWeightsError(
      loadVggWeights(garbage),
      'WEIGHTS_INVALID',
      /garbage\.h5/,
      /not a readable HDF5 file/,
    );

    const truncated = path.join(dir, 'truncated.h5');
    await writeKerasH5(truncated, tinyNet(9), 'keras2-legacy');
    await truncate(truncated, 1500);
    await expectWeightsError(loadVggWeights(truncated), 'WEIGHTS_INVALID', /truncated\.h5/);
  });

  it('rejects a weight listed in weight_names but absent', async () => {
    const file = path.join(await freshDir('h5-dangling'), 'dangling.h5');
    await writeKerasH5(file, tinyNet(10), 'keras2-legacy');
    await h5Ready;
    const h5 = new H5File(file, 'a');
    const group = h5.get('block1_conv2');
    if (group instanceof H5Group) {
      group.delete_attribute('weight_names');
      group.create_attribute('weight_names', ['block1_conv2_W_2:0'], null, 'S24');
    }
    h5.close();
    await expectWeightsError(loadVggWeights(file), 'WEIGHTS_INVALID', /block1_conv2_W_2:0/, /not there/);
  });
});

describe('network checks shared by both formats', () => {
  it('rejects a gap in the layer sequence, naming the missing layer', async () => {
    const [first, , third] = tinyNet(11, [4, 4, 6]);
    const file = path.join(await freshDir('gap'), 'gap.h5');
    await writeKerasH5(
      file,
      [first, third].filter((layer) => layer !== undefined),
      'keras2-legacy',
    );
    await expectWeightsError(loadVggWeights(file), 'WEIGHTS_INVALID', /block1_conv2 \(conv1_2\) is missing/);
  });

  it('rejects channel widths that do not chain', async () => {
    const net = tinyNet(12, [4, 5, 6]);
    const broken = net.map((layer, index) =>
      index === 2
        ? { ...layer, shape: [3, 3, 4, 6] as TinyLayer['shape'], kernel: layer.kernel.slice(0, 9 * 4 * 6) }
        : layer,
    );
    const dir = await freshDir('chain');
    await writeTfjsModel(dir, broken, 'float32');
    await expectWeightsError(
      loadVggWeights(dir),
      'WEIGHTS_INVALID',
      /block2_conv1/,
      /4 input channels/,
      /gives 5/,
    );
  });

  it('rejects a first conv that does not take RGB, a bias of the wrong size and a kernel without bias', async () => {
    const [first] = tinyNet(13, [4]);
    if (!first) throw new Error('tiny net is empty');
    const grey = { ...first, shape: [3, 3, 1, 4] as TinyLayer['shape'], kernel: first.kernel.slice(0, 36) };
    const dir = await freshDir('first-conv');
    await writeTfjsModel(dir, [grey], 'float32');
    await expectWeightsError(loadVggWeights(dir), 'WEIGHTS_INVALID', /block1_conv1/, /1 input channels/);

    await writeTfjsModel(dir, [{ ...first, bias: first.bias.slice(0, 3) }], 'float32');
    await expectWeightsError(loadVggWeights(dir), 'WEIGHTS_INVALID', /bias has shape \[3\], expected \[4\]/);

    const modelJsonPath = path.join(dir, 'model.json');
    await writeTfjsModel(dir, [first], 'float32');
    const modelJson = JSON.parse(await readFile(modelJsonPath, 'utf8')) as {
      weightsManifest: { weights: WeightSpec[] }[];
    };
    modelJson.weightsManifest[0]?.weights.pop();
    await writeFile(modelJsonPath, JSON.stringify(modelJson));
    await expectWeightsError(loadVggWeights(dir), 'WEIGHTS_INVALID', /block1_conv1 has no bias/);
  });

  it('rejects a file without any VGG conv layer', async () => {
    const dir = await freshDir('no-convs');
    const [first] = tinyNet(14, [4]);
    if (!first) throw new Error('tiny net is empty');
    await writeTfjsModel(dir, [{ ...first, keras: 'dense_1' }], 'float32');
    await expectWeightsError(loadVggWeights(dir), 'WEIGHTS_INVALID', /no VGG19 conv layers/);
  });
});

describe('missing weights', () => {
  it('says how to get them when the path does not exist, is not configured, or holds no weights', async () => {
    const missing = path.join(scratch, 'nowhere', 'vgg19');
    const howTo = [/style-transfer weights/, /VGG19_WEIGHTS/];
    await expectWeightsError(loadVggWeights(missing), 'WEIGHTS_MISSING', /nowhere/, ...howTo);
    await expectWeightsError(loadVggWeights(undefined), 'WEIGHTS_MISSING', ...howTo);
    await expectWeightsError(loadVggWeights(await freshDir('empty')), 'WEIGHTS_MISSING', /empty/, ...howTo);
  });

  it('resolves the weights path: explicit, then VGG19_WEIGHTS, then the cached download', async () => {
    const cacheHome = await freshDir('xdg-cache');
    const env = { XDG_CACHE_HOME: cacheHome };
    expect(resolveWeightsPath(undefined, env)).toBeUndefined();
    const cached = path.join(cacheHome, 'neural-style', CANONICAL_WEIGHTS_FILE);
    await mkdir(path.dirname(cached), { recursive: true });
    await writeFile(cached, 'placeholder');
    expect(resolveWeightsPath(undefined, env)).toBe(cached);
    expect(resolveWeightsPath(undefined, { ...env, VGG19_WEIGHTS: '/from/env' })).toBe('/from/env');
    expect(resolveWeightsPath('/explicit', { ...env, VGG19_WEIGHTS: '/from/env' })).toBe('/explicit');
  });
});

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sharedWeights = path.resolve(repoRoot, '../shared/weights/vgg19');
const haveSharedWeights = existsSync(path.join(sharedWeights, 'tfjs-notop-hybrid', 'model.json'));
if (!haveSharedWeights) console.log(`skipping real VGG19 weight tests: ${sharedWeights} is absent`);

describe.skipIf(!haveSharedWeights)('real VGG19 weights in ../shared', () => {
  const widths = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512];

  it('loads both models with the 16 documented conv shapes; the hybrid matches uint8 within scale/2', async () => {
    const hybrid = await loadVggWeights(path.join(sharedWeights, 'tfjs-notop-hybrid'));
    const uint8Dir = path.join(sharedWeights, 'tfjs-notop-uint8');
    const uint8 = await loadVggWeights(uint8Dir);
    for (const convs of [hybrid, uint8]) {
      expect(convs.map((conv) => conv.shape)).toEqual(
        widths.map((out, index) => [3, 3, index === 0 ? 3 : (widths[index - 1] ?? 0), out]),
      );
    }

    const manifest = JSON.parse(await readFile(path.join(uint8Dir, 'model.json'), 'utf8')) as {
      weightsManifest: { weights: { name: string; quantization: { scale: number } }[] }[];
    };
    const scales = new Map(
      manifest.weightsManifest.flatMap((group) => group.weights.map((w) => [w.name, w.quantization.scale])),
    );
    for (const [index, exact] of hybrid.entries()) {
      const quantized = uint8[index];
      const keras = exact.name.replace(/^conv(\d)_(\d)$/, 'block$1_conv$2');
      const kernelScale = scales.get(`${keras}/kernel`) ?? 0;
      const worst = exact.kernel.reduce(
        (max, value, i) => Math.max(max, Math.abs(value - (quantized?.kernel[i] ?? NaN))),
        0,
      );
      // Blocks 1-3 of the hybrid are exact float32; blocks 4-5 are the same uint8 bytes as the uint8 model.
      if (index < 8) {
        expect(worst).toBeGreaterThan(0);
        expect(worst).toBeLessThanOrEqual(kernelScale / 2 + 1e-6);
      } else {
        expect(worst).toBe(0);
      }
    }
  });
});
