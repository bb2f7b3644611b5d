import sharp, { type Metadata } from 'sharp';
import { ProblemError } from './problem.js';

/**
 * Raster formats the engine accepts (the engine's probeImage uses the same list). Vector formats are
 * refused: their decoding cost is not bounded by a header.
 */
const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'heif']);

export interface ImageFacts {
  width: number;
  height: number;
  format: string;
}

/**
 * Cheap checks that turn bad uploads into a 4xx before anything is queued: the header (format, pixel
 * count) and a tiny thumbnail decode, which reads the whole pixel stream and so catches truncated files.
 */
export async function validateImage(
  bytes: Uint8Array,
  label: string,
  maxPixels: number,
): Promise<ImageFacts> {
  if (bytes.length === 0) throw new ProblemError('IMAGE_INVALID', `${label} is an empty file`);
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes).metadata();
  } catch {
    throw new ProblemError(
      'IMAGE_INVALID',
      `${label} is not an image (expected JPEG, PNG, WebP, TIFF, GIF or AVIF)`,
    );
  }
  if (!ACCEPTED_FORMATS.has(metadata.format)) {
    throw new ProblemError(
      'IMAGE_INVALID',
      `${label} is ${metadata.format}, which is not supported; send JPEG, PNG or WebP`,
    );
  }
  const { width, height } = metadata.autoOrient;
  if (width * height > maxPixels) {
    throw new ProblemError(
      'IMAGE_TOO_LARGE',
      `${label} is ${width}×${height} = ${width * height} pixels, over the limit of ${maxPixels}`,
    );
  }
  try {
    await sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels })
      .resize(16, 16, { fit: 'inside' })
      .raw()
      .toBuffer();
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ProblemError('IMAGE_INVALID', `${label} is damaged or truncated (${reason})`);
  }
  return { width, height, format: metadata.format };
}
