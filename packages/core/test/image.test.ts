import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { StyleTransferError } from '@neural-style/vocabulary';
import { decodeImage, encodeImage, fitLongSide, probeImage, type RgbImage } from '../src/image.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sharedImages = path.resolve(repoRoot, '../shared/images');

/** Deterministic RGB pattern with distinct values per pixel and channel. */
function pattern(width: number, height: number): Uint8Array {
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      pixels[i] = (x * 16) % 256;
      pixels[i + 1] = (y * 16) % 256;
      pixels[i + 2] = (x * 7 + y * 13) % 256;
    }
  }
  return pixels;
}

function rawInput(pixels: Uint8Array | Uint16Array, width: number, height: number, channels: 1 | 2 | 3 | 4) {
  return sharp(pixels, { raw: { width, height, channels } });
}

function pixelAt(image: RgbImage, x: number, y: number): number[] {
  const i = 3 * (y * image.width + x);
  return Array.from(image.data.subarray(i, i + 3));
}

async function expectStyleError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StyleTransferError);
  expect((error as StyleTransferError).code).toBe(code);
  expect((error as StyleTransferError).message).toMatch(message);
}

describe('decodeImage', () => {
  it('decodes a PNG to exact RGB floats in HWC order', async () => {
    const pixels = pattern(5, 3);
    const png = await rawInput(pixels, 5, 3, 3).png().toBuffer();
    const image = await decodeImage(png);
    expect(image.width).toBe(5);
    expect(image.height).toBe(3);
    expect(image.data).toBeInstanceOf(Float32Array);
    expect(Array.from(image.data)).toEqual(Array.from(pixels));
    expect(pixelAt(image, 4, 2)).toEqual([64, 32, (4 * 7 + 2 * 13) % 256]);
  });

  it('applies EXIF orientation 6 (rotate 90° clockwise)', async () => {
    // 4×2 stored image: left half red, right half blue. Rotated 90° cw it is 2×4, red on top.
    const pixels = new Uint8Array(4 * 2 * 3);
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 4; x++) pixels.set(x < 2 ? [255, 0, 0] : [0, 0, 255], 3 * (y * 4 + x));
    }
    const jpeg = await rawInput(pixels, 4, 2, 3)
      .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);

    const image = await decodeImage(jpeg);
    expect([image.width, image.height]).toEqual([2, 4]);
    const [r0, , b0] = pixelAt(image, 0, 0);
    const [r3, , b3] = pixelAt(image, 1, 3);
    expect(r0).toBeGreaterThan(200);
    expect(b0).toBeLessThan(60);
    expect(r3).toBeLessThan(60);
    expect(b3).toBeGreaterThan(200);
    expect(await probeImage(jpeg)).toEqual({ width: 2, height: 4, format: 'jpeg' });
  });

  it('resizes an EXIF-rotated image by its oriented long side', async () => {
    const jpeg = await rawInput(pattern(40, 20), 40, 20, 3)
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const image = await decodeImage(jpeg, { longSide: 10 });
    expect([image.width, image.height]).toEqual([5, 10]);
    expect(image.data.length).toBe(5 * 10 * 3);
  });

  it('expands 1-channel grayscale to equal RGB channels', async () => {
    const png = await rawInput(new Uint8Array([0, 64, 128, 255]), 2, 2, 1)
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(png).metadata()).channels).toBe(1);
    const image = await decodeImage(png);
    expect(Array.from(image.data)).toEqual([0, 0, 0, 64, 64, 64, 128, 128, 128, 255, 255, 255]);
  });

  it('flattens grayscale+alpha onto white', async () => {
    // (gray, alpha): transparent, opaque, half transparent.
    const png = await rawInput(new Uint8Array([10, 0, 200, 255, 100, 128]), 3, 1, 2)
      .toColourspace('b-w')
      .png()
      .toBuffer();
    const metadata = await sharp(png).metadata();
    expect([metadata.channels, metadata.hasAlpha]).toEqual([2, true]);
    const image = await decodeImage(png);
    // 100·128/255 + 255·127/255 = 177.2
    expect(Array.from(image.data)).toEqual([255, 255, 255, 200, 200, 200, 177, 177, 177]);
  });

  it('flattens RGBA onto white', async () => {
    const rgba = new Uint8Array([255, 0, 0, 0, 0, 255, 0, 255, 0, 0, 255, 128]);
    const png = await rawInput(rgba, 3, 1, 4).png().toBuffer();
    const image = await decodeImage(png);
    expect(pixelAt(image, 0, 0)).toEqual([255, 255, 255]);
    expect(pixelAt(image, 1, 0)).toEqual([0, 255, 0]);
    // Blue at alpha 128: R and G are 255·127/255 = 127.
    const [r, g, b] = pixelAt(image, 2, 0);
    expect([r, g, b]).toEqual([127, 127, 255]);
  });

  it('reduces a 16-bit PNG to the 0..255 scale', async () => {
    const png = await rawInput(new Uint16Array([0x8080, 0xffff, 0, 0x1234, 0x5678, 0x9abc]), 2, 1, 3)
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(png).metadata()).depth).toBe('ushort');
    const image = await decodeImage(png);
    expect(Array.from(image.data)).toEqual([128, 255, 0, 0x12, 0x56, 0x9a]);
  });

  it('reads TIFF and lossless WebP exactly', async () => {
    const pixels = pattern(6, 4);
    const tiff = await rawInput(pixels, 6, 4, 3).tiff({ compression: 'lzw' }).toBuffer();
    const webp = await rawInput(pixels, 6, 4, 3).webp({ lossless: true }).toBuffer();
    expect(Array.from((await decodeImage(tiff)).data)).toEqual(Array.from(pixels));
    expect(Array.from((await decodeImage(webp)).data)).toEqual(Array.from(pixels));
    expect((await probeImage(webp)).format).toBe('webp');
  });

  it('resizes so the long side equals longSide, upscaling allowed', async () => {
    const png = await rawInput(pattern(30, 20), 30, 20, 3).png().toBuffer();
    const down = await decodeImage(png, { longSide: 12 });
    expect([down.width, down.height]).toEqual([12, 8]);
    const up = await decodeImage(png, { longSide: 90 });
    expect([up.width, up.height]).toEqual([90, 60]);
    expect(up.data.length).toBe(90 * 60 * 3);
  });

  it('keeps a flat colour flat through a lanczos resize', async () => {
    const png = await sharp({
      create: { width: 20, height: 10, channels: 3, background: { r: 10, g: 120, b: 240 } },
    })
      .png()
      .toBuffer();
    const image = await decodeImage(png, { longSide: 7 });
    expect([image.width, image.height]).toEqual([7, 4]);
    for (let i = 0; i < image.data.length; i += 3) {
      expect(Array.from(image.data.subarray(i, i + 3))).toEqual([10, 120, 240]);
    }
  });

  it('rejects random bytes as IMAGE_INVALID naming the input', async () => {
    const bytes = new Uint8Array(64).map((_, i) => (i * 97 + 13) % 256);
    await expectStyleError(
      decodeImage(bytes, { label: 'style image 2' }),
      'IMAGE_INVALID',
      /^style image 2 is not a readable image \(unsupported image format\)$/,
    );
  });

  it('rejects an empty file', async () => {
    await expectStyleError(
      decodeImage(new Uint8Array(0), { label: 'content image' }),
      'IMAGE_INVALID',
      /empty file/,
    );
  });

  it('rejects a truncated JPEG whose header is intact with a one-line reason', async () => {
    const jpeg = await rawInput(pattern(64, 48), 64, 48, 3).jpeg().toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    // The header alone still looks valid: probing is cheap, decoding is the real check.
    expect((await probeImage(truncated)).width).toBe(64);
    const error: unknown = await decodeImage(truncated, { label: 'content image' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StyleTransferError);
    const { code, message } = error as StyleTransferError;
    expect(code).toBe('IMAGE_INVALID');
    expect(message).toBe('content image is not a readable image (premature end of JPEG image)');
  });

  it('rejects a JPEG truncated inside its header', async () => {
    const jpeg = await rawInput(pattern(8, 8), 8, 8, 3).jpeg().toBuffer();
    await expectStyleError(
      decodeImage(jpeg.subarray(0, 200)),
      'IMAGE_INVALID',
      /^input image is not a readable image \([^\n]+\)$/,
    );
  });

  it('rejects vector formats', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    await expectStyleError(probeImage(svg), 'IMAGE_INVALID', /unsupported format svg/);
  });

  it('enforces maxInputPixels from the header, with the pixel count and the limit', async () => {
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: 'gray' } })
      .png()
      .toBuffer();
    const expected =
      /^style image 1 is 300×200 = 0\.1 megapixels \(60000 pixels\), over the limit of 0\.1 megapixels \(50000 pixels\)$/;
    await expectStyleError(
      decodeImage(png, { maxInputPixels: 50_000, label: 'style image 1' }),
      'IMAGE_TOO_LARGE',
      expected,
    );
    await expectStyleError(
      probeImage(png, { maxInputPixels: 50_000, label: 'style image 1' }),
      'IMAGE_TOO_LARGE',
      expected,
    );
    expect((await decodeImage(png, { maxInputPixels: 60_000 })).width).toBe(300);
  });

  it('decodes the grayscale Escher style image to RGB', async (context) => {
    const file = path.join(sharedImages, 'style/escher_sphere.jpg');
    if (!existsSync(file)) {
      console.log(`skipped: ${file} is absent (../shared not available)`);
      context.skip();
    }
    const bytes = readFileSync(file);
    expect((await sharp(bytes).metadata()).channels).toBe(1);
    const image = await decodeImage(bytes, { longSide: 64, label: 'style image 1' });
    expect([image.width, image.height]).toEqual([42, 64]);
    for (let i = 0; i < image.data.length; i += 3) {
      expect(image.data[i + 1]).toBe(image.data[i]);
      expect(image.data[i + 2]).toBe(image.data[i]);
    }
  });
});

