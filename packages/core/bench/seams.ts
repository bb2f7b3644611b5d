/**
 * Tile seams on real weights: runs Tübingen × Starry Night with the defaults at --size, in tiles (a memory
 * budget just below the untiled pass's estimate makes the plan tile it), then compares the picture's mean
 * gradient magnitude on the tile cores' boundaries with the mean everywhere else and on nearby parallel lines, and writes the picture and a
 * full-resolution crop around a core corner. With --image and --events, measures a picture a CLI run made
 * instead, on the tile grid of its last pass (the plan in the start event of its `--json` output). Prints one
 * JSON object. Needs ../shared. See docs/high-resolution.md.
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
  const engine = await createEngine({ weights: await loadVggWeights(sharedWeights), memoryBudget: budget });
  const started = performance.now();
  const result = await engine.stylize({ content, styles: [{ image: style }] }, options, {
    onProgress: (event) => {
      if (event.iteration % 10 === 0)
        process.stderr.write(`[seams] ${event.iteration}/${event.iterations}\n`);
    },
  });
  engine.dispose();
  const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  const name = `tubingen_starry_${result.width}_tiled`;
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, `${name}.png`), result.image);
  return {
    name,
    bytes: result.image,
    plan: result.plan,
    run: { iterations: options.iterations!, seconds, losses: result.losses },
  };
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

/** |I(next) − I(x, y)| summed over channels, `next` being the pixel right of (x, y) or below it. */
function step({ data, width }: RgbImage, x: number, y: number, horizontal: boolean): number {
  const a = (y * width + x) * 3;
  const b = horizontal ? a + 3 : a + width * 3;
  return (
    Math.abs(data[b]! - data[a]!) +
    Math.abs(data[b + 1]! - data[a + 1]!) +
    Math.abs(data[b + 2]! - data[a + 2]!)
  );
}

// Core boundaries: the columns x where a core starts at x + 1, the rows likewise.
const boundaryColumns = new Set(tiles.map((tile) => tile.core.x - 1).filter((x) => x >= 0));
const boundaryRows = new Set(tiles.map((tile) => tile.core.y - 1).filter((y) => y >= 0));
const sums = { border: 0, borderCount: 0, elsewhere: 0, elsewhereCount: 0 };
for (const horizontal of [true, false]) {
  const boundaries = horizontal ? boundaryColumns : boundaryRows;
  for (let y = 0; y < image.height - (horizontal ? 0 : 1); y++) {
    for (let x = 0; x < image.width - (horizontal ? 1 : 0); x++) {
      const value = step(image, x, y, horizontal);
      if (boundaries.has(horizontal ? x : y)) {
        sums.border += value;
        sums.borderCount++;
      } else {
        sums.elsewhere += value;
        sums.elsewhereCount++;
      }
    }
  }
}
const borderMean = sums.border / sums.borderCount;
const elsewhereMean = sums.elsewhere / sums.elsewhereCount;

/**
 * Lines parallel to each boundary at 2, 4, 6 and 8 px on either side: the same content, and the same parity,
 * since a large picture can alternate stronger and weaker steps every other pixel (VGG's stride-2 pooling), which
 * the whole image's mean averages away but a boundary at an odd position does not.
 */
const NEARBY_OFFSETS = [-8, -6, -4, -2, 2, 4, 6, 8];
const nearby = { sum: 0, count: 0 };
for (const horizontal of [true, false]) {
  const boundaries = horizontal ? boundaryColumns : boundaryRows;
  const limit = horizontal ? image.width - 1 : image.height - 1;
  for (const boundary of boundaries) {
    for (const offset of NEARBY_OFFSETS) {
      const line = boundary + offset;
      if (line < 0 || line >= limit || boundaries.has(line)) continue;
      const length = horizontal ? image.height : image.width;
      for (let i = 0; i < length; i++) {
        nearby.sum += horizontal ? step(image, line, i, true) : step(image, i, line, false);
        nearby.count++;
      }
    }
  }
}
const nearbyMean = nearby.sum / nearby.count;

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
      meanStepOnCoreBoundaries: Number(borderMean.toFixed(3)),
      meanStepElsewhere: Number(elsewhereMean.toFixed(3)),
      ratio: Number((borderMean / elsewhereMean).toFixed(4)),
      meanStepNearBoundaries: Number(nearbyMean.toFixed(3)),
      ratioToNearby: Number((borderMean / nearbyMean).toFixed(4)),
      crop: { left, top, side, corner: { x: corner.x, y: corner.y } },
    },
    null,
    2,
  )}\n`,
);
