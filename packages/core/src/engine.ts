import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendChoice } from './backend.js';
import { combineLuminanceWithChroma, matchColorHistogram, toLuminanceImage } from './color.js';
import { StyleTransferError } from './errors.js';
import type { BackendInfo, LossTerms, StylizeHooks, StylizeInputs, StylizeResult } from './hooks.js';
import { decodeImage, encodeImage, type RgbImage } from './image.js';
import { computeTargets, disposeTargets, styleObjective, type LossWeights } from './losses/objective.js';
import { planPasses, type Pass } from './multiscale.js';
import { Adam } from './optim/adam.js';
import { Lbfgs } from './optim/lbfgs.js';
import type { Optimizer } from './optim/optimizer.js';
import { StyleOptionsSchema, type StyleOptions, type StyleOptionsInput } from './options.js';
import { loadVggWeights } from './vgg19/load-weights.js';
import { Vgg19 } from './vgg19/network.js';
import { deprocess, preprocess } from './vgg19/preprocess.js';
import type { ConvWeights } from './vgg19/weights.js';

export interface EngineConfig {
  /** A weights path (TF.js model directory or Keras .h5) or weights already in memory. */
  weights: string | readonly ConvWeights[];
  backend?: BackendChoice;
  /** Largest accepted input (width × height of the encoded image). */
  maxInputPixels?: number;
  /** CPU threads of the wasm backend (default: one per core); give each of N jobs on one machine cores/N. */
  threads?: number;
  /** Run the wasm backend's heavy kernels in oneDNN where its addon is built (default true). */
  oneDnn?: boolean;
}

export interface Engine {
  readonly backend: BackendInfo;
  stylize(inputs: StylizeInputs, options?: StyleOptionsInput, hooks?: StylizeHooks): Promise<StylizeResult>;
  dispose(): void;
}

/** Standard deviation of the "noise" start image, in 0..255 pixel units around the ImageNet mean colour. */
const NOISE_STD = 32;

/** Loads the backend and the network once; each stylize() call then only allocates per-job tensors. */
export async function createEngine(config: EngineConfig): Promise<Engine> {
  const backend = await selectBackend(config.backend ?? 'auto', {
    threads: config.threads,
    oneDnn: config.oneDnn,
  });
  const weights = typeof config.weights === 'string' ? await loadVggWeights(config.weights) : config.weights;
  return new StyleEngine(backend, new Vgg19(weights), config.maxInputPixels);
}

