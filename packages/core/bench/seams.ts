/**
 * Tile seams on real weights: runs Tübingen × Starry Night with the defaults at --size, in tiles (a memory
 * budget just below the untiled pass's estimate makes the plan tile it), and the same run untiled with the same
 * L-BFGS history (its twin). Compares the picture's mean gradient magnitude on the tile cores' boundaries with
 * its mean everywhere else, on nearby parallel lines and on lines aligned like the boundaries, reports how far
 * the twin's pixels are from the tiled ones, and writes the picture and a full-resolution crop around a core
 * corner. With --image and --events, measures a picture a CLI run made instead, on the tile grid of its last
 * pass (the plan in the start event of its `--json` output). Prints one JSON object. Needs ../shared. See
 * docs/high-resolution.md.
 *
 *   npm run bench:seams -- [--size 512] [--iterations 100] [--out-dir docs/images/seams] [--crop 256]
 *   npm run bench:seams -- --image out.png --events run.jsonl [--crop 512]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import {
  describePlan,
  ESTIMATE_MARGIN,
  JobPlanSchema,
  MIN_LBFGS_HISTORY,
  planJob,
  planningLimits,
  resolveOptions,
  type JobPlan,
  type StyleOptionsInput,
} from '@neural-style/vocabulary';
import { createEngine } from '../src/engine.js';
import { decodeImage, probeImage, type RgbImage } from '../src/image.js';
import { tileGrid } from '../src/tiles.js';
import { loadVggWeights } from '../src/vgg19/load-weights.js';
import { sharedImages, sharedWeights } from './jobs.js';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '512' },
    iterations: { type: 'string', default: '100' },
    'out-dir': { type: 'string', default: 'docs/images/seams' },
    image: { type: 'string' },
    events: { type: 'string' },
    crop: { type: 'string', default: '256' },
  },
});
if (!existsSync(sharedWeights)) {
  process.stderr.write(`bench:seams: needs the VGG19 weights in ${sharedWeights}\n`);
  process.exit(2);
}
const fromCaller = (file: string): string => path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
const outDir = fromCaller(args['out-dir']);
const content = await readFile(path.join(sharedImages, 'content/tubingen.jpg'));
const style = await readFile(path.join(sharedImages, 'style/starry_night.jpg'));
const images = { content: await probeImage(content), styles: [await probeImage(style)] };

interface Picture {
  name: string;
  bytes: Uint8Array;
  plan: JobPlan;
  run?: { iterations: number; seconds: number; losses: unknown };
  /** The same run untiled (benchmark runs only). */
  twin?: { bytes: Uint8Array; plan: string; seconds: number };
}

/** A picture a CLI run made, with the plan its `--json` start event printed. */
async function measuredPicture(file: string, events: string | undefined): Promise<Picture> {
  if (!events) {
    process.stderr.write("bench:seams: --image needs --events (the run's --json output, for its plan)\n");
    process.exit(2);
  }
  const start = (await readFile(fromCaller(events), 'utf8'))
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { type?: string; plan?: unknown })
    .find((event) => event.type === 'start');
  const plan = JobPlanSchema.parse(start?.plan);
  const name = path.basename(file, path.extname(file));
  return { name, bytes: await readFile(fromCaller(file)), plan };
}

/** A run with a budget just below the untiled pass's peak with the fewest pairs: the largest tiles that fit. */
async function tiledRun(): Promise<Picture> {
  const options: StyleOptionsInput = { size: Number(args.size), iterations: Number(args.iterations) };
  const fewest = resolveOptions({ ...options, lbfgsHistory: MIN_LBFGS_HISTORY });
  const untiled = planJob(fewest, images, planningLimits('wasm', Infinity, 'none'));
  // The planner sets ESTIMATE_MARGIN of the budget aside.
  const budget = {
    bytes: (untiled.peak.totalBytes - 1) / (1 - ESTIMATE_MARGIN),
    name: 'the seam benchmark budget',
  };
  const planned = planJob(resolveOptions(options), images, planningLimits('wasm', budget.bytes, budget.name));
  if (!planned.passes.at(-1)!.tiles) {
    process.stderr.write(`bench:seams: the plan does not tile the pass (${describePlan(planned)})\n`);
    process.exit(1);
  }
  process.stderr.write(`[seams] plan: ${describePlan(planned)}\n`);
  const weights = await loadVggWeights(sharedWeights);
  // The twin runs the same passes with the same L-BFGS history, untiled: what the tiles should reproduce.
  const sameHistory = { ...options, lbfgsHistory: planned.passes.at(-1)!.lbfgsHistory };
  const tiled = await timedRun(weights, sameHistory, budget);
  const twin = await timedRun(weights, sameHistory);
  const name = `tubingen_starry_${tiled.result.width}_tiled`;
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, `${name}.png`), tiled.result.image);
  return {
    name,
    bytes: tiled.result.image,
    plan: tiled.result.plan,
    run: { iterations: options.iterations!, seconds: tiled.seconds, losses: tiled.result.losses },
    twin: { bytes: twin.result.image, plan: describePlan(twin.result.plan), seconds: twin.seconds },
  };
}

