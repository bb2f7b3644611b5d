/**
 * One benchmark job in its own process (forked by bench.ts), so that its peak RSS is its own and several
 * jobs can run side by side. Reads a JobSpec from argv[2] as JSON, runs engine.stylize, and sends a
 * JobReport to the parent over IPC. Progress goes to stderr.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import sharp from 'sharp';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createEngine } from '../src/engine.js';
import { oneDnnInfo } from '../src/ops/onednn.js';
import { randomVggWeights } from '../src/testing.js';
import { errorMessage, resolveOptions, type BackendChoice } from '@neural-style/vocabulary';
import { loadVggWeights } from '../src/vgg19/load-weights.js';
import type { ConvWeights } from '../src/vgg19/weights.js';
import { sharedImages, sharedWeights, type JobMessage, type JobReport, type JobSpec } from './jobs.js';

// The engine's default loss layers (content conv4_2, style conv1_1..conv5_1), as the paper.
const { contentLayers, styleLayers } = resolveOptions();
/** The real VGG19 block widths: random weights of this shape cost exactly what the real ones do. */
const VGG19_WIDTHS = [64, 128, 256, 512, 512];

/**
 * GFLOP of one iteration at width × height. Convolutions: 2·H·W·9·Cin·Cout each, up to the deepest layer
 * a loss needs, ×2 because the input gradient (a forward conv with the rotated kernel) costs the same.
 * Gram matrices: FᵀF forward (2·C²·M) and F·(dG + dGᵀ) backward (2·C²·M) per style layer.
 */
function gflopPerIteration(weights: readonly ConvWeights[], width: number, height: number) {
  const deepest = Math.max(
    ...[...contentLayers, ...styleLayers].map((name) => weights.findIndex((w) => w.name === name)),
  );
  let [w, h] = [width, height];
  let conv = 0;
  let gram = 0;
  for (const [index, layer] of weights.slice(0, deepest + 1).entries()) {
    const [, , inChannels, outChannels] = layer.shape;
    conv += 2 * 2 * w * h * 9 * inChannels * outChannels;
    if ((styleLayers as readonly string[]).includes(layer.name))
      gram += 2 * 2 * outChannels * outChannels * w * h;
    const next = weights[index + 1];
    // A 2×2 'valid' pool ends each block.
    if (next && next.name[4] !== layer.name[4]) [w, h] = [Math.floor(w / 2), Math.floor(h / 2)];
  }
  return { conv: conv / 1e9, gram: gram / 1e9 };
}

/** Smooth colour ramps with stripes: a stand-in content/style image when ../shared is absent. */
async function generatedImage(width: number, height: number, stripes: number): Promise<Uint8Array> {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (255 * x) / width;
      data[i + 1] = (255 * y) / height;
      data[i + 2] = 127.5 * (1 + Math.sin((stripes * Math.PI * (x + y)) / width));
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

async function loadImages(): Promise<{ content: Uint8Array; style: Uint8Array; source: string }> {
  const content = `${sharedImages}/content/tubingen.jpg`;
  const style = `${sharedImages}/style/starry_night.jpg`;
  if (existsSync(content) && existsSync(style)) {
    return {
      content: await readFile(content),
      style: await readFile(style),
      source: 'tubingen.jpg + starry_night.jpg',
    };
  }
  return {
    content: await generatedImage(1024, 768, 3),
    style: await generatedImage(1024, 640, 40),
    source: 'generated',
  };
}

async function loadWeights(): Promise<{ weights: ConvWeights[]; source: string }> {
  if (existsSync(sharedWeights))
    return { weights: await loadVggWeights(sharedWeights), source: sharedWeights };
  return { weights: randomVggWeights({ widths: VGG19_WIDTHS }), source: 'random' };
}

async function run(spec: JobSpec): Promise<JobReport> {
  const loadAverage = os.loadavg()[0]!;
  const backendChoice: BackendChoice = spec.backend;
  const [{ weights, source: weightsSource }, images] = await Promise.all([loadWeights(), loadImages()]);
  const engine = await createEngine({
    weights,
    backend: backendChoice,
    threads: spec.threads,
    oneDnn: spec.kernels === 'onednn',
  });
  const progress: JobReport['progress'] = [];
  let size = { width: 0, height: 0 };
  try {
    const result = await engine.stylize(
      { content: images.content, styles: [{ image: images.style }] },
      {
        size: spec.size,
        iterations: spec.iterations,
        optimizer: spec.optimizer,
        pooling: spec.pooling,
        styleLoss: spec.styleLoss,
        init: 'content',
      },
      {
        onProgress: (event) => {
          const cpu = process.cpuUsage();
          size = { width: event.pass.width, height: event.pass.height };
          progress.push({
            iteration: event.iteration,
            pass: event.pass.index,
            ms: performance.now(),
            cpuMs: (cpu.user + cpu.system) / 1000,
            rssMB: process.memoryUsage().rss / 1e6,
            passSecondsPerIteration: event.secondsPerIteration,
          });
          if (event.iteration % 5 === 0) {
            process.stderr.write(
              `  [${spec.label}] iteration ${event.iteration}/${event.iterations}, loss ${event.losses.total.toExponential(3)}\n`,
            );
          }
        },
      },
    );
    return {
      backend: engine.backend,
      wasmThreads: engine.backend.name === 'wasm' ? getThreadsCount() : null,
      oneDnn: engine.backend.kernels === 'onednn' ? oneDnnInfo() : null,
      weights: weightsSource,
      images: images.source,
      width: size.width,
      height: size.height,
      gflopPerIteration: gflopPerIteration(weights, size.width, size.height),
      progress,
      processMs: performance.now(),
      peakRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6,
      finalLoss: result.losses.total,
      plan: result.plan,
      loadAverage,
    };
  } finally {
    engine.dispose();
  }
}

const spec = JSON.parse(process.argv[2] ?? '{}') as JobSpec;
let message: JobMessage;
try {
  message = { ok: true, report: await run(spec) };
} catch (error) {
  message = { ok: false, error: errorMessage(error) };
}
// Exit at once: a finished job must not wait for anything the backend left behind.
process.send!(message, () => process.exit(message.ok ? 0 : 1));
