import {
  CANONICAL_WEIGHTS_URL,
  defaultWeightsCacheDir,
  downloadVgg19Weights,
} from '@neural-style/core/weights-download';
import type { Config } from '@neural-style/infra';

const MB = 1024 * 1024;
/** Progress lines at every this many percent (or MB when the size is unknown). */
const PROGRESS_STEP = 10;

/**
 * The weights path the worker's engine processes load: VGG19_WEIGHTS when set, else the canonical Keras
 * file in the weights cache, downloaded on first start from VGG19_WEIGHTS_URL (default: the canonical
 * URL) and checksum-verified. A verified cached file is reused without a request; `style-transfer weights`
 * fills the same cache. Failures (offline, HTTP error, checksum mismatch) reject with one line.
 */
export async function ensureVgg19Weights(
  config: Config,
  env: Record<string, string | undefined>,
  log: (line: string) => void,
): Promise<string> {
  if (config.worker.weights) return config.worker.weights;
  const url = config.worker.weightsUrl ?? CANONICAL_WEIGHTS_URL;
  const cacheDir = defaultWeightsCacheDir(env);
  let started = false;
  let reported = 0;
  const file = await downloadVgg19Weights({
    cacheDir,
    url,
    ...(config.worker.weightsSha256 ? { sha256: config.worker.weightsSha256 } : {}),
    onProgress: (received, total) => {
      if (!started) {
        started = true;
        const size = total ? ` (${(total / MB).toFixed(1)} MB)` : '';
        log(
          `worker: VGG19_WEIGHTS is not set; downloading the VGG19 weights${size} from ${url} into ${cacheDir}`,
        );
      }
      const step = total
        ? Math.floor((100 * received) / total / PROGRESS_STEP)
        : Math.floor(received / MB / PROGRESS_STEP);
      if (step > reported) {
        reported = step;
        log(
          total
            ? `worker: VGG19 weights ${step * PROGRESS_STEP}% (${(received / MB).toFixed(1)} of ${(total / MB).toFixed(1)} MB)`
            : `worker: VGG19 weights ${(received / MB).toFixed(1)} MB`,
        );
      }
    },
  });
  log(`worker: VGG19 weights ${started ? 'downloaded' : 'found'} and verified: ${file}`);
  return file;
}
