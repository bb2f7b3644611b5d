import { File as H5File, ready as h5Ready } from 'h5wasm/node';
import type { ConvWeights } from '@neural-style/core';

/**
 * Writes conv weights as a Keras HDF5 file in the keras-applications layout of the canonical
 * `vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5` (`layer_names`, `block1_conv1_W_1:0` ...), so a
 * test can serve a tiny stand-in for the file the worker downloads on first start.
 */
export async function writeKerasH5Weights(file: string, weights: readonly ConvWeights[]): Promise<void> {
  await h5Ready;
  const h5 = new H5File(file, 'w');
  const kerasName = (conv: ConvWeights) => conv.name.replace(/^conv(\d)_(\d)$/, 'block$1_conv$2');
  h5.create_attribute('layer_names', weights.map(kerasName), null, 'S16');
  for (const conv of weights) {
    const name = kerasName(conv);
    const names = [`${name}_W_1:0`, `${name}_b_1:0`];
    const group = h5.create_group(name);
    group.create_attribute('weight_names', names, null, 'S24');
    group.create_dataset({ name: names[0]!, data: conv.kernel, shape: conv.shape, dtype: '<f' });
    group.create_dataset({ name: names[1]!, data: conv.bias, shape: [conv.shape[3]], dtype: '<f' });
  }
  h5.close();
}
