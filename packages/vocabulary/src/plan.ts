import { z } from 'zod';
import { StyleTransferError } from './errors.js';
import {
  estimatePassMemory,
  formatBytes,
  VGG19_WIDTHS,
  MemoryEstimateSchema,
  type MemoryEstimate,
  type MemoryLimits,
  type NetworkShape,
  type Size,
} from './memory.js';
import type { StyleOptions } from './options.js';

type PlanOptions = Pick<StyleOptions, 'size' | 'iterations' | 'multiscale' | 'multiscaleMinSize'>;

/** One optimisation pass: the output's long side and the iterations spent at that size. */
export interface Pass {
  longSide: number;
  iterations: number;
  /** Global iteration count (across passes) before this pass starts. */
  firstIteration: number;
}

/**
 * Above this long side passes always run coarse to fine: a full-resolution start from the content image
 * would spend hundreds of slow iterations on what a small pass finds in seconds.
 */
export const AUTO_MULTISCALE_ABOVE = 1024;

/**
 * Each pass of a coarse-to-fine run gets this many times fewer iterations than the one before it. A pass
 * has 4× the pixels of the previous one, so its time grows about 4/3× per pass rather than 4× (more where
 * tiles overlap): the last passes start from the upsampled answer and mostly sharpen it, and a 4096-px run
 * stays within two hours on two cores (docs/high-resolution.md).
 */
export const ITERATION_DECAY = 3;

/**
 * Coarse-to-fine schedule, the recipe users of jcjohnson/neural-style run by hand: passes at
 * size/2^k .. size (the smallest not below multiscaleMinSize), each started from the upsampled result of
 * the previous one. Large passes start close to the answer, so each gets ITERATION_DECAY times fewer
 * iterations than the one before it: total time grows far slower than the pixel count.
 */
export function planPasses(options: PlanOptions): Pass[] {
  const sizes = [options.size];
  if (options.multiscale || options.size > AUTO_MULTISCALE_ABOVE) {
    while (Math.round(sizes[0]! / 2) >= options.multiscaleMinSize) sizes.unshift(Math.round(sizes[0]! / 2));
  }
  let iterations = options.iterations;
  let firstIteration = 0;
  return sizes.map((longSide) => {
    const pass = { longSide, iterations, firstIteration };
    firstIteration += iterations;
    iterations = Math.max(1, Math.round(iterations / ITERATION_DECAY));
    return pass;
  });
}

/** Iterations of the whole run, across every pass: what progress counts up to. */
export function totalIterations(options: PlanOptions): number {
  return planPasses(options).reduce((sum, pass) => sum + pass.iterations, 0);
}

export const TileLayoutSchema = z
  .object({
    core: z
      .int()
      .describe("Edge of a tile's core in pixels (a multiple of 16); the cores partition the image."),
    margin: z.int().describe('Context the network sees on each side of a core; losses fade across it.'),
    columns: z.int(),
    rows: z.int(),
  })
  .describe('How a tiled pass cuts its image.');
/** How a tiled pass cuts its image: cores that partition it, each seen with a margin on every side. */
export type TileLayout = z.infer<typeof TileLayoutSchema>;

export const PlannedPassSchema = z.object({
  longSide: z.int(),
  width: z.int(),
  height: z.int(),
  iterations: z.int().describe('Iterations of this pass.'),
  firstIteration: z.int().describe('Iterations of the run before this pass.'),
  tiles: TileLayoutSchema.optional().describe('Absent: the whole image in one piece.'),
  lbfgsHistory: z
    .int()
    .describe('L-BFGS correction pairs kept: at most the pass iterations, fewer where memory is short.'),
  memory: MemoryEstimateSchema,
});
/** A pass as the engine will run it: its size, tile grid, L-BFGS history and memory estimate. */
export type PlannedPass = z.infer<typeof PlannedPassSchema>;

export const JobPlanSchema = z
  .object({
    passes: z.array(PlannedPassSchema),
    peak: MemoryEstimateSchema.describe("The largest pass's estimate."),
  })
  .meta({ id: 'JobPlan' })
  .describe('How the engine runs the job: coarse-to-fine passes, tile grids, memory estimate.');
export type JobPlan = z.infer<typeof JobPlanSchema>;

type JobPlanOptions = PlanOptions &
  Pick<
    StyleOptions,
    | 'optimizer'
    | 'lbfgsHistory'
    | 'contentLayers'
    | 'styleLayers'
    | 'preserveColors'
    | 'snapshotEvery'
    | 'styleScale'
  >;

/** Tile cores tried from the largest (fewest tiles, least overlap) down. */
const TILE_CORES = [1024, 768, 512, 384, 256, 128];
/** Context on each side of a core: enough that zero padding at the crop's edge barely reaches the core. */
const TILE_MARGIN = 64;
/**
 * Share of each limit the planner leaves free for the estimate's own error: on the real network, tiled
 * passes measure above their estimate (docs/high-resolution.md), so a plan right at the budget would pass it.
 */
export const ESTIMATE_MARGIN = 0.1;
/**
 * The fewest L-BFGS pairs a pass keeps when memory, not iterations, caps the history: a pair costs two
 * image-sized vectors, and at the largest sizes the next smaller tile costs more time than pairs save.
 */
