import { existsSync } from 'node:fs';
import path from 'node:path';

import {
  BACKEND_CHOICES,
  OUTPUT_FORMAT_NAMES,
  OUTPUT_FORMATS,
  outputFormatOfPath,
  parseBoolean,
  type BackendChoice,
  type OutputFormat,
  type StyleOptions,
} from '@neural-style/vocabulary';
import { DEFAULT_MAX_INPUT_PIXELS } from '../image.js';
import { CliError } from './exit-codes.js';
import {
  convertValue,
  FlagValueError,
  OPTION_FLAGS,
  validateOptions,
  type OptionFlag,
} from './schema-flags.js';

/** A flag of the CLI itself (not an engine option). `value` names its argument; without it, a switch. */
export interface CliFlag {
  name: string;
  alias?: string;
  value?: string;
  description: string;
}

export const STYLIZE_FLAGS: readonly CliFlag[] = [
  {
    name: 'content',
    alias: 'c',
    value: 'FILE',
    description: 'Content image (JPEG, PNG, WebP, TIFF, GIF or AVIF).',
  },
  {
    name: 'style',
    alias: 's',
    value: 'FILE[:WEIGHT]',
    description:
      'Style image; repeat the flag to blend several, each with an optional blend weight (default 1).',
  },
  {
    name: 'mask',
    value: 'FILE',
    description:
      "Where the preceding --style goes: a grey image with the content's aspect ratio, white = this style, soft values blend; places no mask covers stay the photo.",
  },
  {
    name: 'style-mask',
    value: 'FILE',
    description:
      'Which part of the preceding --style image to take: a grey image with its aspect ratio, white = use.',
  },
  {
    name: 'out',
    alias: 'o',
    value: 'FILE',
    description:
      'Output image. Its extension (.png, .jpg/.jpeg, .webp) sets the format unless --output-format is given. Written atomically; missing folders are created.',
  },
  {
    name: 'weights',
    value: 'PATH',
    description:
      'VGG19 weights: a TF.js model directory, a Keras .h5 file, or a folder holding the canonical .h5 (default: $VGG19_WEIGHTS, else the file `style-transfer weights` downloaded).',
  },
  {
    name: 'backend',
    value: BACKEND_CHOICES.join('|'),
    description: 'TensorFlow.js backend (default: $STYLE_BACKEND, else auto: the best available).',
  },
  { name: 'init-image', value: 'FILE', description: 'Start image for --init image (implies it).' },
  {
    name: 'snapshots',
    value: 'DIR',
    description:
      'Write DIR/<iteration>.<ext> every --snapshot-every iterations (kept when the run is interrupted).',
  },
  {
    name: 'max-input-pixels',
    value: 'N',
    description: `Largest accepted input image, width × height (default: ${DEFAULT_MAX_INPUT_PIXELS}).`,
  },
  { name: 'quiet', alias: 'q', description: 'No progress and no summary; only errors.' },
  {
    name: 'json',
    description:
      'Machine output: JSON lines on stdout (progress, snapshot, result, error events) instead of the progress bar.',
  },
  { name: 'help', alias: 'h', description: 'Show this help.' },
  { name: 'version', alias: 'V', description: 'Print the version.' },
];

export const WEIGHTS_FLAGS: readonly CliFlag[] = [
  {
    name: 'cache-dir',
    value: 'DIR',
    description:
      'Where to put the file (default: $XDG_CACHE_HOME/neural-style or ~/.cache/neural-style, where the CLI looks for it).',
  },
  { name: 'url', value: 'URL', description: 'Download from this mirror instead (same checksum).' },
  { name: 'quiet', alias: 'q', description: 'No progress; only errors.' },
  { name: 'help', alias: 'h', description: 'Show this help.' },
];

