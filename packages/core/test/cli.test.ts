import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseCommand, type StylizeCommand } from '../src/cli/args.js';
import { OPTION_FLAGS } from '../src/cli/schema-flags.js';
import { StyleOptionsSchema } from '@neural-style/vocabulary';
import { randomVggWeights, writeTfjsWeights } from '../src/testing.js';
import { makeImage } from './fixtures.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(packageRoot, '../..');
const cliSource = path.join(packageRoot, 'src/cli.ts');
const launcher = path.join(packageRoot, 'bin/style-transfer.js');

let scratch: string;
let weightsDir: string;
let content: string;
let style: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'cli-test-'));
  weightsDir = path.join(scratch, 'weights');
  await mkdir(weightsDir);
  await writeTfjsWeights(weightsDir, randomVggWeights({ seed: 5 }));
  content = path.join(scratch, 'content.png');
  style = path.join(scratch, 'style.png');
  await writeFile(content, await makeImage(40, 30, 0));
  await writeFile(style, await makeImage(32, 32, 3));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a user with no weights configured and the light pure-JS backend. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, STYLE_BACKEND: 'cpu', ...extra };
  delete env.VGG19_WEIGHTS;
  env.XDG_CACHE_HOME = path.join(scratch, 'empty-cache');
  return env;
}

/**
 * Runs the CLI from its TypeScript source (not a possibly stale dist/). `onStdoutLine` may act on the
 * child while it runs (send it a signal).
 */
function runCli(
  args: readonly string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    entry?: string[];
    onStdoutLine?: (line: string, kill: () => void) => void;
  } = {},
): Promise<Run> {
  const entry = opts.entry ?? ['--import', 'tsx', '--conditions=source', cliSource];
  const child = spawn(process.execPath, [...entry, ...args], { cwd: repoRoot, env: opts.env ?? childEnv() });
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) opts.onStdoutLine?.(line, () => child.kill('SIGINT'));
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** An expected failure: the exit code of its class and exactly one stderr line. */
function expectFailure(run: Run, code: number, pattern: RegExp): void {
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^style-transfer: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.code, run.stderr).toBe(code);
}

const tiny = ['--size', '32', '--weights'];

describe('style-transfer stylize (child process)', () => {
  it('writes a decodable image in the format of the --out extension, snapshots and a summary', async () => {
    const out = path.join(scratch, 'made/deeper/out.jpg');
    const snapshots = path.join(scratch, 'snapshots');
    const run = await runCli([
      ...[...tiny, weightsDir, '--content', content, '--style', style, '--style', `${style}:0.5`],
      ...['--out', out, '--iterations', '5', '--snapshots', snapshots, '--snapshot-every', '2'],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const written = await sharp(await readFile(out)).metadata();
    expect([written.format, written.width, written.height]).toEqual(['jpeg', 32, 24]);
    expect((await readdir(snapshots)).sort()).toEqual(['2.jpg', '4.jpg']);
    expect((await sharp(path.join(snapshots, '4.jpg')).metadata()).width).toBe(32);
    expect(await readdir(path.dirname(out))).toEqual(['out.jpg']);
    expect(run.stdout).toMatch(
      /^wrote .*out\.jpg \(32x24 jpeg\): 5 iterations on cpu \(no GPU\), [\d.]+ s\/iteration/,
    );
    expect(run.stderr).toMatch(/^iteration 5\/5 \(100%\) {2}.*content .* style .* tv .* total /m);
  });

  it('--json prints parseable progress, snapshot and result lines', async () => {
    const out = path.join(scratch, 'json/out.webp');
    const run = await runCli([
      ...[...tiny, weightsDir, '--content', content, '--style', style, '--out', out, '--json'],
      ...['--iterations', '3', '--snapshots', path.join(scratch, 'json-snaps'), '--snapshot-every', '3'],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });
    expect(events.map((event) => event.type)).toEqual([
      'start',
      'progress',
      'progress',
      'progress',
      'snapshot',
      'result',
    ]);
    expect(events[3]).toMatchObject({ iteration: 3, iterations: 3, losses: { total: expect.any(Number) } });
    expect(events.at(-1)).toMatchObject({ path: out, format: 'webp', width: 32, height: 24, iterations: 3 });
    expect((await sharp(await readFile(out)).metadata()).format).toBe('webp');
  });

  it('SIGINT stops the run with exit 130, writes no output and keeps the snapshots', async () => {
    const out = path.join(scratch, 'interrupted.png');
    const snapshots = path.join(scratch, 'interrupted-snaps');
    let signalled = false;
    const run = await runCli(
      [
        ...[...tiny, weightsDir, '--content', content, '--style', style, '--out', out, '--json'],
        ...['--iterations', '10000', '--snapshots', snapshots, '--snapshot-every', '1'],
      ],
      {
        onStdoutLine: (line, interrupt) => {
          if (!signalled && line.includes('"type":"snapshot","iteration":2')) {
            signalled = true;
            interrupt();
          }
        },
      },
    );
    const lastLine = run.stderr.trimEnd().split('\n').at(-1);
    expect(lastLine).toMatch(
      /^style-transfer: interrupted by SIGINT at iteration \d+\/10000; no output written; last snapshot: .*\.png$/,
    );
    expect(run.code).toBe(130);
    expect(existsSync(out)).toBe(false);
    expect(await readdir(snapshots)).toEqual(expect.arrayContaining(['1.png', '2.png']));
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '')).toMatchObject({
      type: 'error',
      exitCode: 130,
    });
  });
});

