import * as tf from '@tensorflow/tfjs-core';
import { oneDnnMaskGradient, oneDnnReluMask } from './onednn.js';

/**
 * A VGG layer's 3x3 kernel and bias, with the kernel also stored rotated 180° and with its in/out channels
 * swapped. For a stride-1 'same' convolution with an odd square kernel, the gradient w.r.t. the input is
 * the forward convolution of the output gradient with that rotated kernel; running it through the forward
 * conv kernel (XNNPACK on wasm) is several times faster than tfjs's Conv2DBackpropInput kernel. Keeping the
 * rotated kernel for the network's lifetime also lets the backend keep its packed-weights cache.
 */
export interface PreparedConv {
  readonly kernel: tf.Tensor4D;
  readonly bias: tf.Tensor1D;
  readonly rotatedKernel: tf.Tensor4D;
  /** Disposes the rotated kernel; kernel and bias stay owned by the caller. */
  dispose(): void;
}

export function prepareConv(kernel: tf.Tensor4D, bias: tf.Tensor1D): PreparedConv {
  const [height, width] = kernel.shape;
  if (height !== width || height % 2 !== 1) {
    throw new Error(`prepareConv needs an odd square kernel, got ${height}x${width}`);
  }
  const rotatedKernel = tf.tidy(() => tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]));
  return { kernel, bias, rotatedKernel, dispose: () => rotatedKernel.dispose() };
}

/**
 * relu(conv2d(x, kernel, stride 1, 'same') + bias), as one fused kernel. Untaped: the network's backward
 * pass is written out by hand (vgg19/network.ts), with convInputGradient below.
 */
export function convBiasRelu(x: tf.Tensor4D, conv: PreparedConv): tf.Tensor4D {
  return tf
    .engine()
    .runKernel(
      tf.FusedConv2D,
      { x, filter: conv.kernel, bias: conv.bias },
      { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, activation: 'relu' },
    ) as tf.Tensor4D;
}

/** The ReLU's gradient mask of a conv output y: y > 0 as bool, a byte a value. */
export function reluMask(y: tf.Tensor4D): tf.Tensor4D {
  return (oneDnnReluMask(y) ?? tf.greater(y, 0)) as tf.Tensor4D;
}

/**
 * d(loss)/dx of y = relu(conv2d(x) + bias) from dy and the ReLU's mask (reluMask): the forward convolution of
 * dy·mask with the rotated kernel. No gradient flows to kernel or bias: we optimise pixels.
 */
export function convInputGradient(dy: tf.Tensor4D, mask: tf.Tensor4D, conv: PreparedConv): tf.Tensor4D {
  return tf.tidy(() => {
    const dz = (oneDnnMaskGradient(dy, mask) ?? tf.mul(dy, mask)) as tf.Tensor4D;
    return tf.conv2d(dz, conv.rotatedKernel, 1, 'same');
  });
}
