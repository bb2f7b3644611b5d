import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './backend.js';
import { combineLuminanceWithChroma, matchColorHistogram, toLuminanceImage } from './color.js';
import type { BackendInfo, SnapshotEvent, StylizeHooks, StylizeInputs, StylizeResult } from './types.js';
import { decodeImage, encodeImage, probeImage, type RgbImage } from './image.js';
import { decodeStyleMasks, maskTensor, sizeMask, type StyleMasks } from './masks.js';
import { assertPlanFits, machineLimits, networkShape } from './memory.js';
import { disposeStyleTerms, tiledObjective, tiledStyleTerms, tileGrid } from './tiles.js';
import {
  computeTargets,
  disposeTargets,
  styleObjective,
  type LossWeights,
  type Targets,
} from './losses/objective.js';
import { Adam } from './optim/adam.js';
import { Lbfgs } from './optim/lbfgs.js';
import type { Objective, Optimizer } from './optim/optimizer.js';
import {
  StyleTransferError,
  assertTilingSupports,
  minimumInputSide,
  parseOptions,
  type BackendChoice,
  DEFAULT_MEMORY_BUDGET_BYTES,
  planJob,
  planningLimits,
  type JobPlan,
  type LossTerms,
  type NetworkShape,
  type PlannedPass,
  remainingSeconds,
  type StyleOptions,
  type StyleOptionsInput,
} from '@neural-style/vocabulary';
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
  /**
   * Peak memory a job may plan for (default 4.5 GB) and the setting that changes it, for error messages;
   * larger passes run in tiles.
   */
  memoryBudget?: { bytes: number; name: string };
}

export interface Engine {
  readonly backend: BackendInfo;
  /** The run stylize() would make of these inputs (refused with MEMORY_LIMIT where it cannot fit). */
  plan(inputs: StylizeInputs, options?: StyleOptionsInput): Promise<JobPlan>;
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
  return new StyleEngine(backend, new Vgg19(weights), networkShape(weights), {
    maxInputPixels: config.maxInputPixels,
    memoryBudget: config.memoryBudget ?? {
      bytes: DEFAULT_MEMORY_BUDGET_BYTES,
      name: 'the default memory budget',
    },
  });
}

/** The images of one pass, decoded at its size, with the colour treatment applied. */
interface PassImages {
  /** The content image as decoded (luminance-preserving runs recombine its chroma at the end). */
  content: RgbImage;
  /** What the content loss compares with: the content image, or its luminance. */
  target: RgbImage;
  styles: ({ image: RgbImage; weight: number } & StyleMasks)[];
  init: RgbImage;
}

/** Where one pass sits in the run: its schedule and the global iteration it starts from. */
interface PassPlan {
  job: JobPlan;
  pass: PlannedPass;
  index: number;
  count: number;
  totalIterations: number;
  /** First global iteration to run (later than pass.firstIteration when resuming mid-pass). */
  from: number;
  previous: RgbImage | undefined;
  started: number;
}

interface PassResult {
  image: RgbImage;
  losses: LossTerms;
  iterations: number;
  optimizeMs: number;
}

class StyleEngine implements Engine {
  private readonly maxInputPixels: number | undefined;

  constructor(
    readonly backend: BackendInfo,
    private readonly network: Vgg19,
    private readonly shape: NetworkShape,
    private readonly limits: {
      maxInputPixels: number | undefined;
      memoryBudget: { bytes: number; name: string };
    },
  ) {
    this.maxInputPixels = limits.maxInputPixels;
  }

  /** The run's passes, tile grids and memory estimate for these inputs, checked against this machine. */
  async plan(inputs: StylizeInputs, input: StyleOptionsInput = {}): Promise<JobPlan> {
    const options = parseOptions(input);
    const probe = (bytes: Uint8Array, label: string) =>
      probeImage(bytes, { label, maxInputPixels: this.maxInputPixels });
    const plan = planJob(
      options,
      {
        content: await probe(inputs.content, 'content image'),
        styles: await Promise.all(
          inputs.styles.map((style, i) => probe(style.image, `style image ${i + 1}`)),
        ),
        masks: inputs.styles.filter((style) => style.mask).length,
      },
      planningLimits(
        this.backend.name,
        this.limits.memoryBudget.bytes,
        this.limits.memoryBudget.name,
        this.shape,
      ),
      this.shape,
    );
    assertTilingSupports(plan, options);
    assertPlanFits(plan, machineLimits(this.backend));
    return plan;
  }

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
    const plan = await this.plan(inputs, input);
    const { passes } = plan;
    const totalIterations = passes.reduce((sum, pass) => sum + pass.iterations, 0);
    const startIteration = Math.min(hooks.resume?.iteration ?? 0, totalIterations - 1);
    const started = performance.now();
    let previous: RgbImage | undefined = hooks.resume
      ? await decodeImage(hooks.resume.image, { label: 'resume image', maxInputPixels: this.maxInputPixels })
      : undefined;
    let result: PassResult | undefined;
    let iterationsRun = 0;
    let optimizeMs = 0;