const cliOnly = new Set([...STYLIZE_FLAGS, ...WEIGHTS_FLAGS].map((flag) => flag.name));
const clash = OPTION_FLAGS.find((flag) => cliOnly.has(flag.name) || cliOnly.has(`no-${flag.name}`));
if (clash) throw new Error(`engine option --${clash.name} clashes with a CLI flag of the same name`);

export interface StyleSpec {
  path: string;
  weight?: number;
  /** --mask after this --style. */
  mask?: string;
  /** --style-mask after this --style. */
  styleMask?: string;
}

export type Reporting = 'human' | 'quiet' | 'json' | 'json-quiet';

export interface StylizeCommand {
  kind: 'stylize';
  content: string;
  styles: StyleSpec[];
  out: string;
  options: StyleOptions;
  weights?: string;
  backend: BackendChoice;
  /** From STYLE_ONEDNN: the wasm backend's heavy kernels in oneDNN where its addon is built. */
  oneDnn: boolean;
  initImage?: string;
  snapshots?: string;
  maxInputPixels?: number;
  reporting: Reporting;
}

export interface WeightsCommand {
  kind: 'weights';
  cacheDir?: string;
  url?: string;
  quiet: boolean;
}

export type Command =
  StylizeCommand | WeightsCommand | { kind: 'help'; topic: 'stylize' | 'weights' } | { kind: 'version' };

const usage = (message: string) => new CliError('usage', message);

/** What the user gave, flag by flag; repeated flags keep every value in order. */
type Given = Map<string, string[]>;

/** CLI flags in the order given, for flags that belong to the one before them (--mask after --style). */
type Sequence = { name: string; value: string }[];

/** Parses the arguments after the program name. Throws CliError('usage') with a one-line message. */
export function parseCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Command {
  const [first, ...rest] = argv;
  if (first === 'weights') return weightsCommand(rest);
  const args = first === 'stylize' ? rest : argv;
  const optionValues: Record<string, unknown> = {};
  const sequence: Sequence = [];
  const given = readFlags(args, STYLIZE_FLAGS, optionValues, sequence);
  if (given.has('help')) return { kind: 'help', topic: 'stylize' };
  if (given.has('version')) return { kind: 'version' };
  return stylizeCommand(given, sequence, optionValues, env);
}

function weightsCommand(argv: readonly string[]): Command {
  const given = readFlags(argv, WEIGHTS_FLAGS);
  if (given.has('help')) return { kind: 'help', topic: 'weights' };
  return {
    kind: 'weights',
    cacheDir: last(given, 'cache-dir'),
    url: last(given, 'url'),
    quiet: given.has('quiet'),
  };
}

/**
 * Reads `--name value`, `--name=value`, `-x value`, switches, and (with `optionValues`) the engine
 * option flags including `--no-<boolean>`. Anything else is a usage error.
 */
function readFlags(
  argv: readonly string[],
  cliFlags: readonly CliFlag[],
  optionValues?: Record<string, unknown>,
  sequence: Sequence = [],
): Given {
  const given: Given = new Map();
  const optionFlags = optionValues ? OPTION_FLAGS : [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith('-') || token === '-' || /^-\d/.test(token)) {
      throw usage(
        `unexpected argument "${token}" (images go in --content/--style/--out; commands: stylize, weights)`,
      );
    }
    const equals = token.indexOf('=');
    const written = equals === -1 ? token : token.slice(0, equals);
    const inline = equals === -1 ? undefined : token.slice(equals + 1);
    const name = written.startsWith('--')
      ? written.slice(2)
      : cliFlags.find((flag) => flag.alias && `-${flag.alias}` === written)?.name;
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw usage(`${written} needs a value`);
      i++;
      return next;
    };

    const cliFlag = name === undefined ? undefined : cliFlags.find((flag) => flag.name === name);
    if (cliFlag) {
      if (!cliFlag.value && inline !== undefined) throw usage(`${written} takes no value`);
      const values = given.get(cliFlag.name) ?? [];
      const value = cliFlag.value ? takeValue() : '';
      values.push(value);
      given.set(cliFlag.name, values);
      sequence.push({ name: cliFlag.name, value });
      continue;
    }
    const match = name === undefined ? undefined : findOptionFlag(optionFlags, name);
    if (!match || !optionValues) throw usage(unknownFlagMessage(written, cliFlags, optionFlags));
    try {
      optionValues[match.flag.key] = match.negated
        ? negatedValue(match.flag, written, inline)
        : match.flag.kind.type === 'boolean' && inline === undefined
          ? true
          : convertValue(match.flag, takeValue());
    } catch (error) {
      if (error instanceof FlagValueError) throw usage(error.message);
      throw error;
    }
  }
  return given;
}

