import { StyleTransferError } from '@neural-style/vocabulary';
import { verifyImage, type ImageInfo } from '@neural-style/core/image';
import { ProblemError } from './problem.js';

/**
 * Cheap checks that turn bad uploads into a 4xx before anything is queued: the engine's own header and
 * pixel-stream checks (format, pixel count, truncation), so the API accepts exactly what the worker can decode.
 */
export async function validateImage(bytes: Uint8Array, label: string, maxPixels: number): Promise<ImageInfo> {
  try {
    return await verifyImage(bytes, { label, maxInputPixels: maxPixels });
  } catch (error) {
    if (
      error instanceof StyleTransferError &&
      (error.code === 'IMAGE_INVALID' || error.code === 'IMAGE_TOO_LARGE')
    ) {
      throw new ProblemError(error.code, error.message);
    }
    throw error;
  }
}