export function parseOptions(input: StyleOptionsInput): StyleOptions {
  const parsed = StyleOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`,
    );
    throw new StyleTransferError('INVALID_OPTIONS', `invalid options: ${problems.join('; ')}`);
  }
  return parsed.data;
}

class StyleEngine implements Engine {
  constructor(
    readonly backend: BackendInfo,
    private readonly network: Vgg19,
    private readonly maxInputPixels: number | undefined,
  ) {}

  async stylize(
    inputs: StylizeInputs,
    input: StyleOptionsInput = {},
    hooks: StylizeHooks = {},
  ): Promise<StylizeResult> {
    const options = parseOptions(input);
    if (inputs.styles.length === 0)
      throw new StyleTransferError('INVALID_OPTIONS', 'at least one style image is needed');
    if (options.init === 'image' && !inputs.initImage) {
      throw new StyleTransferError('INVALID_OPTIONS', 'init "image" needs an init image');
    }
    this.network.requireLayers([...options.contentLayers, ...options.styleLayers]);
    const passes = planPasses(options);
    const totalIterations = passes.reduce((sum, pass) => sum + pass.iterations, 0);
    const startIteration = Math.min(hooks.resume?.iteration ?? 0, totalIterations - 1);
    const started = performance.now();
    let previous: RgbImage | undefined = hooks.resume
      ? await decodeImage(hooks.resume.image, { label: 'resume image', maxInputPixels: this.maxInputPixels })
      : undefined;
    let result: { image: RgbImage; losses: LossTerms } | undefined;
    let iterationsRun = 0;
    let optimizeMs = 0;

    for (const [index, pass] of passes.entries()) {
      const end = pass.firstIteration + pass.iterations;
      if (end <= startIteration) continue;
      const run = await this.runPass(inputs, options, hooks, {
        pass,
        index,
        count: passes.length,
        totalIterations,
        from: Math.max(pass.firstIteration, startIteration),
        previous,
        started,
      });
      previous = run.image;
      result = run;
      iterationsRun += run.iterations;
      optimizeMs += run.optimizeMs;
    }
    if (!result || !previous) throw new Error('no optimisation pass ran');
    const image = await encodeImage(result.image, options.outputFormat);
    return {
      image,
      format: options.outputFormat,
      width: result.image.width,
      height: result.image.height,
      iterations: totalIterations,
      losses: result.losses,
      backend: this.backend,
      secondsPerIteration: iterationsRun > 0 ? optimizeMs / 1000 / iterationsRun : 0,
    };
  }

  /** One pass at one size: decode inputs at that size, build targets, optimise, return the RGB result. */
  private async runPass(
    inputs: StylizeInputs,
    options: StyleOptions,
    hooks: StylizeHooks,
    plan: {
      pass: Pass;
      index: number;
      count: number;
      totalIterations: number;
      from: number;
      previous: RgbImage | undefined;
      started: number;
    },
  ): Promise<{ image: RgbImage; losses: LossTerms; iterations: number; optimizeMs: number }> {
    const limits = { maxInputPixels: this.maxInputPixels };
    const content = await decodeImage(inputs.content, {
      ...limits,
      longSide: plan.pass.longSide,
      label: 'content image',
    });
    const layers = [...options.contentLayers, ...options.styleLayers];
    const minimumSide = this.network.minimumInputSide(layers);
    assertLargeEnough(content, 'the content image at this size', layers, minimumSide);
    const styleLongSide = Math.max(minimumSide, Math.round(plan.pass.longSide * options.styleScale));
    let styles = await Promise.all(
      inputs.styles.map(async (style, i) => ({
        image: await decodeImage(style.image, {
          ...limits,
          longSide: styleLongSide,
          label: `style image ${i + 1}`,
        }),
        weight: style.weight ?? 1,
      })),
    );
    styles.forEach((style, i) =>
      assertLargeEnough(style.image, `style image ${i + 1} at this scale`, layers, minimumSide),
    );
    let target = content;
    if (options.preserveColors === 'histogram') {
      styles = styles.map((style) => ({ ...style, image: matchColorHistogram(style.image, content) }));
    } else if (options.preserveColors === 'luminance') {
      target = toLuminanceImage(content);
      styles = styles.map((style) => ({ ...style, image: toLuminanceImage(style.image, content) }));
    }
    const init = await this.initialImage(inputs, options, plan.previous, styles[0]!.image, target);

    const weights: LossWeights = {
      content: options.contentWeight,
      style: options.styleWeight,
      tv: options.tvWeight,
      styleLayers: new Map(
        options.styleLayers.map((layer, i) => [
          layer,
          options.styleLayerWeights?.[i] ?? 1 / options.styleLayers.length,
        ]),
      ),
    };
    const contentTensor = toNetworkInput(target);
    const styleTensors = styles.map((style) => ({
      image: toNetworkInput(style.image),
      weight: style.weight,
    }));
    let targets;
    try {
      targets = computeTargets(
        this.network,
        contentTensor,
        styleTensors,
        { content: options.contentLayers, style: options.styleLayers },
        options.pooling,
      );
    } finally {
      tf.dispose([contentTensor, ...styleTensors.map((style) => style.image)]);
    }
    const objective = styleObjective(this.network, targets, weights, options.pooling);
    const startTensor = tf.tidy(() => {
      const rgb = tf.tensor3d(init.data, [init.height, init.width, 3]);
      const sized =
        init.width === content.width && init.height === content.height
          ? rgb
          : tf.image.resizeBilinear(rgb, [content.height, content.width], true);
      return options.init === 'noise' && !plan.previous
        ? tf.randomNormal([1, content.height, content.width, 3], 0, NOISE_STD, 'float32', options.seed)
        : preprocess(sized as tf.Tensor3D);
    });
    const optimizer: Optimizer =
      options.optimizer === 'adam'
        ? new Adam(startTensor, objective, { learningRate: options.learningRate })
        : new Lbfgs(startTensor, objective, {
            historySize: options.lbfgsHistory,
            lineSearch: options.lineSearch,
          });
    startTensor.dispose();

    const toImage = (): RgbImage => {
      const pixels = tf.tidy(() => tf.clipByValue(deprocess(optimizer.x as tf.Tensor4D), 0, 255));
      const image = { data: pixels.dataSync() as Float32Array, width: content.width, height: content.height };
      pixels.dispose();
      return options.preserveColors === 'luminance' ? combineLuminanceWithChroma(image, content) : image;
    };

    try {
      const end = plan.pass.firstIteration + plan.pass.iterations;
      let iteration = plan.from;
      let losses: LossTerms | undefined;
      let optimizeMs = 0;
      while (iteration < end) {
        throwIfAborted(hooks.signal);
        const stepStarted = performance.now();
        const step = optimizer.step(end - iteration);
        optimizeMs += performance.now() - stepStarted;
        const before = iteration;
        iteration = Math.min(end, iteration + step.evaluations);
        losses = step.losses;
        await hooks.onProgress?.({
          iteration,
          iterations: plan.totalIterations,
          losses,
          elapsedMs: performance.now() - plan.started,
          pass: { index: plan.index, count: plan.count, width: content.width, height: content.height },
        });
        const every = options.snapshotEvery;
        if (every > 0 && hooks.onSnapshot && Math.floor(iteration / every) > Math.floor(before / every)) {
          const image = toImage();
          await hooks.onSnapshot({
            iteration,
            image: await encodeImage(image, options.outputFormat),
            format: options.outputFormat,
            width: image.width,
            height: image.height,
          });
        }
        // Let timers, I/O and abort signals through between iterations.
        await new Promise((resolve) => setImmediate(resolve));
      }
      throwIfAborted(hooks.signal);
      return { image: toImage(), losses: losses!, iterations: end - plan.from, optimizeMs };
    } finally {
      optimizer.dispose();
      disposeTargets(targets);
    }
  }

  private async initialImage(
    inputs: StylizeInputs,
    options: StyleOptions,
    previous: RgbImage | undefined,
    firstStyle: RgbImage,
    content: RgbImage,
  ): Promise<RgbImage> {
    if (previous) return options.preserveColors === 'luminance' ? toLuminanceImage(previous) : previous;
    switch (options.init) {
      case 'style':
        return firstStyle;
      case 'image': {
        const image = await decodeImage(inputs.initImage!, {
          maxInputPixels: this.maxInputPixels,
          longSide: Math.max(content.width, content.height),
          label: 'init image',
        });
        return options.preserveColors === 'luminance' ? toLuminanceImage(image) : image;
      }
      default:
        return content;
    }
  }

  dispose(): void {
    this.network.dispose();
  }
}

function toNetworkInput(image: RgbImage): tf.Tensor4D {
  return tf.tidy(() => preprocess(tf.tensor3d(image.data, [image.height, image.width, 3])));
}

/** Every pooling halves the image; the deepest layer must keep at least one pixel. */
function assertLargeEnough(
  image: RgbImage,
  label: string,
  layers: readonly string[],
  minimumSide: number,
): void {
  if (Math.min(image.width, image.height) < minimumSide) {
    const deepest = [...layers].sort().at(-1);
    throw new StyleTransferError(
      'INVALID_OPTIONS',
      `${label} is ${image.width}x${image.height}, too small for layer ${deepest}: its short side needs at least ${minimumSide} px (raise size, styleScale or multiscaleMinSize)`,
    );
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StyleTransferError('ABORTED', 'the job was canceled');
}