describe('style-transfer failures: one stderr line and the exit code of the class', () => {
  const base = () => ['--content', content, '--style', style, '--out', path.join(scratch, 'never.png')];

  it('missing content file: 3', async () => {
    const missing = path.join(scratch, 'nope.jpg');
    const run = await runCli(['--content', missing, '--style', style, '--out', path.join(scratch, 'x.png')]);
    expectFailure(run, 3, new RegExp(`content image not found: ${missing}$`));
  });

  it('a style file that is not an image: 3', async () => {
    const text = path.join(scratch, 'notes.txt');
    await writeFile(text, 'not an image');
    const run = await runCli(['--content', content, '--style', text, '--out', path.join(scratch, 'x.png')]);
    expectFailure(run, 3, /style image .*notes\.txt is not a readable image/);
  });

  it('a mask without the content image’s aspect ratio: 2, naming both images', async () => {
    const mask = path.join(scratch, 'square-mask.png');
    await writeFile(mask, await makeImage(32, 32, 1));
    expectFailure(
      await runCli([...base(), '--mask', mask]),
      2,
      /mask .*square-mask\.png is 32x32 but content image .*content\.png is 40x30: a mask needs its image's aspect ratio$/,
    );
  });

  it('a mask file that is not an image: 3', async () => {
    const text = path.join(scratch, 'mask.txt');
    await writeFile(text, 'not an image');
    expectFailure(
      await runCli([...base(), '--mask', text]),
      3,
      /mask of style image .*mask\.txt is not a readable image/,
    );
  });

  it('an out-of-range option value: 2, naming the flag', async () => {
    expectFailure(await runCli([...base(), '--size', '5000']), 2, /--size: must be at most 4096$/);
  });

  it('an unknown flag: 2, with the closest flag suggested', async () => {
    expectFailure(
      await runCli([...base(), '--style-wieght', '1e4']),
      2,
      /unknown flag --style-wieght \(did you mean --style-weight\?\)$/,
    );
  });

  it('no weights configured: 4, saying how to get them', async () => {
    expectFailure(await runCli(base()), 4, /VGG19 weights .*`style-transfer weights`.*VGG19_WEIGHTS/);
  });

  it('`weights` with the download host unreachable: 4, download failure line', async () => {
    const port = await closedPort();
    const run = await runCli([
      'weights',
      '--cache-dir',
      path.join(scratch, 'weights-cache'),
      '--url',
      `http://127.0.0.1:${port}/vgg19.h5`,
    ]);
    expectFailure(run, 4, /VGG19 weights download failed: could not reach 127\.0\.0\.1:\d+ .*ECONNREFUSED/);
    expect(await readdir(path.join(scratch, 'weights-cache'))).toEqual([]);
  });

  it('the bin launcher runs the CLI and forwards its exit code', async () => {
    const run = await runCli([...base(), '--output-format', 'jpeg'], { entry: [launcher] });
    expectFailure(run, 2, /--out .*never\.png does not match --output-format jpeg$/);
  });
});

describe('style-transfer --help', () => {
  it('lists every engine option of the schema with its default', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    const schemaKeys = Object.keys(StyleOptionsSchema.shape);
    expect(schemaKeys.length).toBeGreaterThan(15);
    for (const key of schemaKeys) {
      const flag = key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
      expect(run.stdout).toMatch(new RegExp(`--(\\[no-\\])?${flag}\\b`));
    }
    expect(run.stdout).toContain('(16 to 4096; default: 512)');
    expect(run.stdout).toMatch(/--optimizer lbfgs\|adam/);
  });
});

