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

/** A tensor decoded from a weights file: row-major values in the stored shape. */
export interface DecodedTensor {
  shape: number[];
  values: Float32Array;
}

/** What a format reader found for one Keras conv layer; validation happens in one place (assembleConvWeights). */
export interface KerasConvTensors {
  kernel?: DecodedTensor;
  bias?: DecodedTensor;
}

/** Conv tensors keyed by Keras layer name (block1_conv1 ...). */
export type KerasConvTensorMap = Map<string, KerasConvTensors>;

/** Keras names a conv "blockB_convC"; we use Caffe's "convB_C". */
export function kerasToCaffeName(kerasName: string): string | undefined {
  const match = /^block(\d)_conv(\d)$/.exec(kerasName);
  return match ? `conv${match[1]}_${match[2]}` : undefined;
}
