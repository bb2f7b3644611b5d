import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { assertSameAspect, cropRows, verifyImage, type ImageLimits, type Region } from './image.js';
import type { LayerMask } from './losses/gram.js';

/**
 * Spatial masks (Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer"): grey images,
 * white where a style goes (or, on a style image, the part of the painting to take), soft values blending.
 * Decoded once at their own size; each pass resizes it (sizeMask), each tile of a pass cuts its crop from
 * that (maskTensor), and each loss layer gets it average-pooled along with the network (maskAtLayer).
 */
export interface Mask {
  /** Luminance in 0..1, row-major. */
  data: Float32Array;
  width: number;
  height: number;
}

/** Decodes an encoded mask with the same checks as an image (format, size, truncated data). */
export async function decodeMask(bytes: Uint8Array, opts: ImageLimits = {}): Promise<Mask> {
  await verifyImage(bytes, opts);
  const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: opts.maxInputPixels })
    .rotate()
    .flatten({ background: { r: 0, g: 0, b: 0 } })
    .toColourspace('b-w')
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: Float32Array.from(data, (value) => value / 255), width: info.width, height: info.height };
}

/** The mask resized (bilinear) to a pass's size, in JavaScript memory: done once per pass. */
export function sizeMask(mask: Mask, pass: { width: number; height: number }): Mask {
  if (mask.width === pass.width && mask.height === pass.height) return mask;
  const data = tf.tidy(
    () =>
      tf.image
        .resizeBilinear(
          tf.tensor4d(mask.data, [1, mask.height, mask.width, 1]),
          [pass.height, pass.width],
          false,
          true,
        )
        .dataSync() as Float32Array,
  );
  return { data, width: pass.width, height: pass.height };
}

/** A sized mask as a [1, height, width, 1] tensor: the whole of it, or one region (a tile's crop). */
export function maskTensor(
  mask: Mask,
  region: Region = { x: 0, y: 0, width: mask.width, height: mask.height },
): tf.Tensor4D {
  return tf.tensor4d(cropRows(mask.data, mask.width, 1, region), [1, region.height, region.width, 1]);
}

/**
 * The mask at a VGG layer's resolution: average-pooled 2×2 ('valid', as the network pools) once per block
 * before the layer's, so each feature position gets the share of its receptive field the mask covers.
 */
export function maskAtLayer(mask: tf.Tensor4D, layer: string): LayerMask {
  const poolings = Number(layer[4]) - 1;
  const weights = tf.tidy(() => {
    let pooled = mask;
    for (let i = 0; i < poolings; i++) pooled = tf.avgPool(pooled, 2, 2, 'valid');
    return tf.reshape(pooled, [-1, 1]) as tf.Tensor2D;
  });
  const sum = tf.tidy(() => tf.sum(weights).dataSync()[0]!);
  return { weights, sum };
}

/** A style's decoded masks, where it has any. */
export interface StyleMasks {
  mask?: Mask;
  styleMask?: Mask;
}

/**
 * Decodes and checks every style's masks: readable images, within the pixel limit, with the aspect ratio of
 * the content image (mask) or of their style image (styleMask).
 */
export async function decodeStyleMasks(
  inputs: { content: Uint8Array; styles: { image: Uint8Array; mask?: Uint8Array; styleMask?: Uint8Array }[] },
  limits: ImageLimits,
): Promise<StyleMasks[]> {
  return Promise.all(
    inputs.styles.map(async (style, i) => {
      const decode = async (
        bytes: Uint8Array | undefined,
        label: string,
        image: Uint8Array,
        imageLabel: string,
      ) => {
        if (!bytes) return undefined;
        const mask = await decodeMask(bytes, { ...limits, label });
        await assertSameAspect(bytes, image, { mask: label, image: imageLabel });
        return mask;
      };
      const [mask, styleMask] = await Promise.all([
        decode(style.mask, `mask of style image ${i + 1}`, inputs.content, 'the content image'),
        decode(style.styleMask, `style mask of style image ${i + 1}`, style.image, `style image ${i + 1}`),
      ]);
      return { ...(mask ? { mask } : {}), ...(styleMask ? { styleMask } : {}) };
    }),
  );
}