describe('argument parsing (in process)', () => {
  const stylize = (...args: string[]): StylizeCommand => {
    const command = parseCommand(['--content', 'c.png', '--style', 's.png', ...args], {});
    if (command.kind !== 'stylize') throw new Error(`expected stylize, got ${command.kind}`);
    return command;
  };

  it('derives one flag per schema option', () => {
    expect(OPTION_FLAGS.map((flag) => flag.key).sort()).toEqual(Object.keys(StyleOptionsSchema.shape).sort());
  });

  it('parses numbers, enums, booleans, lists and style weights into validated options', () => {
    const command = stylize(
      ...['--style', 'b.jpg:0.25', '--out', 'o.png', '--style-weight', '1e4', '--optimizer', 'adam'],
      ...[
        '--multiscale',
        '--no-multiscale',
        '--style-layers',
        'conv1_1,conv2_1',
        '--style-layer-weights=0.3,0.7',
      ],
      ...['--init-image', 'i.png'],
    );
    expect(command.styles).toEqual([{ path: 's.png' }, { path: 'b.jpg', weight: 0.25 }]);
    expect(command.options).toMatchObject({
      styleWeight: 1e4,
      optimizer: 'adam',
      multiscale: false,
      styleLayers: ['conv1_1', 'conv2_1'],
      styleLayerWeights: [0.3, 0.7],
      init: 'image',
      outputFormat: 'png',
      size: 512,
    });
    expect(command.backend).toBe('auto');
  });

  it('infers the output format from the extension, and the flag agrees or it is an error', () => {
    expect(stylize('--out', 'a.JPEG').options.outputFormat).toBe('jpeg');
    expect(stylize('--out', 'a', '--output-format', 'webp').options.outputFormat).toBe('webp');
    expect(() => stylize('--out', 'a.tiff')).toThrow(/cannot tell the output format/);
    expect(() => stylize('--out', 'a.webp', '--output-format', 'png')).toThrow(/does not match/);
  });

  it('gives each --style the --mask and --style-mask that follow it', () => {
    const command = parseCommand(
      [
        '--content',
        'c.png',
        '--style',
        'a.jpg:2',
        '--mask',
        'sky.png',
        '--style',
        'b.jpg',
        '--style-mask',
        'part.png',
      ].concat(['--style', 'c.jpg', '--mask', 'ground.png', '--out', 'o.png']),
      {},
    ) as StylizeCommand;
    expect(command.styles).toEqual([
      { path: 'a.jpg', weight: 2, mask: 'sky.png' },
      { path: 'b.jpg', styleMask: 'part.png' },
      { path: 'c.jpg', mask: 'ground.png' },
    ]);
    expect(() =>
      parseCommand(['--content', 'c', '--mask', 'm.png', '--style', 's', '--out', 'o.png'], {}),
    ).toThrow(/--mask m\.png comes before any --style/);
    expect(() =>
      parseCommand(
        ['--content', 'c', '--style', 's', '--mask', 'm.png', '--mask', 'n.png', '--out', 'o.png'],
        {},
      ),
    ).toThrow(/--style s has two --mask/);
  });

  it('rejects inconsistent combinations with one-line usage errors', () => {
    expect(() => stylize('--out', 'o.png', '--snapshot-every', '5')).toThrow(/--snapshots DIR/);
    expect(() => stylize('--out', 'o.png', '--init', 'image')).toThrow(/--init-image FILE/);
    expect(() => stylize('--out', 'o.png', '--seed', 'abc')).toThrow(/--seed: expected a number, got "abc"/);
    expect(() => stylize('--out', 'o.png', '--style-layers', 'conv9_9')).toThrow(
      /--style-layers: item 1 must be one of/,
    );
    expect(() => stylize('--out', 'o.png', '--backend', 'gpu')).toThrow(/--backend: must be one of/);
    expect(() => parseCommand(['--content', 'c.png', '--out', 'o.png'], {})).toThrow(/missing --style/);
  });

  it('takes the backend from STYLE_BACKEND unless --backend is given', () => {
    const withEnv = parseCommand(['--content', 'c', '--style', 's', '--out', 'o.png'], {
      STYLE_BACKEND: 'wasm',
    });
    expect(withEnv).toMatchObject({ backend: 'wasm' });
    expect(() =>
      parseCommand(['--content', 'c', '--style', 's', '--out', 'o.png'], { STYLE_BACKEND: 'x' }),
    ).toThrow(/STYLE_BACKEND: must be one of/);
  });

  it('takes the oneDNN switch from STYLE_ONEDNN', () => {
    const parse = (value: string) =>
      parseCommand(['--content', 'c', '--style', 's', '--out', 'o.png'], { STYLE_ONEDNN: value });
    expect(parseCommand(['--content', 'c', '--style', 's', '--out', 'o.png'], {})).toMatchObject({
      oneDnn: true,
    });
    expect(parse('false')).toMatchObject({ oneDnn: false });
    expect(parse('1')).toMatchObject({ oneDnn: true });
    expect(() => parse('maybe')).toThrow(/STYLE_ONEDNN: must be true or false, got "maybe"/);
  });
});

/** A localhost port with nothing listening: connections are refused at once, without the internet. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
