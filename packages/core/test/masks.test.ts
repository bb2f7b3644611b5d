import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StyleOptionsInput } from '@neural-style/vocabulary';
import { createEngine, type Engine } from '../src/engine.js';
import { decodeImage } from '../src/image.js';
import { decodeMask, maskAtLayer, maskTensor, sizeMask } from '../src/masks.js';
import { randomVggWeights } from '../src/testing.js';
import { expectStyleError, halfMask, makeImage } from './fixtures.js';

let engine: Engine;

beforeAll(async () => {
  engine = await createEngine({ weights: randomVggWeights({ seed: 5 }), backend: 'wasm' });
});

afterAll(() => engine.dispose());

const solid = (width: number, height: number, rgb: [number, number, number]) =>
  sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();

const small: StyleOptionsInput = {
  size: 48,
  iterations: 40,
  contentWeight: 1,
  styleWeight: 1e3,
  tvWeight: 0,
};

describe('masks', () => {
  it('resizes to a pass, cuts a tile region, and average-pools to each layer', () => {
    const mask = { data: Float32Array.from([1, 0, 1, 0, 0.5, 0.5, 0, 0]), width: 4, height: 2 };
    expect(sizeMask(mask, { width: 4, height: 2 })).toBe(mask);
    const pass = maskTensor(mask);
    expect(Array.from(pass.dataSync())).toEqual([1, 0, 1, 0, 0.5, 0.5, 0, 0]);
    const tile = maskTensor(mask, { x: 2, y: 0, width: 2, height: 2 });
    expect(Array.from(tile.dataSync())).toEqual([1, 0, 0, 0]);
    const conv2 = maskAtLayer(pass, 'conv2_1');
    // Two 2×2 windows: (1 + 0 + 0.5 + 0.5) / 4 and (1 + 0 + 0 + 0) / 4.
    expect(Array.from(conv2.weights.dataSync())).toEqual([0.5, 0.25]);
    expect(conv2.sum).toBeCloseTo(0.75, 6);
    const doubled = sizeMask(mask, { width: 8, height: 4 });
    expect([doubled.width, doubled.height, doubled.data.length]).toEqual([8, 4, 32]);
    // Bilinear with half-pixel centres: pixel 1 samples the source at x = 0.25, pixel 2 at x = 0.75.
    expect(Array.from(doubled.data.slice(0, 3))).toEqual([1, 0.75, 0.25]);
    tf.dispose([pass, tile, conv2.weights]);
  });

  it('decodes a grey mask to 0..1 and refuses what is not an image', async () => {
    const mask = await decodeMask(await halfMask(4, 2, 'left'), { label: 'mask 1' });
    expect(Array.from(mask.data)).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
    await expectStyleError(
      decodeMask(new Uint8Array([1, 2, 3]), { label: 'mask 1' }),
      'IMAGE_INVALID',
      /mask 1/,
    );
    const png = await halfMask(64, 64, 'left');
    await expectStyleError(
      decodeMask(png.subarray(0, png.length - 40), { label: 'mask 1' }),
      'IMAGE_INVALID',
      /mask 1/,
    );
    await expectStyleError(
      decodeMask(png, { label: 'mask 1', maxInputPixels: 100 }),
      'IMAGE_TOO_LARGE',
      /mask 1/,
    );
  });

  it('gives each half of the picture the colours of its own style (complementary masks)', async () => {
    const before = tf.memory().numTensors;
    const content = await solid(48, 32, [128, 128, 128]);
    const red = await solid(32, 32, [230, 30, 30]);
    const blue = await solid(32, 32, [30, 30, 230]);
    const result = await engine.stylize(
      {
        content,
        styles: [
          { image: red, mask: await halfMask(48, 32, 'left') },
          { image: blue, mask: await halfMask(96, 64, 'right') },
        ],
      },
      // Style alone, and Adam, which moves the grey start image by ~100 grey levels fastest.
      { ...small, contentWeight: 0, styleWeight: 1, optimizer: 'adam', iterations: 30 },
    );
    expect(tf.memory().numTensors).toBe(before);
    const image = await decodeImage(result.image);
    // Mean red minus blue of each half, away from the boundary (receptive fields straddle it).
    const redness = (from: number, to: number) => {
      let sum = 0;
      let count = 0;
      for (let y = 0; y < image.height; y++) {
        for (let x = from; x < to; x++) {
          const i = (y * image.width + x) * 3;
          sum += image.data[i]! - image.data[i + 2]!;
          count++;
        }
      }
      return sum / count;
    };
    expect(redness(0, 16)).toBeGreaterThan(20);
    expect(redness(32, 48)).toBeLessThan(-20);
  });

  it('keeps the photo where no mask puts a style', async () => {
    const content = await makeImage(48, 32, 1);
    const red = await solid(32, 32, [230, 30, 30]);
    const result = await engine.stylize(
      { content, styles: [{ image: red, mask: await halfMask(48, 32, 'left') }] },
      small,
    );
    const [image, photo] = await Promise.all([decodeImage(result.image), decodeImage(content)]);
    const difference = (from: number, to: number) => {
      let sum = 0;
      for (let y = 0; y < image.height; y++) {
        for (let x = from; x < to; x++) {
          for (let c = 0; c < 3; c++) {
            const i = (y * image.width + x) * 3 + c;
            sum += Math.abs(image.data[i]! - photo.data[i]!);
          }
        }
      }
      return sum / (image.height * (to - from) * 3);
    };
    expect(difference(40, 48)).toBeLessThan(difference(0, 8) / 4);
  });

  it('refuses a mask whose aspect ratio is not the content image’s, and masks with sliced Wasserstein', async () => {
    const content = await solid(48, 32, [128, 128, 128]);
    const red = await solid(32, 32, [230, 30, 30]);
    await expectStyleError(
      engine.stylize({ content, styles: [{ image: red, mask: await halfMask(32, 32, 'left') }] }, small),
      'INVALID_OPTIONS',
      /mask of style image 1 is 32x32 but the content image is 48x32/,
    );
    await expectStyleError(
      engine.stylize({ content, styles: [{ image: red, styleMask: await halfMask(48, 32, 'left') }] }, small),
      'INVALID_OPTIONS',
      /style mask of style image 1 is 48x32 but style image 1 is 32x32/,
    );
    await expectStyleError(
      engine.stylize(
        { content, styles: [{ image: red, mask: await halfMask(48, 32, 'left') }] },
        { ...small, styleLoss: 'sliced-wasserstein' },
      ),
      'INVALID_OPTIONS',
      /masks need styleLoss "gram"/,
    );
  });
});