async function timedRun(
  weights: Awaited<ReturnType<typeof loadVggWeights>>,
  options: StyleOptionsInput,
  memoryBudget?: { bytes: number; name: string },
) {
  const engine = await createEngine({ weights, ...(memoryBudget && { memoryBudget }) });
  const started = performance.now();
  const result = await engine.stylize({ content, styles: [{ image: style }] }, options, {
    onProgress: (event) => {
      if (event.iteration % 10 === 0)
        process.stderr.write(`[seams] ${event.iteration}/${event.iterations}\n`);
    },
  });
  engine.dispose();
  return { result, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) };
}

const picture = args.image ? await measuredPicture(args.image, args.events) : await tiledRun();
const pass = picture.plan.passes.at(-1)!;
if (!pass.tiles) {
  process.stderr.write(`bench:seams: the last pass is not tiled (${describePlan(picture.plan)})\n`);
  process.exit(1);
}
const image = await decodeImage(picture.bytes);
if (image.width !== pass.width || image.height !== pass.height) {
  process.stderr.write(
    `bench:seams: the picture is ${image.width}x${image.height}, the plan's last pass ${pass.width}x${pass.height}\n`,
  );
  process.exit(1);
}
const tiles = tileGrid(image, pass.tiles);

/** Per line, the summed step |I(next) − I| over channels: columns x (to x + 1) and rows y (to y + 1). */
function lineSteps({ data, width, height }: RgbImage): { columns: Float64Array; rows: Float64Array } {
  const columns = new Float64Array(width - 1);
  const rows = new Float64Array(height - 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const a = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        if (x + 1 < width) columns[x]! += Math.abs(data[a + 3 + c]! - data[a + c]!);
        if (y + 1 < height) rows[y]! += Math.abs(data[a + width * 3 + c]! - data[a + c]!);
      }
    }
  }
  return { columns, rows };
}

interface Lines {
  columns: number[];
  rows: number[];
}

/** The mean step over a set of lines (null when the set is empty). */
function meanStep(steps: ReturnType<typeof lineSteps>, lines: Lines): number | null {
  const sum = (values: Float64Array, picked: number[]) => picked.reduce((total, i) => total + values[i]!, 0);
  const count = lines.columns.length * image.height + lines.rows.length * image.width;
  if (count === 0) return null;
  return (sum(steps.columns, lines.columns) + sum(steps.rows, lines.rows)) / count;
}

const every = (length: number, keep: (line: number) => boolean) =>
  Array.from({ length }, (_, line) => line).filter(keep);
// Core boundaries: the columns x where a core starts at x + 1, the rows likewise.
const boundaries: Lines = {
  columns: [...new Set(tiles.map((tile) => tile.core.x - 1).filter((x) => x >= 0))],
  rows: [...new Set(tiles.map((tile) => tile.core.y - 1).filter((y) => y >= 0))],
};
const isBoundary = { columns: new Set(boundaries.columns), rows: new Set(boundaries.rows) };
const linesWhere = (keep: (line: number, axis: keyof Lines) => boolean): Lines => ({
  columns: every(image.width - 1, (x) => keep(x, 'columns')),
  rows: every(image.height - 1, (y) => keep(y, 'rows')),
});
const elsewhere = linesWhere((line, axis) => !isBoundary[axis].has(line));

/**
 * Lines parallel to each boundary at 2, 4, 6 and 8 px on either side: the same content, and the same parity,
 * since a large picture can alternate stronger and weaker steps every other pixel (VGG's stride-2 pooling), which
 * the whole image's mean averages away but a boundary at an odd position does not.
 */
