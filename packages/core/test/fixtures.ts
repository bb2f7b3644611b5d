import type * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { expect } from 'vitest';
import { StyleTransferError } from '@neural-style/vocabulary';

/** A deterministic RGB test picture: smooth gradients plus a pattern, so features have structure. */
export async function makeImage(width: number, height: number, variant = 0): Promise<Uint8Array> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const stripes = ((x + variant * y) >> 2) % 2 === 0 ? 60 : 0;
      data[i] = Math.round((255 * x) / Math.max(1, width - 1)) ^ (variant * 37);
      data[i + 1] = Math.round((255 * y) / Math.max(1, height - 1)) / 2 + stripes;
      data[i + 2] = (variant * 91 + x * y) % 256;
    }
  }
  return new Uint8Array(
    await sharp(data, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/** A width × height grey PNG mask, white on its left (or right) half. */
export async function halfMask(width: number, height: number, side: 'left' | 'right'): Promise<Uint8Array> {
  const data = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = x < width / 2 === (side === 'left') ? 255 : 0;
  }
  return sharp(data, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}

/**
 * The paper's layers (content conv4_2, style conv1_1..conv5_1), and loss weights that give the three terms
 * comparable sizes on small random networks with random ±100 inputs (the normalised losses of losses/).
 */
export const paperLayers = {
  content: ['conv4_2'],
  style: ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'],
};
export const testLossWeights = {
  content: 1,
  style: 1e-3,
  tv: 1e-2,
  styleLayers: new Map(paperLayers.style.map((layer) => [layer, 0.2])),
};

/** Largest absolute difference, relative to the largest magnitude of the reference. */
export function relativeError(
  actual: tf.Tensor | ArrayLike<number>,
  expected: tf.Tensor | ArrayLike<number>,
): number {
  const values = (t: tf.Tensor | ArrayLike<number>) => ('dataSync' in t ? t.dataSync() : t);
  const a = values(actual);
  const e = values(expected);
  if (a.length !== e.length) throw new Error(`length ${a.length} differs from the reference's ${e.length}`);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - e[i]!));
    scale = Math.max(scale, Math.abs(e[i]!));
  }
  return worst / scale;
}

/** Expects the promise to reject with a StyleTransferError of this code whose message matches. */
export async function expectStyleError(promise: Promise<unknown>, code: string, message: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StyleTransferError);
  expect((error as StyleTransferError).code).toBe(code);
  expect((error as StyleTransferError).message).toMatch(message);
}
