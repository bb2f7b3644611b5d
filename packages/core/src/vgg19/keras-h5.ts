import path from 'node:path';

import { Dataset, File, Group, ready } from 'h5wasm/node';

import { errorMessage, StyleTransferError } from '@neural-style/vocabulary';
import { kerasToCaffeName, type DecodedTensor, type KerasConvTensorMap } from './weights.js';

/**
 * Reads Keras HDF5 weight files through h5wasm (its Node build reads host paths directly).
 * Layouts handled, all with one group per layer named like the Keras layer (block1_conv1):
 * - Keras 1/2 `save_weights` (the canonical keras-applications file): root attr `layer_names`, each
 *   layer group's attr `weight_names` lists dataset paths (`block1_conv1_W_1:0` or
 *   `block1_conv1/kernel:0`) relative to the group;
 * - full-model saves, where the same tree sits under `model_weights`;
 * - Keras 3 `.weights.h5`, with layers under `layers/<name>/vars/{0,1}` and no name attributes.
 * Kernel and bias are told apart by rank (4 and 1), which every layout shares.
 */

let initialised: Promise<void> | undefined;

function initHdf5(): Promise<void> {
  // Without the throwing handler a bad file only prints to stderr and yields an unusable handle.
  initialised ??= ready.then((module) => {
    module.activate_throwing_error_handler();
  });
  return initialised;
}

export async function readKerasH5ConvTensors(file: string): Promise<KerasConvTensorMap> {
  await initHdf5();
  const source = path.resolve(file);
  const invalid = (problem: string) =>
    new StyleTransferError('WEIGHTS_INVALID', `Invalid VGG19 weights in ${source}: ${problem}`);

  let h5: File;
  try {
    h5 = new File(source, 'r');
  } catch (error) {
    throw invalid(`not a readable HDF5 file (${hdf5Reason(error)})`);
  }
  try {
    return readLayers(layerContainer(h5), invalid);
  } catch (error) {
    if (error instanceof StyleTransferError) throw error;
    throw invalid(`cannot read the HDF5 contents (${hdf5Reason(error)})`);
  } finally {
    h5.close();
  }
}

function layerContainer(h5: File): Group {
  if ('layer_names' in h5.attrs) return h5;
  for (const name of ['model_weights', 'layers']) {
    const group = h5.get(name);
    if (group instanceof Group) return group;
  }
  return h5;
}

function readLayers(container: Group, invalid: (problem: string) => StyleTransferError): KerasConvTensorMap {
  const found: KerasConvTensorMap = new Map();
  const layerNames = stringListAttribute(container, 'layer_names') ?? container.keys();
  for (const layer of layerNames.filter((name) => kerasToCaffeName(name) !== undefined)) {
    const group = container.get(layer);
    if (!(group instanceof Group)) throw invalid(`layer ${layer} has no group`);
    const weightNames =
      stringListAttribute(group, 'weight_names') ??
      group.paths().filter((name) => group.get(name) instanceof Dataset);
    const tensors: { kernel?: DecodedTensor; bias?: DecodedTensor } = {};
    for (const weightName of weightNames) {
      const dataset = group.get(weightName);
      if (!(dataset instanceof Dataset))
        throw invalid(`layer ${layer} lists weight ${weightName}, which is not there`);
      const tensor = readFloatDataset(dataset, `${layer}/${weightName}`, invalid);
      if (tensor.shape.length === 4) tensors.kernel = tensor;
      else if (tensor.shape.length === 1) tensors.bias = tensor;
      else
        throw invalid(
          `weight ${layer}/${weightName} has shape [${tensor.shape.join(',')}], expected a 4-D kernel or 1-D bias`,
        );
    }
    found.set(layer, tensors);
  }
  return found;
}

function stringListAttribute(node: Group, name: string): string[] | undefined {
  if (!(name in node.attrs)) return undefined;
  const value = node.get_attribute(name, true);
  const list = Array.isArray(value) ? value : [value];
  return list.map(String);
}

function readFloatDataset(
  dataset: Dataset,
  where: string,
  invalid: (problem: string) => StyleTransferError,
): DecodedTensor {
  const shape = dataset.shape ?? [];
  const value = dataset.value;
  if (value instanceof Float32Array) return { shape, values: value };
  if (value instanceof Float64Array) return { shape, values: Float32Array.from(value) };
  throw invalid(`weight ${where} has dtype ${JSON.stringify(dataset.dtype)}, expected float32`);
}

/** HDF5 errors are a multi-line stack; the innermost frame's message says what actually went wrong. */
function hdf5Reason(error: unknown): string {
  const text = errorMessage(error);
  const frames = [...text.matchAll(/ in \w+\(\): (.+)$/gm)];
  return frames.at(-1)?.[1]?.trim() ?? text.split('\n')[0] ?? text;
}
