import { StyleTransferError } from './errors.js';
import {
  estimatePassMemory,
  formatBytes,
  VGG19_WIDTHS,
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
 * Coarse-to-fine schedule, the recipe users of jcjohnson/neural-style run by hand: passes at
 * size/2^k .. size (the smallest not below multiscaleMinSize), each started from the upsampled result of
 * the previous one. Large passes start close to the answer, so each gets half the iterations of the one
 * before it: total time grows far slower than the pixel count.
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
    iterations = Math.max(1, Math.round(iterations / 2));
    return pass;
  });
}

/** Iterations of the whole run, across every pass: what progress counts up to. */
export function totalIterations(options: PlanOptions): number {
  return planPasses(options).reduce((sum, pass) => sum + pass.iterations, 0);
}

/** How a tiled pass cuts its image: cores that partition it, each seen with a margin on every side. */
export interface TileLayout {
  /** Edge of a tile's core (a multiple of 16, so features of every block align with the whole image's). */
  core: number;
  /** Context added on each side of a core; the gradient fades out across it (see core/src/tiles.ts). */
  margin: number;
  columns: number;
  rows: number;
}

/** A pass as the engine will run it: its size, tile grid, L-BFGS history and memory estimate. */
export interface PlannedPass extends Pass {
  width: number;
  height: number;
  /** Absent: the whole image in one piece. */
  tiles?: TileLayout;
  /** Correction pairs L-BFGS keeps in this pass: at most its iterations, fewer where memory is short. */
  lbfgsHistory: number;
  memory: MemoryEstimate;
}

export interface JobPlan {
  passes: PlannedPass[];
  /** The largest pass's estimate. */
  peak: MemoryEstimate;
}

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
/** The fewest L-BFGS pairs worth keeping when memory, not iterations, caps the history. */
const MIN_LBFGS_HISTORY = 5;

/** Width × height after scaling the long side to `longSide` (the engine's resize rounds the same way). */
export function fitLongSide(size: Size, longSide: number): Size {
  const scale = longSide / Math.max(size.width, size.height);
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  };
}

/**
 * The whole run as the engine will execute it, from the options and the input images' sizes: each pass
 * untiled where it fits the limits, else in the largest tiles that fit, with L-BFGS's history capped by the
 * pass's iterations and, at the smallest tiles, by memory. A run that fits nowhere is refused with
 * MEMORY_LIMIT, naming the limit and what to change — before anything runs.
 */
export function planJob(
  options: JobPlanOptions,
  images: { content: Size; styles: readonly Size[] },
  limits: MemoryLimits,
  network: NetworkShape = { widths: VGG19_WIDTHS },
): JobPlan {
  const passes = planPasses(options).map((pass) => planPass(options, pass, images, limits, network));
  const peak = passes.reduce(
    (max, pass) => ({
      tensorBytes: Math.max(max.tensorBytes, pass.memory.tensorBytes),
      totalBytes: Math.max(max.totalBytes, pass.memory.totalBytes),
    }),
    { tensorBytes: 0, totalBytes: 0 },
  );
  return { passes, peak };
}

function planPass(
  options: JobPlanOptions,
  pass: Pass,
  images: { content: Size; styles: readonly Size[] },
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
      },
      network,
    );
  const fits = (memory: MemoryEstimate) =>
    memory.tensorBytes <= limits.tensorBytes && memory.totalBytes <= limits.totalBytes;
  const candidates: (TileLayout | undefined)[] = [
    undefined,
    ...TILE_CORES.map((core) => tileLayout(image, core)).filter((tiles) => tiles.columns * tiles.rows > 1),
  ];
  for (const tiles of candidates) {
    const memory = estimate(tiles, history);
    if (fits(memory)) return { ...pass, ...image, ...(tiles && { tiles }), lbfgsHistory: history, memory };
  }
  const smallest = candidates.at(-1);
  for (let lbfgsHistory = history - 1; lbfgsHistory >= Math.min(history, MIN_LBFGS_HISTORY); lbfgsHistory--) {
    const memory = estimate(smallest, lbfgsHistory);
    if (fits(memory)) {
      return { ...pass, ...image, ...(smallest && { tiles: smallest }), lbfgsHistory, memory };
    }
  }
  const memory = estimate(smallest, Math.min(history, MIN_LBFGS_HISTORY));
  throw memoryLimitError(pass, image, memory, limits, options);
}

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
    `the ${image.width}x${image.height} pass (long side ${pass.longSide}) needs about ${formatBytes(need)}, over ${label} of ${formatBytes(limit)} even in the smallest tiles; lower ${lower}`,
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

/** The largest crop a tile of this layout shows the network: its core and a margin on each side. */
export function tileExtent(tiles: TileLayout, image: Size): Size {
  return {
    width: Math.min(image.width, tiles.core + 2 * tiles.margin),
    height: Math.min(image.height, tiles.core + 2 * tiles.margin),
  };
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
