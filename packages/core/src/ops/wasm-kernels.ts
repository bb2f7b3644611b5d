import * as tf from '@tensorflow/tfjs-core';

/** tfjs-wasm's own kernels, as first found, for what a replacement does not handle and to switch back. */
const originals = new Map<string, tf.KernelConfig>();

/**
 * Registers the kernel `replace` makes from tfjs-wasm's own (to fall back on) as the wasm backend's
 * `kernelName`, or tfjs-wasm's own kernel again when `replace` is null.
 */
export function replaceWasmKernel(
  kernelName: string,
  replace: ((original: tf.KernelConfig) => tf.KernelFunc) | null,
): void {
  const current = tf.getKernel(kernelName, 'wasm');
  const original = originals.get(kernelName) ?? current;
  if (original === undefined) throw new Error(`the wasm backend has no ${kernelName} kernel to replace`);
  originals.set(kernelName, original);
  if (current !== undefined) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel(replace === null ? original : { ...original, kernelFunc: replace(original) });
}