    for (const [index, pass] of passes.entries()) {
      if (pass.firstIteration + pass.iterations <= startIteration) continue;
      result = await this.runPass(inputs, options, hooks, {
        job: plan,
        pass,
        index,
        count: passes.length,
        totalIterations,
        from: Math.max(pass.firstIteration, startIteration),
        previous,
        started,
      });
      previous = result.image;
      iterationsRun += result.iterations;
      optimizeMs += result.optimizeMs;
    }
    if (!result) throw new Error('no optimisation pass ran');
    return {
      image: await encodeImage(result.image, options.outputFormat),
      format: options.outputFormat,
      width: result.image.width,
      height: result.image.height,
      iterations: totalIterations,
      losses: result.losses,
      backend: this.backend,
      secondsPerIteration: iterationsRun > 0 ? optimizeMs / 1000 / iterationsRun : 0,
      plan,
    };
  }

  /** One pass at one size: its images, their loss targets, an optimizer, the loop. */
  private async runPass(
    inputs: StylizeInputs,
    options: StyleOptions,
    hooks: StylizeHooks,
    plan: PassPlan,
  ): Promise<PassResult> {
    const images = await this.passImages(inputs, options, plan);
    const targets = plan.pass.tiles
      ? this.tiledTargets(images, options, plan.pass)
      : this.passTargets(images, options);
    let optimizer: Optimizer;
    try {
      optimizer = createOptimizer(
        { ...options, lbfgsHistory: Math.max(1, plan.pass.lbfgsHistory) },
        images,
        plan,
        targets.objective ?? styleObjective(this.network, targets, lossWeights(options), options.pooling),
      );
    } catch (error) {
      disposeTargets(targets);
      throw error;
    }
    try {
      return await this.optimize(optimizer, images, options, hooks, plan);
    } finally {
      optimizer.dispose();
      disposeTargets(targets);
    }
  }

  /** A tiled pass's objective: style Grams of the whole style images (masked where masks say), content per tile. */
  private tiledTargets(
    images: PassImages,
    options: StyleOptions,
    pass: PlannedPass,
  ): Targets & { objective: Objective } {
    const layout = pass.tiles!;
    const terms = tiledStyleTerms(this.network, images.styles, layout, options.styleLayers, options.pooling);
    try {
      const objective = tiledObjective(
        this.network,
        images.content,
        tileGrid(images.content, layout),
        { image: images.target, layers: options.contentLayers },
        terms,
        lossWeights(options),
        options.pooling,
      );
      const style = terms.map((term) => ({
        weight: term.weight,
        layers: new Map([...term.grams].map(([layer, gram]) => [layer, { gram }])),
      }));
      return { content: new Map(), style, objective };
    } catch (error) {
      disposeStyleTerms(terms);
      throw error;
    }
  }

  /** Decodes content and styles at the pass's size, applies preserveColors, picks the start image. */
  private async passImages(
    inputs: StylizeInputs,
    options: StyleOptions,
    plan: PassPlan,
  ): Promise<PassImages> {
    const limits = { maxInputPixels: this.maxInputPixels };
    const content = await decodeImage(inputs.content, {
      ...limits,
      longSide: plan.pass.longSide,
      label: 'content image',
    });
    const layers = [...options.contentLayers, ...options.styleLayers];
    const minimumSide = minimumInputSide(layers);
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
    const masks = await decodeStyleMasks(inputs, limits);
    styles = styles.map((style, i) => ({ ...style, ...masks[i] }));
    let target = content;
    if (options.preserveColors === 'histogram') {
      styles = styles.map((style) => ({ ...style, image: matchColorHistogram(style.image, content) }));
    } else if (options.preserveColors === 'luminance') {
      target = toLuminanceImage(content);
      styles = styles.map((style) => ({ ...style, image: toLuminanceImage(style.image, content) }));
    }
    const init = await this.initialImage(inputs, options, plan.previous, styles[0]!.image, target);
    return { content, target, styles, init };
  }

  /** Content features and blended style Grams of this pass's images. */
  private passTargets(images: PassImages, options: StyleOptions): Targets & { objective?: Objective } {
    const contentTensor = toNetworkInput(images.target);
    const styleTensors = images.styles.map((style) => ({
      image: toNetworkInput(style.image),
      weight: style.weight,
      mask: style.mask && maskTensor(sizeMask(style.mask, images.content)),
      styleMask: style.styleMask && maskTensor(sizeMask(style.styleMask, style.image)),
    }));
    try {
      return computeTargets(
        this.network,
        contentTensor,
        styleTensors,
        { content: options.contentLayers, style: options.styleLayers },
        options.pooling,
        { styleLoss: options.styleLoss, seed: options.seed },
      );
    } finally {
      tf.dispose([
        contentTensor,
        ...styleTensors
          .flatMap((style) => [style.image, style.mask, style.styleMask])
          .filter((t) => t !== undefined),
      ]);
    }
  }

  /** Steps the optimizer to the pass's last iteration, reporting progress, snapshots and checkpoints. */
  private async optimize(
    optimizer: Optimizer,
    images: PassImages,
    options: StyleOptions,
    hooks: StylizeHooks,
    plan: PassPlan,
  ): Promise<PassResult> {
    const { width, height } = images.content;
    const toImage = (): RgbImage => {
      const pixels = tf.tidy(() => tf.clipByValue(deprocess(optimizer.x as tf.Tensor4D), 0, 255));
      const image = { data: pixels.dataSync() as Float32Array, width, height };
      pixels.dispose();
      return options.preserveColors === 'luminance'
        ? combineLuminanceWithChroma(image, images.content)
        : image;
    };
    const snapshotOf = async (image: RgbImage, iteration: number): Promise<SnapshotEvent> => ({
      iteration,
      image: await encodeImage(image, options.outputFormat),
      format: options.outputFormat,
      width,
      height,
    });
    const deliveries = [
      { every: options.snapshotEvery, deliver: hooks.onSnapshot },
      { every: hooks.checkpointEvery ?? 0, deliver: hooks.onCheckpoint },
    ];
    const end = plan.pass.firstIteration + plan.pass.iterations;
    let iteration = plan.from;
    let losses: LossTerms | undefined;
    let optimizeMs = 0;
    const loopStarted = performance.now();
    while (iteration < end) {
      throwIfAborted(hooks.signal);
      const stepStarted = performance.now();
      const step = optimizer.step(end - iteration);
      optimizeMs += performance.now() - stepStarted;
      const before = iteration;
      iteration = Math.min(end, iteration + step.evaluations);
      losses = step.losses;
      const now = performance.now();
      const secondsPerIteration = (now - loopStarted) / 1000 / (iteration - plan.from);
      await hooks.onProgress?.({
        iteration,
        iterations: plan.totalIterations,
        losses: step.losses,
        elapsedMs: now - plan.started,
        pass: { index: plan.index, count: plan.count, width, height },
        secondsPerIteration,
        secondsLeft: remainingSeconds(plan.job, iteration, secondsPerIteration),
      });
      const due = deliveries.filter(
        ({ every, deliver }) =>
          every > 0 && deliver && Math.floor(iteration / every) > Math.floor(before / every),
      );
      if (due.length > 0) {
        const event = await snapshotOf(toImage(), iteration);
        for (const { deliver } of due) await deliver?.(event);
      }
      // Let timers, I/O and abort signals through between iterations.
      await new Promise((resolve) => setImmediate(resolve));
    }
    throwIfAborted(hooks.signal);
    const image = toImage();
    // Every pass but the last (whose end is the result) ends with a snapshot: worth seeing while the next runs.
    const lastPass = plan.index === plan.count - 1;
    if (
      !lastPass &&
      options.snapshotEvery > 0 &&
      hooks.onSnapshot &&
      iteration % options.snapshotEvery !== 0
    ) {
      await hooks.onSnapshot(await snapshotOf(image, iteration));
    }
    return { image, losses: losses!, iterations: end - plan.from, optimizeMs };
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

/** α, β, the TV weight and w_l per style layer (default 1/L each, as in the paper). */
function lossWeights(options: StyleOptions): LossWeights {
  return {
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
}

/** The optimizer owns the pixels: it starts from noise (first pass only) or the preprocessed start image. */
function createOptimizer(
  options: StyleOptions,
  images: PassImages,
  plan: PassPlan,
  objective: Objective,
): Optimizer {
  const { width, height } = images.content;
  const start = tf.tidy(() => {
    if (options.init === 'noise' && !plan.previous) {
      return tf.randomNormal([1, height, width, 3], 0, NOISE_STD, 'float32', options.seed);
    }
    const rgb = tf.tensor3d(images.init.data, [images.init.height, images.init.width, 3]);
    const sized =
      images.init.width === width && images.init.height === height
        ? rgb
        : tf.image.resizeBilinear(rgb, [height, width], true);
    return preprocess(sized);
  });
  try {
    return options.optimizer === 'adam'
      ? new Adam(start, objective, { learningRate: options.learningRate })
      : new Lbfgs(start, objective, { historySize: options.lbfgsHistory, lineSearch: options.lineSearch });
  } finally {
    start.dispose();
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
