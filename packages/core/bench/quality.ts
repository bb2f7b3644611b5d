/**
 * Quality benchmark: runs content × style pairs of ../shared at one size with the engine's defaults (plus
 * any --options), writes a contact sheet (content, style, ours, the Torch reference where there is one) and
 * prints one JSON object on stdout: per pair the final weighted losses, the style share
 * style / (style + content), and times. Progress goes to stderr. See docs/gallery.md.
 *
 *   npm run bench:quality -- [--pairs tubingen_starry,golden_gate_kahlo|all] [--size 256] [--sizes 128,256]
 *                            [--iterations N] [--options '{"styleLoss":"sliced-wasserstein"}']
 *                            [--sheet docs/images/quality-sheet.jpg] [--out-dir DIR] [--suffix _sw]
 *
 * --out-dir writes each result (NAME_SIZE{suffix}.png and .json, and beside the reference where there is one:
 * NAME_SIZE{suffix}_vs_reference.jpg) as soon as it is done, and takes a result already
 * there (both files) instead of running it again: a stopped run picks up where it was, and a sheet of finished
 * results costs no optimisation.
 * --sizes runs every pair at each size (for the size-invariance check); the sheet then shows the last size.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp, { type OverlayOptions } from 'sharp';
import {
  errorMessage,
  resolveOptions,
  type LossTerms,
  type StyleOptionsInput,
} from '@neural-style/vocabulary';
import { createEngine } from '../src/engine.js';
import { loadVggWeights } from '../src/vgg19/load-weights.js';
import { sharedWeights } from './jobs.js';
import { REFERENCE_PAIRS, contentPath, referencePath, stylePath, type Pair } from './pairs.js';

const DEFAULT_PAIRS = [
  'tubingen_starry',
  'tubingen_scream',
  'golden_gate_kahlo',
  'pitt_picasso_content_5_style_10',
];
const SHEET_ROW_HEIGHT = 192;

function fail(message: string): never {
  process.stderr.write(`bench:quality: ${message} (see the header of packages/core/bench/quality.ts)\n`);
  process.exit(2);
}

const { values: args } = (() => {
  try {
    return parseArgs({
      options: {
        pairs: { type: 'string', default: DEFAULT_PAIRS.join(',') },
        size: { type: 'string', default: '256' },
        sizes: { type: 'string' },
        iterations: { type: 'string' },
        options: { type: 'string', default: '{}' },
        sheet: { type: 'string' },
        'out-dir': { type: 'string' },
        suffix: { type: 'string', default: '' },
      },
    });
  } catch (error) {
    fail(errorMessage(error));
  }
})();

const pairs: Pair[] =
  args.pairs === 'all'
    ? [...REFERENCE_PAIRS]
    : args.pairs
        .split(',')
        .map((name) => REFERENCE_PAIRS.find((pair) => pair.name === name) ?? fail(`unknown pair ${name}`));
const sizes = (args.sizes ?? args.size).split(',').map(Number);
if (sizes.some((size) => !Number.isInteger(size) || size < 16)) fail('--size/--sizes need integers ≥ 16');
let extraOptions: StyleOptionsInput;
try {
  extraOptions = JSON.parse(args.options) as StyleOptionsInput;
} catch (error) {
  fail(`--options is not JSON: ${errorMessage(error)}`);
}
// npm runs this script in packages/core; paths given on the command line are relative to where npm was run.
const fromCaller = (file: string): string => path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
const outDir = args['out-dir'] && fromCaller(args['out-dir']);
const sheet = args.sheet && fromCaller(args.sheet);
if (!existsSync(sharedWeights)) fail(`needs the VGG19 weights in ${sharedWeights}`);

const log = (line: string): void => void process.stderr.write(`[quality] ${line}\n`);
const round = (value: number, digits = 4): number => Number(value.toPrecision(digits));

interface PairResult {
  pair: string;
  size: number;
  width: number;
  height: number;
  losses: LossTerms;
  styleShare: number;
  seconds: number;
  secondsPerIteration: number;
  image: Uint8Array;
}

const engine = await createEngine({ weights: await loadVggWeights(sharedWeights) });
const options: StyleOptionsInput = {
  ...extraOptions,
  ...(args.iterations ? { iterations: Number(args.iterations) } : {}),
};
const resolved = resolveOptions(options);
const results: PairResult[] = [];

/** A pair's result from an earlier run in --out-dir, where both its picture and its JSON are there. */
async function finished(pair: Pair, size: number): Promise<PairResult | undefined> {
  if (!outDir) return undefined;
  const base = path.join(outDir, `${pair.name}_${size}${args.suffix}`);
  if (!existsSync(`${base}.png`) || !existsSync(`${base}.json`)) return undefined;
  const record = JSON.parse(await readFile(`${base}.json`, 'utf8')) as {
    results: Omit<PairResult, 'image'>[];
  };
  const entry = record.results.find((r) => r.pair === pair.name && r.size === size);
  return entry && { ...entry, image: await readFile(`${base}.png`) };
}