const NEARBY_OFFSETS = [-8, -6, -4, -2, 2, 4, 6, 8];
const nearby = linesWhere(
  (line, axis) =>
    !isBoundary[axis].has(line) && NEARBY_OFFSETS.some((offset) => isBoundary[axis].has(line - offset)),
);

/**
 * Lines that sit on the network's coarsest pooling grid (every 16 px) in every pass of the plan, as core
 * boundaries do (cores are multiples of 16 px at the last pass, and each earlier pass halves the picture):
 * the same place in every pass's stride pattern, away from any boundary.
 */
const alignment = 16 * 2 ** (picture.plan.passes.length - 1);
const aligned = linesWhere((line, axis) => !isBoundary[axis].has(line) && (line + 1) % alignment === 0);

/** The seam statistics of one picture on this pass's lines. */
function seamStatistics(picture: RgbImage) {
  const steps = lineSteps(picture);
  const mean = (lines: Lines) => meanStep(steps, lines);
  const [onBoundaries, other, near, onGrid] = [
    mean(boundaries),
    mean(elsewhere),
    mean(nearby),
    mean(aligned),
  ];
  const ratio = (of: number | null) => (of ? Number((onBoundaries! / of).toFixed(4)) : null);
  const round = (value: number | null) => (value === null ? null : Number(value.toFixed(3)));
  return {
    meanStepOnCoreBoundaries: round(onBoundaries),
    meanStepElsewhere: round(other),
    ratio: ratio(other),
    meanStepNearBoundaries: round(near),
    ratioToNearby: ratio(near),
    alignedLinesEvery: alignment,
    meanStepOnAlignedLines: round(onGrid),
    ratioToAligned: ratio(onGrid),
  };
}

/** How far the untiled twin's pixels are from the tiled picture's: everywhere, and within 8 px of a boundary. */
async function twinDifference(twin: Uint8Array) {
  const other = await decodeImage(twin);
  const within8px = (length: number, lines: number[]) =>
    Array.from({ length }, (_, p) => lines.some((line) => Math.abs(p - line - 0.5) <= 8));
  const [nearColumn, nearRow] = [
    within8px(image.width, boundaries.columns),
    within8px(image.height, boundaries.rows),
  ];
  const sums = { near: 0, nearCount: 0, far: 0, farCount: 0, max: 0 };
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const near = nearColumn[x] || nearRow[y];
      for (let c = 0; c < 3; c++) {
        const i = (y * image.width + x) * 3 + c;
        const difference = Math.abs(image.data[i]! - other.data[i]!);
        sums.max = Math.max(sums.max, difference);
        if (near) [sums.near, sums.nearCount] = [sums.near + difference, sums.nearCount + 1];
        else [sums.far, sums.farCount] = [sums.far + difference, sums.farCount + 1];
      }
    }
  }
  return {
    meanAbsDifferenceNearBoundaries: Number((sums.near / sums.nearCount).toFixed(3)),
    meanAbsDifferenceElsewhere: Number((sums.far / sums.farCount).toFixed(3)),
    maxAbsDifference: sums.max,
    ...seamStatistics(other),
  };
}

// A full-resolution crop centred where core boundaries meet (or on the one boundary a 2×1 grid has).
const innerX = tiles.find((tile) => tile.core.x > 0)?.core.x ?? image.width / 2;
const innerY = tiles.find((tile) => tile.core.y > 0)?.core.y ?? image.height / 2;
const corner = { x: innerX, y: innerY };
const side = Math.min(Number(args.crop), image.width, image.height);
const left = Math.round(Math.max(0, Math.min(image.width - side, corner.x - side / 2)));
const top = Math.round(Math.max(0, Math.min(image.height - side, corner.y - side / 2)));
await mkdir(outDir, { recursive: true });
await sharp(picture.bytes)
  .extract({ left, top, width: side, height: side })
  .png()
  .toFile(path.join(outDir, `${picture.name}_corner_crop.png`));
process.stdout.write(
  `${JSON.stringify(
    {
      size: pass.longSide,
      picture: picture.name,
      plan: describePlan(picture.plan),
      tiles: pass.tiles,
      ...picture.run,
      ...seamStatistics(image),
      ...(picture.twin && {
        untiledTwin: {
          plan: picture.twin.plan,
          seconds: picture.twin.seconds,
          ...(await twinDifference(picture.twin.bytes)),
        },
      }),
      crop: { left, top, side, corner: { x: corner.x, y: corner.y } },
    },
    null,
    2,
  )}\n`,
);
