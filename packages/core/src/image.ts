import sharp, { type Metadata, type OutputInfo } from 'sharp';
import {
  errorMessage,
  fitLongSide as fitSize,
  type OutputFormat,
  StyleTransferError,
} from '@neural-style/vocabulary';

/** Decoded pixels: HWC order, RGB, float values on the 0..255 scale (the engine's working format). */
export interface RgbImage {
  data: Float32Array;
  width: number;
  height: number;
}

/** A pixel rectangle: one tile's crop, or the whole of an image. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** `region` of a row-major image or feature map `width` positions wide, `channels` values a position. */
export function cropRows(data: Float32Array, width: number, channels: number, region: Region): Float32Array {
  const rowLength = region.width * channels;
  const out = new Float32Array(region.height * rowLength);
  for (let j = 0; j < region.height; j++) {
    const from = ((region.y + j) * width + region.x) * channels;
    out.set(data.subarray(from, from + rowLength), j * rowLength);
  }
  return out;
}

export interface ImageLimits {
  /** Largest accepted width × height of the encoded input, checked from its header before decoding. */
  maxInputPixels?: number;
  /** Names the input in error messages, e.g. "style image 2". */
  label?: string;
}

export interface DecodeOptions extends ImageLimits {
  /** Resize so the long side equals this many pixels (aspect ratio kept, upscaling allowed). */
  longSide?: number;
}

export interface ImageInfo {
  /** Dimensions after EXIF orientation, i.e. as the image will be decoded. */
  width: number;
  height: number;
  format: string;
}

export const DEFAULT_MAX_INPUT_PIXELS = 50_000_000;

/**
 * Raster formats we accept. SVG/PDF and other vector or document loaders are left out on purpose: they
 * render at a chosen density, so their cost is not bounded by the header's pixel count. ("heif" is AVIF
 * in sharp's prebuilt libvips.)
 */
const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'heif']);

const WHITE = { r: 255, g: 255, b: 255 };

/**
 * Reads only the header: cheap enough for an API to validate uploads. It does not prove the pixel data
 * is intact (a truncated JPEG passes); decodeImage does.
 */
export async function probeImage(bytes: Uint8Array, opts: ImageLimits = {}): Promise<ImageInfo> {
  const label = opts.label ?? 'input image';
  if (bytes.length === 0) throw invalidImage(label, 'empty file');
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes).metadata();
  } catch (error) {
    throw invalidImage(label, shortReason(error), error);
  }
  if (!ACCEPTED_FORMATS.has(metadata.format)) {
    throw invalidImage(label, `unsupported format ${metadata.format}`);
  }
  const { width, height } = metadata.autoOrient;
  const maxPixels = opts.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  if (width * height > maxPixels) {
    throw new StyleTransferError(
      'IMAGE_TOO_LARGE',
      `${label} is ${width}×${height} = ${formatPixels(width * height)}, over the limit of ${formatPixels(maxPixels)}`,
    );
  }
  return { width, height, format: metadata.format };
}

/**
 * probeImage plus a 16-pixel thumbnail decode, which reads the whole pixel stream: catches truncated and
 * corrupt files at a fraction of a full decode's cost. What the API runs on every upload before queueing.
 */
export async function verifyImage(bytes: Uint8Array, opts: ImageLimits = {}): Promise<ImageInfo> {
  const info = await probeImage(bytes, opts);
  try {
    await sharp(bytes, { failOn: 'error', limitInputPixels: opts.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS })
      .resize(16, 16, { fit: 'inside' })
      .raw()
      .toBuffer();
  } catch (error) {
    throw invalidImage(opts.label ?? 'input image', shortReason(error), error);
  }
  return info;
}

/**
 * Decodes any accepted format to RGB floats: EXIF orientation applied, alpha flattened onto white,
 * grayscale expanded to three channels, embedded ICC profiles converted to sRGB (sharp's default).
 */