export const MIN_LBFGS_HISTORY = 1;

/** Width × height after scaling the long side to `longSide` (the engine's resize rounds the same way). */
export function fitLongSide(size: Size, longSide: number): Size {
  const scale = longSide / Math.max(size.width, size.height);
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  };
}

/** The sizes a plan is made from: the images' (as probed), and how many styles have a content mask. */
export interface JobImages {
  content: Size;
  styles: readonly Size[];
  masks?: number;
}

/**
 * The whole run as the engine will execute it, from the options and the input images' sizes: each pass
 * untiled where it fits the limits, else in the largest tiles that fit, with L-BFGS's history capped by the
 * pass's iterations and, at the smallest tiles, by memory. A run that fits nowhere is refused with
 * MEMORY_LIMIT, naming the limit and what to change — before anything runs.
 *
 * Where tensor memory only grows (wasm), a pass's resident peak is its own host memory plus the largest
 * tensor peak of any pass so far. So passes are planned from the last: each earlier pass's tensors must also
 * fit beside the host memory of every later one, and each pass's totalBytes is that high-water sum.
 */
export function planJob(
  options: JobPlanOptions,
  images: JobImages,
  limits: MemoryLimits,
  network: NetworkShape = { widths: VGG19_WIDTHS },
): JobPlan {
  const usable = (bytes: number) => bytes * (1 - ESTIMATE_MARGIN);
  const withMargin = {
    ...limits,
    tensorBytes: usable(limits.tensorBytes),
    totalBytes: usable(limits.totalBytes),
  };
  const planned: PlannedPass[] = [];
  let passLimits = withMargin;
  for (const pass of planPasses(options).reverse()) {
    const next = planPass(options, pass, images, passLimits, network);
    planned.unshift(next);
    const room = withMargin.totalBytes - hostBytes(next.memory);
    if (limits.tensorMemoryOnlyGrows && room < passLimits.tensorBytes) {
      passLimits = {
        ...passLimits,
        tensorBytes: room,
        tensorLabel: `what ${limits.totalLabel} leaves for tensors beside the ${next.width}x${next.height} pass (the wasm heap never shrinks)`,
      };
    }
  }
  const passes = limits.tensorMemoryOnlyGrows ? withHighWater(planned) : planned;
  return { passes, peak: peakOf(passes) };
}

/** Each pass's total as its own host memory plus the largest tensor peak of the passes up to it. */
function withHighWater(passes: readonly PlannedPass[]): PlannedPass[] {
  let highWater = 0;
  return passes.map((pass) => {
    highWater = Math.max(highWater, pass.memory.tensorBytes);
    return { ...pass, memory: { ...pass.memory, totalBytes: hostBytes(pass.memory) + highWater } };
  });
}

/** What a pass holds outside the backend's tensor memory: the process, the weights' copies, host images. */
const hostBytes = (memory: MemoryEstimate) => memory.totalBytes - memory.tensorBytes;

function peakOf(passes: readonly PlannedPass[]): MemoryEstimate {
  return passes.reduce(
    (max, pass) => ({
      tensorBytes: Math.max(max.tensorBytes, pass.memory.tensorBytes),
      totalBytes: Math.max(max.totalBytes, pass.memory.totalBytes),
    }),
    { tensorBytes: 0, totalBytes: 0 },
  );
}

function planPass(
  options: JobPlanOptions,
  pass: Pass,
  images: JobImages,
  limits: MemoryLimits,
  network: NetworkShape,
): PlannedPass {
  const image = fitLongSide(images.content, pass.longSide);
  const styleLongSide = Math.round(pass.longSide * options.styleScale);
  const styles = images.styles.map((style) => fitLongSide(style, styleLongSide));
  const history = options.optimizer === 'lbfgs' ? Math.min(options.lbfgsHistory, pass.iterations) : 0;
  const estimate = (tiles: TileLayout | undefined, lbfgsHistory: number) =>
    estimatePassMemory(
      options,
      {
        image,
        styles,
        tile: tiles ? tileExtent(tiles, image) : image,
        tileCount: tiles ? tiles.columns * tiles.rows : 1,
        lbfgsHistory,
        maskedStyles: images.masks ?? 0,
      },
      network,
    );
  const fits = (memory: MemoryEstimate) =>
    memory.tensorBytes <= limits.tensorBytes && memory.totalBytes <= limits.totalBytes;
  const candidates: (TileLayout | undefined)[] = [
    undefined,
    ...TILE_CORES.map((core) => tileLayout(image, core)).filter((tiles) => tiles.columns * tiles.rows > 1),
  ];
  // Larger tiles first (fewer, less overlap: faster), each with the longest history that fits; a
  // pass's last iterations start close to the answer, so fewer pairs cost less than smaller tiles.
  const fewest = Math.min(history, MIN_LBFGS_HISTORY);
  for (const tiles of candidates) {
    for (let lbfgsHistory = history; lbfgsHistory >= fewest; lbfgsHistory--) {
      const memory = estimate(tiles, lbfgsHistory);
      if (fits(memory)) return { ...pass, ...image, ...(tiles && { tiles }), lbfgsHistory, memory };
      if (options.optimizer !== 'lbfgs') break;
    }
  }
  const smallest = candidates.at(-1);
  const memory = estimate(smallest, fewest);
  throw memoryLimitError(pass, image, memory, limits, options);
}

