import { BACKEND_CHOICES } from '@neural-style/vocabulary';
import { STYLIZE_FLAGS, WEIGHTS_FLAGS, type CliFlag } from './args.js';
import { EXIT_CODES } from './exit-codes.js';
import { OPTION_FLAGS, type OptionFlag, type ValueKind } from './schema-flags.js';

const WIDTH = 100;
const LEFT_COLUMN = 32;

/** --help text. The engine options come from the schema, so this cannot drift from what is accepted. */
export function helpText(topic: 'stylize' | 'weights'): string {
  return topic === 'weights' ? weightsHelp() : stylizeHelp();
}

function stylizeHelp(): string {
  return [
    'style-transfer: neural style transfer (Gatys, Ecker & Bethge 2016) on TensorFlow.js',
    '',
    'Usage:',
    '  style-transfer [stylize] --content FILE --style FILE[:WEIGHT] [--style FILE[:WEIGHT] ...] --out FILE [options]',
    '  style-transfer weights [--cache-dir DIR]      download the VGG19 weights (see style-transfer weights --help)',
    '  style-transfer --help | --version',
    '',
    'Inputs, output and run:',
    ...STYLIZE_FLAGS.map(cliFlagRow),
    '',
    'Engine options (the engine option schema, the same the HTTP API accepts):',
    ...OPTION_FLAGS.map(optionFlagRow),
    '',
    'Environment:',
    ...rows([
      ['VGG19_WEIGHTS', 'Default for --weights.'],
      ['STYLE_BACKEND', `Default for --backend (${BACKEND_CHOICES.join(', ')}).`],
      ['STYLE_ONEDNN', 'false: the wasm backend keeps XNNPACK for every op instead of the oneDNN kernels.'],
      ['XDG_CACHE_HOME', 'Where `style-transfer weights` caches the weights (default ~/.cache).'],
    ]),
    '',
    'Exit codes:',
    ...rows(Object.values(EXIT_CODES).map(({ code, meaning }) => [String(code), meaning])),
    '',
    'Example:',
    '  style-transfer --content tubingen.jpg --style starry_night.jpg --out out.png --size 256',
    '',
  ].join('\n');
}

function weightsHelp(): string {
  return [
    'style-transfer weights: download the canonical Keras VGG19 file',
    '(vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5, ~80 MB), verify its checksum and cache it.',
    'A verified cached file is reused. Offline, it fails with exit code 4; then download the file by hand',
    'and point VGG19_WEIGHTS (or --weights) at it.',
    '',
    'Usage:',
    '  style-transfer weights [--cache-dir DIR] [--url URL]',
    '',
    ...WEIGHTS_FLAGS.map(cliFlagRow),
    '',
  ].join('\n');
}

function cliFlagRow(flag: CliFlag): string {
  const names = flag.alias ? `-${flag.alias}, --${flag.name}` : `    --${flag.name}`;
  return row(flag.value ? `${names} ${flag.value}` : names, flag.description);
}

function optionFlagRow(flag: OptionFlag): string {
  const names =
    flag.kind.type === 'boolean' ? `    --[no-]${flag.name}` : `    --${flag.name} ${placeholder(flag.kind)}`;
  const details = [range(flag.kind), flag.default === undefined ? '' : `default: ${show(flag.default)}`]
    .filter(Boolean)
    .join('; ');
  return row(names, details ? `${flag.description} (${details})` : flag.description);
}

function placeholder(kind: ValueKind): string {
  switch (kind.type) {
    case 'integer':
      return 'INT';
    case 'number':
      return 'NUM';
    case 'enum':
      return kind.values.join('|');
    case 'boolean':
      return '';
    case 'list':
      return kind.item.type === 'number' ? 'NUM,...' : 'NAME,...';
  }
}

function range(kind: ValueKind): string {
  if (kind.type === 'list' && kind.item.type === 'enum') {
    return `comma-separated, from ${kind.item.values.join(' ')}`;
  }
  if (kind.type === 'list') return 'comma-separated';
  if (kind.type !== 'integer' && kind.type !== 'number') return '';
  const { minimum, exclusiveMinimum } = kind;
  // Zod's int() carries the safe-integer bound, which is no limit anyone needs to read about.
  const maximum =
    kind.maximum !== undefined && kind.maximum < Number.MAX_SAFE_INTEGER ? kind.maximum : undefined;
  if (minimum !== undefined && maximum !== undefined) return `${minimum} to ${maximum}`;
  const low =
    exclusiveMinimum !== undefined
      ? `above ${exclusiveMinimum}`
      : minimum !== undefined
        ? `at least ${minimum}`
        : '';
  return [low, maximum !== undefined ? `at most ${maximum}` : ''].filter(Boolean).join(', ');
}

function show(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

function rows(entries: readonly [string, string][]): string[] {
  return entries.map(([left, text]) => row(left, text));
}

/** Two columns; the description wraps under itself, and starts on its own line after a long flag. */
function row(left: string, text: string): string {
  const indent = ' '.repeat(LEFT_COLUMN + 2);
  const lines = wrap(text, WIDTH - indent.length);
  const head = `  ${left.trimEnd()}`;
  if (head.length < indent.length) {
    return [
      head.padEnd(indent.length) + (lines[0] ?? ''),
      ...lines.slice(1).map((line) => indent + line),
    ].join('\n');
  }
  return [head, ...lines.map((line) => indent + line)].join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
