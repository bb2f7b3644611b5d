import path from 'node:path';

import type { StylizeResult } from '../types.js';
import {
  OUTPUT_FORMATS,
  StyleTransferError,
  totalIterations as countIterations,
} from '@neural-style/vocabulary';
import type { StylizeCommand } from './args.js';
import { CliError } from './exit-codes.js';
import { ensureWritableDir, readInputImage, writeFileAtomic } from './files.js';
import { assertSameAspect } from '../image.js';
import type { Reporter } from './progress.js';

/** Why the run is being stopped: the signal's name and the exit code it maps to (128 + number). */
export interface Interruption {
  signal: AbortSignal;
  reason: () => { name: string; exitCode: number } | undefined;
}

export async function runStylize(
  command: StylizeCommand,
  reporter: Reporter,
  interruption: Interruption,
  env: NodeJS.ProcessEnv,
): Promise<StylizeResult> {
  const started = performance.now();
  const { maxInputPixels } = command;
  const several = command.styles.length > 1;
  const content = await readInputImage(command.content, 'content image', maxInputPixels);
  const styles = await Promise.all(
    command.styles.map(async (style, index) => {
      const label = several ? `style image ${index + 1}` : 'style image';
      const image = await readInputImage(style.path, label, maxInputPixels);
      // Masks fail here, before the weights load, like the images themselves.
      const readMask = async (file: string | undefined, what: string, of: Uint8Array, ofLabel: string) => {
        if (file === undefined) return undefined;
        const mask = await readInputImage(file, `${what} of ${label}`, maxInputPixels);
        await assertSameAspect(mask, of, { mask: `${what} ${file}`, image: ofLabel });
        return mask;
      };
      return {
        image,
        weight: style.weight,
        mask: await readMask(style.mask, 'mask', content, `content image ${command.content}`),
        styleMask: await readMask(style.styleMask, 'style mask', image, `${label} ${style.path}`),
      };
    }),
  );
  const initImage =
    command.initImage === undefined
      ? undefined
      : await readInputImage(command.initImage, 'init image', maxInputPixels);
  await ensureWritableDir(path.dirname(path.resolve(command.out)), 'the output image');
  if (command.snapshots !== undefined) await ensureWritableDir(command.snapshots, 'snapshots');

  // Weights before the backend, and both after the inputs: each import takes seconds (h5wasm,
  // TensorFlow.js), and a missing file should not wait for them.
  const { loadVggWeights, resolveWeightsPath } = await import('../vgg19/load-weights.js');
  const weights = await loadVggWeights(command.weights ?? resolveWeightsPath(undefined, env));
  const totalIterations = countIterations(command.options);
  let iteration = 0;
  let lastSnapshot: string | undefined;
  const interrupted = () => {
    const reason = interruption.reason();
    const progress = iteration > 0 ? ` at iteration ${iteration}/${totalIterations}` : '';
    const kept = lastSnapshot ? `; last snapshot: ${lastSnapshot}` : '';
    return new CliError(
      'interrupted',
      `interrupted by ${reason?.name ?? 'a signal'}${progress}; no output written${kept}`,
      reason?.exitCode,
    );
  };

  const { createEngine } = await import('../engine.js');
  const engine = await createEngine({
    weights,
    backend: command.backend,
    oneDnn: command.oneDnn,
    maxInputPixels,
  });
  try {
    if (interruption.signal.aborted) throw interrupted();
    const plan = await engine.plan({ content, styles, initImage }, command.options);
    reporter.start({
      plan,
      content: command.content,
      styles: command.styles.map((style) => style.path),
      size: command.options.size,
      iterations: totalIterations,
      backend: engine.backend,
    });
    const result = await engine
      .stylize({ content, styles, initImage }, command.options, {
        signal: interruption.signal,
        onProgress: (event) => {
          iteration = event.iteration;
          reporter.progress(event);
        },
        onSnapshot: async (snapshot) => {
          if (command.snapshots === undefined) return;
          const file = path.join(
            command.snapshots,
            `${snapshot.iteration}.${OUTPUT_FORMATS[snapshot.format].extension}`,
          );
          await writeFileAtomic(file, snapshot.image);
          lastSnapshot = file;
          reporter.snapshot(snapshot.iteration, file);
        },
      })
      .catch((error: unknown) => {
        if (error instanceof StyleTransferError && error.code === 'ABORTED') throw interrupted();
        throw error;
      });
    if (interruption.signal.aborted) throw interrupted();
    await writeFileAtomic(command.out, result.image);
    reporter.done({ out: command.out, result, seconds: (performance.now() - started) / 1000 });
    return result;
  } finally {
    engine.dispose();
  }
}