describe('fitLongSide', () => {
  it('keeps the aspect ratio and at least one pixel per side', () => {
    expect(fitLongSide(960, 1475, 256)).toEqual({ width: 167, height: 256 });
    expect(fitLongSide(1000, 3, 10)).toEqual({ width: 10, height: 1 });
    expect(() => fitLongSide(10, 10, 0)).toThrow(/positive integer/);
  });
});

describe('encodeImage', () => {
  it('round-trips PNG exactly', async () => {
    const pixels = pattern(7, 5);
    const image: RgbImage = { data: Float32Array.from(pixels), width: 7, height: 5 };
    const png = await encodeImage(image, 'png');
    expect((await sharp(png).metadata()).format).toBe('png');
    expect(Array.from((await decodeImage(png)).data)).toEqual(Array.from(pixels));
  });

  it('clips to 0..255 and rounds', async () => {
    const image: RgbImage = {
      data: new Float32Array([-20, 300, 12.4, 12.6, 254.9, 0.2]),
      width: 2,
      height: 1,
    };
    const decoded = await decodeImage(await encodeImage(image, 'png'));
    expect(Array.from(decoded.data)).toEqual([0, 255, 12, 13, 255, 0]);
  });

  it('encodes JPEG and WebP close to the input, quality configurable', async () => {
    // A smooth gradient: lossy codecs (with chroma subsampling) keep it close.
    const data = new Float32Array(32 * 32 * 3);
    for (let i = 0; i < 32 * 32; i++) data.set([(i % 32) * 8, Math.floor(i / 32) * 8, 128], 3 * i);
    const image: RgbImage = { data, width: 32, height: 32 };
    for (const format of ['jpeg', 'webp'] as const) {
      const high = await encodeImage(image, format, { quality: 95 });
      const low = await encodeImage(image, format, { quality: 20 });
      expect((await sharp(high).metadata()).format).toBe(format);
      expect(low.length).toBeLessThan(high.length);
      const decoded = await decodeImage(high);
      let error = 0;
      for (let i = 0; i < decoded.data.length; i++)
        error += Math.abs((decoded.data[i] ?? 0) - (image.data[i] ?? 0));
      expect(error / decoded.data.length).toBeLessThan(2);
    }
  });

  it('rejects data whose length does not match the dimensions', async () => {
    await expect(encodeImage({ data: new Float32Array(5), width: 2, height: 1 }, 'png')).rejects.toThrow(
      /5 values, expected 2×1×3 = 6/,
    );
  });
});
