import * as tf from '@tensorflow/tfjs-core';

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
 * relu(conv2d(x, kernel, stride 1, 'same') + bias) with a gradient w.r.t. x only: we optimise pixels, and
 * the network's weights are constants, so no gradient flows to kernel or bias.
 */
export function convBiasRelu(x: tf.Tensor4D, conv: PreparedConv): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    // customGrad passes the inputs, then the save function.
    const [input, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    // tf.fused.conv2d falls back to conv2d + add + relu whenever a gradient is being recorded (every
    // optimisation step); calling the kernel keeps the fusion, and our gradFunc covers the gradient.
    const y = tf
      .engine()
      .runKernel(
        tf.FusedConv2D,
        { x: input, filter: conv.kernel, bias: conv.bias },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, activation: 'relu' },
      ) as tf.Tensor4D;
    save([y]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const [output] = saved as tf.Tensor4D[];
        // ReLU passes the gradient where its output is positive, as tfjs's own Relu gradient does.
        const dz = tf.tidy(() => tf.mul(dy, tf.step(output!)));
        // Backprop reaches a layer once every consumer of its output has added its gradient, and nothing
        // else reads that gradient or the saved output again. tfjs would keep both (and, without the tidy,
        // the mask) until the whole backward pass ends: freeing them here keeps one layer's gradients
        // alive at a time instead of every layer's (docs/high-resolution.md: −55% peak memory).
        tf.dispose([dy, output!]);
        const dx = tf.conv2d(dz as tf.Tensor4D, conv.rotatedKernel, 1, 'same');
        dz.dispose();
        return dx;
      },
    };
  });
  return op(x) as tf.Tensor4D;
}