try {
  for (const size of sizes) {
    for (const pair of pairs) {
      const earlier = await finished(pair, size);
      if (earlier) {
        log(`${pair.name} ${size}px: done earlier (${earlier.seconds} s), taken from ${outDir}`);
        results.push(earlier);
        await writeBesideReference(earlier);
        continue;
      }
      const started = performance.now();
      const result = await engine.stylize(
        { content: await readFile(contentPath(pair)), styles: [{ image: await readFile(stylePath(pair)) }] },
        { ...options, size },
        {
          onProgress: (event) => {
            if (event.iteration % 50 === 0) {
              log(
                `${pair.name} ${size}px ${event.iteration}/${event.iterations} loss ${event.losses.total.toExponential(3)}`,
              );
            }
          },
        },
      );
      const { content, style } = result.losses;
      const entry: PairResult = {
        pair: pair.name,
        size,
        width: result.width,
        height: result.height,
        losses: result.losses,
        styleShare: round(style / (style + content), 3),
        seconds: round((performance.now() - started) / 1000, 3),
        secondsPerIteration: round(result.secondsPerIteration, 3),
        image: result.image,
      };
      results.push(entry);
      log(`${pair.name} ${size}px: style share ${entry.styleShare}, ${entry.seconds} s`);
      if (outDir) {
        await mkdir(outDir, { recursive: true });
        const base = path.join(outDir, `${pair.name}_${size}${args.suffix}`);
        await writeFile(`${base}.png`, result.image);
        // The JSON last: a picture without its JSON is run again.
        await writeFile(`${base}.json`, report([entry]));
        await writeBesideReference(entry);
      }
    }
  }
} finally {
  engine.dispose();
}

if (sheet)
  await writeContactSheet(
    sheet,
    results.filter((r) => r.size === sizes.at(-1)),
  );

process.stdout.write(report(results));

/** The JSON this benchmark prints (and writes beside each picture in --out-dir). */
function report(entries: PairResult[]): string {
  const body = {
    backend: engine.backend,
    options: resolved,
    results: entries.map(({ image: _image, ...rest }) => rest),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** Images side by side, each resized to `height`, placed at `top`: the composites and the row's width. */
async function row(
  sources: (Buffer | Uint8Array)[],
  height: number,
  top = 0,
): Promise<{ composites: OverlayOptions[]; width: number }> {
  const composites: OverlayOptions[] = [];
  let left = 0;
  for (const source of sources) {
    const { data, info } = await sharp(source).resize({ height }).png().toBuffer({ resolveWithObject: true });
    composites.push({ input: data, left, top });
    left += info.width;
  }
  return { composites, width: left };
}

/** Writes the composites on a white canvas (PNG or JPEG, from the file's extension). */
async function writeCanvas(file: string, width: number, height: number, composites: OverlayOptions[]) {
  await mkdir(path.dirname(file), { recursive: true });
  const canvas = sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(
    composites,
  );
  await (file.endsWith('.jpg') ? canvas.jpeg({ quality: 88 }) : canvas.png()).toFile(file);
}

/** Ours (left) beside the Torch reference (right), at our picture's height: NAME_SIZE{suffix}_vs_reference.jpg. */
async function writeBesideReference(result: PairResult): Promise<void> {
  const pair = REFERENCE_PAIRS.find((p) => p.name === result.pair)!;
  const reference = referencePath(pair);
  if (!outDir || !reference) return;
  const file = path.join(outDir, `${pair.name}_${result.size}${args.suffix}_vs_reference.jpg`);
  const { composites, width } = await row([result.image, await readFile(reference)], result.height);
  await writeCanvas(file, width, result.height, composites);
}

/** One row per pair: content, style, ours, the reference (where there is one), each SHEET_ROW_HEIGHT high. */
async function writeContactSheet(file: string, rows: PairResult[]): Promise<void> {
  const composites: OverlayOptions[] = [];
  let sheetWidth = 0;
  for (const [index, result] of rows.entries()) {
    const pair = REFERENCE_PAIRS.find((p) => p.name === result.pair)!;
    const reference = referencePath(pair);
    const sources = [
      await readFile(contentPath(pair)),
      await readFile(stylePath(pair)),
      result.image,
      ...(reference ? [await readFile(reference)] : []),
    ];
    const placed = await row(sources, SHEET_ROW_HEIGHT, index * SHEET_ROW_HEIGHT);
    composites.push(...placed.composites);
    sheetWidth = Math.max(sheetWidth, placed.width);
  }
  await writeCanvas(file, sheetWidth, rows.length * SHEET_ROW_HEIGHT, composites);
  log(`contact sheet: ${file}`);
}