/** `limits` here are the usable shares: scaled back, the limit reads as configured. */
const beforeMargin = (bytes: number) => bytes / (1 - ESTIMATE_MARGIN);

function memoryLimitError(
  pass: Pass,
  image: Size,
  memory: MemoryEstimate,
  limits: MemoryLimits,
  options: JobPlanOptions,
): StyleTransferError {
  const overTensor = memory.tensorBytes > limits.tensorBytes;
  const [need, limit, label] = overTensor
    ? [memory.tensorBytes, limits.tensorBytes, limits.tensorLabel]
    : [memory.totalBytes, limits.totalBytes, limits.totalLabel];
  const lower = [
    'size',
    ...(options.styleScale > 1 ? ['styleScale'] : []),
    ...(options.optimizer === 'lbfgs' ? ['lbfgsHistory (or optimizer adam)'] : []),
  ].join(', ');
  return new StyleTransferError(
    'MEMORY_LIMIT',
    `the ${image.width}x${image.height} pass (long side ${pass.longSide}) needs about ${formatBytes(beforeMargin(need))} (its estimate and a ${ESTIMATE_MARGIN * 100}% margin), over ${label} of ${formatBytes(beforeMargin(limit))} even in the smallest tiles; lower ${lower}`,
  );
}

/** Columns × rows of `core`-sized tiles covering the image. */
function tileLayout(image: Size, core: number): TileLayout {
  return {
    core,
    margin: TILE_MARGIN,
    columns: Math.ceil(image.width / core),
    rows: Math.ceil(image.height / core),
  };
}

/** The largest crop a tile of this layout shows the network: its core and a margin on each side, clipped. */
export function tileExtent(tiles: TileLayout, image: Size): Size {
  const longest = (length: number) => {
    let extent = 0;
    for (let start = 0; start < length; start += tiles.core) {
      const end = Math.min(length, start + tiles.core);
      extent = Math.max(extent, Math.min(length, end + tiles.margin) - Math.max(0, start - tiles.margin));
    }
    return extent;
  };
  return { width: longest(image.width), height: longest(image.height) };
}

/** "2 passes: 512x384 (250 it.), 1024x768 in 3x2 tiles of 512 (125 it.)" for logs and the CLI summary. */
export function describePlan(plan: JobPlan): string {
  const passes = plan.passes.map((pass) => {
    const tiles = pass.tiles
      ? ` in ${pass.tiles.columns}x${pass.tiles.rows} tiles of ${pass.tiles.core}`
      : '';
    return `${pass.width}x${pass.height}${tiles} (${pass.iterations} it.)`;
  });
  return `${passes.length} pass${passes.length === 1 ? '' : 'es'}: ${passes.join(', ')}; peak about ${formatBytes(plan.peak.totalBytes)}`;
}

/** Relative cost of one iteration of a pass: the pixels the network sees (tiled: the crops, and the Gram sweep). */
function iterationCost(pass: PlannedPass): number {
  if (!pass.tiles) return pass.width * pass.height;
  const crop = tileExtent(pass.tiles, pass);
  // A tiled evaluation adds a forward-only sweep for the whole image's Grams: about a third of a step.
  return (4 / 3) * pass.tiles.columns * pass.tiles.rows * crop.width * crop.height;
}

/**
 * Seconds to the end of the run after `iteration`, from the speed of the pass now running: later passes
 * cost more per iteration in proportion to the pixels they process.
 */
export function remainingSeconds(plan: JobPlan, iteration: number, secondsPerIteration: number): number {
  // The pass that ran iteration `iteration` (counted from 1), whose speed secondsPerIteration is: at a pass's
  // last iteration, still that pass, not the next.
  const current =
    plan.passes.find((pass) => iteration <= pass.firstIteration + pass.iterations) ?? plan.passes.at(-1)!;
  const unit = secondsPerIteration / iterationCost(current);
  return plan.passes.reduce((sum, pass) => {
    const left = Math.min(pass.iterations, Math.max(0, pass.firstIteration + pass.iterations - iteration));
    return sum + left * iterationCost(pass) * unit;
  }, 0);
}

/**
 * Tiled passes assemble the whole image's Grams from its tiles; sliced Wasserstein sorts every position of a
 * layer at once, so a plan with tiles refuses it (before the job is queued or run).
 */
export function assertTilingSupports(plan: JobPlan, options: Pick<StyleOptions, 'styleLoss'>): void {
  const tiled = plan.passes.find((pass) => pass.tiles);
  if (!tiled || options.styleLoss === 'gram') return;
  throw new StyleTransferError(
    'INVALID_OPTIONS',
    `the ${tiled.longSide}-px pass runs in tiles, and tiled passes support only the Gram style loss: lower size until no pass is tiled (the plan says which are), or drop styleLoss "sliced-wasserstein"`,
  );
}