function findOptionFlag(
  flags: readonly OptionFlag[],
  name: string,
): { flag: OptionFlag; negated: boolean } | undefined {
  const direct = flags.find((flag) => flag.name === name);
  if (direct) return { flag: direct, negated: false };
  const negated = flags.find((flag) => flag.kind.type === 'boolean' && `no-${flag.name}` === name);
  return negated && { flag: negated, negated: true };
}

function negatedValue(flag: OptionFlag, written: string, inline: string | undefined): boolean {
  if (inline !== undefined) throw usage(`${written} takes no value (use --${flag.name}=${inline})`);
  return false;
}

function unknownFlagMessage(
  written: string,
  cliFlags: readonly CliFlag[],
  optionFlags: readonly OptionFlag[],
): string {
  const candidates = [
    ...cliFlags.map((flag) => flag.name),
    ...optionFlags.flatMap((flag) =>
      flag.kind.type === 'boolean' ? [flag.name, `no-${flag.name}`] : [flag.name],
    ),
  ];
  const typed = written.replace(/^-+/, '');
  const suggestion = closest(typed, candidates);
  return `unknown flag ${written} (${suggestion ? `did you mean --${suggestion}?` : 'see --help'})`;
}

/** The candidate with the smallest edit distance, if it is close enough to be a plausible typo. */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  const normalised = typed.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = Math.min(editDistance(typed, name), editDistance(normalised, name));
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(typed.length / 3)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function last(given: Given, name: string): string | undefined {
  return given.get(name)?.at(-1);
}

function required(given: Given, name: string, placeholder: string): string {
  const value = last(given, name);
  if (value === undefined || value === '') throw usage(`missing --${name} ${placeholder} (see --help)`);
  return value;
}

