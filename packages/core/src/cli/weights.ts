import { defaultWeightsCacheDir, downloadVgg19Weights } from '../vgg19/download.js';
import type { WeightsCommand } from './args.js';
import type { Writable } from './progress.js';

const MB = 1024 * 1024;
const REDRAW_MS = 200;

/** `style-transfer weights`: downloads and verifies the canonical Keras file, prints where it is. */
export async function runWeights(
  command: WeightsCommand,
  stdout: Writable,
  stderr: Writable,
  signal: AbortSignal,
): Promise<void> {
  const cacheDir = command.cacheDir ?? defaultWeightsCacheDir();
  const bar = !command.quiet && stderr.isTTY;
  let lastDrawAt = 0;
  const file = await downloadVgg19Weights({
    cacheDir,
    url: command.url,
    signal,
    onProgress: bar
      ? (received, total) => {
          const now = performance.now();
          if (now - lastDrawAt < REDRAW_MS && received !== total) return;
          lastDrawAt = now;
          const percent = total ? ` ${Math.floor((100 * received) / total)}%` : '';
          const size = total ? `/${(total / MB).toFixed(1)}` : '';
          stderr.write(`\rVGG19 weights: ${(received / MB).toFixed(1)}${size} MB${percent}\x1b[K`);
        }
      : undefined,
  }).finally(() => {
    if (bar && lastDrawAt > 0) stderr.write('\n');
  });
  if (!command.quiet) stdout.write(`VGG19 weights ready: ${file}\n`);
}