export async function decodeImage(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<RgbImage> {
  const label = opts.label ?? 'input image';
  const info = await probeImage(bytes, opts);
  const maxPixels = opts.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;

  // failOn 'error' rejects truncated or corrupt pixel data but tolerates libjpeg warnings (extraneous
  // bytes and the like) that many camera files trigger. limitInputPixels repeats the header check in
  // libvips itself, for loaders whose dimensions sharp's metadata does not see.
  let pipeline = sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels })
    .rotate()
    .flatten({ background: WHITE })
    .toColourspace('srgb');
  if (opts.longSide !== undefined) {
    const size = fitLongSide(info.width, info.height, opts.longSide);
    pipeline = pipeline.resize({ ...size, fit: 'fill', kernel: 'lanczos3' });
  }

  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    if (error instanceof Error && /pixel limit/i.test(error.message)) {
      throw new StyleTransferError(
        'IMAGE_TOO_LARGE',
        `${label} exceeds the limit of ${formatPixels(maxPixels)}`,
        {
          cause: error,
        },
      );
    }
    throw invalidImage(label, shortReason(error), error);
  }
  if (decoded.info.channels !== 3) {
    throw invalidImage(label, `decoded to ${decoded.info.channels} channels instead of RGB`);
  }
  return { data: Float32Array.from(decoded.data), width: decoded.info.width, height: decoded.info.height };
}

/** How far a mask's aspect ratio may differ from its image's (rounding of resized masks stays far below). */
const ASPECT_TOLERANCE = 0.02;

/** Refuses a mask whose aspect ratio is not its image's: stretching it would move the regions. */
export async function assertSameAspect(
  mask: Uint8Array,
  image: Uint8Array,
  labels: { mask: string; image: string },
): Promise<void> {
  const [maskInfo, imageInfo] = await Promise.all([
    probeImage(mask, { label: labels.mask }),
    probeImage(image),
  ]);
  const ratio = maskInfo.width / maskInfo.height / (imageInfo.width / imageInfo.height);
  if (Math.abs(ratio - 1) > ASPECT_TOLERANCE) {
    throw new StyleTransferError(
      'INVALID_OPTIONS',
      `${labels.mask} is ${maskInfo.width}x${maskInfo.height} but ${labels.image} is ${imageInfo.width}x${imageInfo.height}: a mask needs its image's aspect ratio`,
    );
  }
}

/** Width and height whose long side is `longSide`, keeping the aspect ratio, at least 1 px each. */
export function fitLongSide(
  width: number,
  height: number,
  longSide: number,
): { width: number; height: number } {
  if (!Number.isInteger(longSide) || longSide < 1) {
    throw new RangeError(`longSide must be a positive integer, got ${longSide}`);
  }
  return fitSize({ width, height }, longSide);
}

/**
 * Clips to 0..255 and rounds (Uint8ClampedArray semantics: ties to even, NaN to 0), then encodes.
 * Default qualities (JPEG 92, WebP 90) keep brush-stroke detail without huge files.
 */
export async function encodeImage(
  image: RgbImage,
  format: OutputFormat,
  opts: { quality?: number } = {},
): Promise<Uint8Array> {
  assertRgbImage(image);
  const pixels = new Uint8ClampedArray(image.data);
  const raw = sharp(pixels, { raw: { width: image.width, height: image.height, channels: 3 } });
  switch (format) {
    case 'png':
      return raw.png().toBuffer();
    case 'jpeg':
      return raw.jpeg({ quality: opts.quality ?? 92 }).toBuffer();
    case 'webp':
      return raw.webp({ quality: opts.quality ?? 90 }).toBuffer();
  }
}

/** Guards against programming errors: a buffer whose length does not match its dimensions. */
export function assertRgbImage(image: RgbImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image dimensions must be positive integers, got ${width}×${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new RangeError(
      `image data has ${data.length} values, expected ${width}×${height}×3 = ${width * height * 3}`,
    );
  }
}

function invalidImage(label: string, reason: string, cause?: unknown): StyleTransferError {
  return new StyleTransferError('IMAGE_INVALID', `${label} is not a readable image (${reason})`, { cause });
}

/** First line of a libvips message without its boilerplate, e.g. "corrupt header: premature end of JPEG image". */
function shortReason(error: unknown): string {
  const message = errorMessage(error);
  const firstLine = message.split('\n', 1)[0] ?? '';
  const reason = firstLine
    .replace(/^Input (buffer|file) (contains |has |is )?/i, '')
    .replace(/\bVips\w+: /g, '')
    .trim();
  return reason.length > 120 ? `${reason.slice(0, 117)}...` : reason || 'unknown decoder error';
}

function formatPixels(pixels: number): string {
  return `${(pixels / 1e6).toFixed(1)} megapixels (${pixels} pixels)`;
}
