/**
 * VGG19 convolution weights as plain arrays, independent of any TensorFlow.js backend, so loaders can be
 * tested without one and the network decides where the tensors live.
 */
export interface ConvWeights {
  /** Gatys/Caffe name: conv1_1 .. conv5_4 (Keras block1_conv1 is conv1_1). */
  name: string;
  /** HWIO layout [3, 3, in, out], as tf.conv2d expects. */
  shape: [number, number, number, number];
  kernel: Float32Array;
  bias: Float32Array;
}

/** The 16 convolutions in network order; a pool follows the last conv of each block. */
export const VGG19_CONV_NAMES = [
  'conv1_1',
  'conv1_2',
  'conv2_1',
  'conv2_2',
  'conv3_1',
  'conv3_2',
  'conv3_3',
  'conv3_4',
  'conv4_1',
  'conv4_2',
  'conv4_3',
  'conv4_4',
  'conv5_1',
  'conv5_2',
  'conv5_3',
  'conv5_4',
] as const;

export type Vgg19LayerName = (typeof VGG19_CONV_NAMES)[number];

/** Keras names a conv "blockB_convC"; we use Caffe's "convB_C". */
export function kerasToCaffeName(kerasName: string): string | undefined {
  const match = /^block(\d)_conv(\d)$/.exec(kerasName);
  return match ? `conv${match[1]}_${match[2]}` : undefined;
}