function stylizeCommand(
  given: Given,
  sequence: Sequence,
  optionValues: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Command {
  const content = required(given, 'content', 'FILE');
  const styles = styleSpecs(sequence);
  if (styles.length === 0) throw usage('missing --style FILE[:WEIGHT] (see --help)');
  const out = required(given, 'out', 'FILE');

  const initImage = last(given, 'init-image');
  if (initImage !== undefined) {
    optionValues.init ??= 'image';
    if (optionValues.init !== 'image') {
      throw usage(`--init-image needs --init image (got --init ${String(optionValues.init)})`);
    }
  }
  const outputFormat = outputFormatFor(out, optionValues.outputFormat);
  const validated = validateOptions({ ...optionValues, outputFormat });
  if (!validated.ok) throw usage(validated.problems.join('; '));
  const options = validated.options;
  if (options.init === 'image' && initImage === undefined)
    throw usage('--init image needs --init-image FILE');

  const snapshots = last(given, 'snapshots');
  if (snapshots !== undefined && options.snapshotEvery === 0) {
    throw usage('--snapshots needs --snapshot-every N (N > 0)');
  }
  if (snapshots === undefined && options.snapshotEvery > 0) {
    throw usage('--snapshot-every needs --snapshots DIR (where to write them)');
  }

  const json = given.has('json');
  const quiet = given.has('quiet');
  return {
    kind: 'stylize',
    content,
    styles,
    out,
    options,
    weights: last(given, 'weights'),
    backend: backendChoice(last(given, 'backend'), env),
    oneDnn: oneDnnChoice(env),
    initImage,
    snapshots,
    maxInputPixels: maxInputPixels(last(given, 'max-input-pixels')),
    reporting: json ? (quiet ? 'json-quiet' : 'json') : quiet ? 'quiet' : 'human',
  };
}

/** Each --style with the --mask and --style-mask that follow it. */
function styleSpecs(sequence: Sequence): StyleSpec[] {
  const styles: StyleSpec[] = [];
  for (const { name, value } of sequence) {
    if (name === 'style') styles.push(parseStyleSpec(value));
    if (name !== 'mask' && name !== 'style-mask') continue;
    const style = styles.at(-1);
    if (!style)
      throw usage(`--${name} ${value} comes before any --style: put it after the style it belongs to`);
    const key = name === 'mask' ? 'mask' : 'styleMask';
    if (style[key] !== undefined)
      throw usage(`--style ${style.path} has two --${name} (${style[key]}, ${value})`);
    style[key] = value;
  }
  return styles;
}

/** `path:weight`, unless the whole argument names an existing file (a colon may belong to the name). */
export function parseStyleSpec(raw: string): StyleSpec {
  const colon = raw.lastIndexOf(':');
  if (colon <= 0 || existsSync(raw)) return { path: raw };
  const weightText = raw.slice(colon + 1);
  if (!/^[\d.eE+-]+$/.test(weightText)) return { path: raw };
  const weight = Number(weightText);
  if (!Number.isFinite(weight) || weight <= 0) {
    throw usage(`--style ${raw}: the blend weight must be a positive number, got "${weightText}"`);
  }
  return { path: raw.slice(0, colon), weight };
}

const OUTPUT_EXTENSIONS = Object.values(OUTPUT_FORMATS).flatMap((format) =>
  format.extensions.map((extension) => `.${extension}`),
);

/** --output-format wins; without it the --out extension decides. A contradiction is an error. */
function outputFormatFor(out: string, flagValue: unknown): unknown {
  const extension = path.extname(out).toLowerCase();
  const inferred = outputFormatOfPath(out);
  // An unknown format name is left to the schema, whose message lists the valid ones.
  if (flagValue !== undefined && !OUTPUT_FORMAT_NAMES.includes(flagValue as OutputFormat)) {
    return flagValue;
  }
  if (flagValue === undefined) {
    if (!inferred) {
      throw usage(
        `cannot tell the output format from "${out}": use a ${OUTPUT_EXTENSIONS.join(', ')} name, or --output-format`,
      );
    }
    return inferred;
  }
  if (extension !== '' && inferred !== flagValue) {
    throw usage(`--out ${out} does not match --output-format ${String(flagValue)}`);
  }
  return flagValue;
}

function backendChoice(flag: string | undefined, env: NodeJS.ProcessEnv): BackendChoice {
  const value = flag ?? env.STYLE_BACKEND ?? 'auto';
  const choice = BACKEND_CHOICES.find((name) => name === value);
  if (!choice) {
    const source = flag === undefined ? 'STYLE_BACKEND' : '--backend';
    throw usage(`${source}: must be one of ${BACKEND_CHOICES.join(', ')}, got "${value}"`);
  }
  return choice;
}

/** The same spellings as the service's boolean variables (packages/infra config). */
function oneDnnChoice(env: NodeJS.ProcessEnv): boolean {
  const choice = env.STYLE_ONEDNN === undefined ? true : parseBoolean(env.STYLE_ONEDNN);
  if (choice !== undefined) return choice;
  throw usage(`STYLE_ONEDNN: must be true or false, got "${env.STYLE_ONEDNN}"`);
}

function maxInputPixels(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw usage(`--max-input-pixels: must be a positive integer, got "${raw}"`);
  }
  return value;
}
