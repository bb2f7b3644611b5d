import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rgbToYiq } from '../src/color.js';
import { createEngine, type Engine } from '../src/engine.js';
import type { ProgressEvent, StylizeInputs } from '../src/types.js';
import { decodeImage } from '../src/image.js';
import type { StyleOptionsInput } from '@neural-style/vocabulary';
import { randomVggWeights } from '../src/testing.js';
import { expectStyleError, makeImage } from './fixtures.js';

let engine: Engine;
let inputs: StylizeInputs;

beforeAll(async () => {
  engine = await createEngine({ weights: randomVggWeights({ seed: 5 }), backend: 'wasm' });
  inputs = {
    content: await makeImage(40, 30, 0),
    styles: [{ image: await makeImage(32, 32, 3) }],
  };
});

afterAll(() => engine.dispose());

const small: StyleOptionsInput = {
  size: 32,
  iterations: 30,
  styleWeight: 1e4,
  contentWeight: 1,
  tvWeight: 0,
};

async function run(options: StyleOptionsInput, extra: Partial<StylizeInputs> = {}) {
  const events: ProgressEvent[] = [];
  const result = await engine.stylize({ ...inputs, ...extra }, options, {
    onProgress: (e) => void events.push(e),
  });
  return { result, events, totals: events.map((e) => e.losses.total) };
}

describe.each(['lbfgs', 'adam'] as const)('%s on a tiny random VGG', (optimizer) => {
  it('reduces the loss by a large factor and repeats exactly with the same seed', async () => {
    const options = { ...small, optimizer, init: 'noise' as const, seed: 7 };
    const first = await run(options);
    expect(first.events).toHaveLength(30);
    expect(first.events.map((e) => e.iteration)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const ratio = first.totals[0]! / first.totals.at(-1)!;
    expect(ratio).toBeGreaterThan(optimizer === 'lbfgs' ? 20 : 5);
    if (optimizer === 'lbfgs') {
      // Overshooting unit steps are rejected, so L-BFGS never reports a loss above the previous one.
      first.totals.slice(1).forEach((total, i) => expect(total).toBeLessThanOrEqual(first.totals[i]!));
    }
    expect(first.result.width).toBe(32);
    expect(first.result.height).toBe(24);
    expect(first.result.backend.name).toBe('wasm');

    const second = await run(options);
    expect(second.totals).toEqual(first.totals);
    expect(Buffer.from(second.result.image).equals(Buffer.from(first.result.image))).toBe(true);
  });
});

describe('stylize', () => {
  it('returns the backend to its tensor count after a run', async () => {
    const before = tf.memory().numTensors;
    await run({ ...small, iterations: 5, snapshotEvery: 2, preserveColors: 'histogram' });
    await run({ ...small, iterations: 5, optimizer: 'adam', multiscale: true, multiscaleMinSize: 24 });
    await run({ ...small, iterations: 5, lineSearch: 'strongWolfe' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops within one iteration of an abort and cleans up', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const seen: number[] = [];
    const promise = engine.stylize(
      inputs,
      { ...small, iterations: 100 },
      {
        signal: controller.signal,
        onProgress: (event) => {
          seen.push(event.iteration);
          if (event.iteration === 3) controller.abort();
        },
      },
    );
    await expectStyleError(promise, 'ABORTED', /canceled/);
    expect(seen).toEqual([1, 2, 3]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('delivers decodable snapshots every N iterations', async () => {
    const snapshots: { iteration: number; width: number; height: number }[] = [];
    await engine.stylize(
      inputs,
      { ...small, iterations: 7, snapshotEvery: 3, outputFormat: 'jpeg' },
      {
        onSnapshot: async (snapshot) => {
          const meta = await sharp(snapshot.image).metadata();
          expect(meta.format).toBe('jpeg');
          snapshots.push({ iteration: snapshot.iteration, width: meta.width!, height: meta.height! });
        },
      },
    );
    expect(snapshots).toEqual([
      { iteration: 3, width: 32, height: 24 },
      { iteration: 6, width: 32, height: 24 },
    ]);
  });

  it('runs multiscale passes coarse to fine with iterations falling 3× per pass', async () => {
    const { events, result } = await run({
      ...small,
      size: 128,
      iterations: 6,
      multiscale: true,
      multiscaleMinSize: 32,
    });
    const passes = [...new Map(events.map((e) => [e.pass.index, e.pass])).values()];
    expect(passes.map((p) => [p.width, p.height])).toEqual([
      [32, 24],
      [64, 48],
      [128, 96],
    ]);
    expect(events.filter((e) => e.pass.index === 0)).toHaveLength(6);
    expect(events.filter((e) => e.pass.index === 1)).toHaveLength(2);
    expect(events.filter((e) => e.pass.index === 2)).toHaveLength(1);
    expect(events.at(-1)!.iteration).toBe(9);
    expect(events.every((e) => e.iterations === 9)).toBe(true);
    expect([result.width, result.height]).toEqual([128, 96]);
  });

  it('resumes from a snapshot instead of starting over', async () => {
    let snapshot: Uint8Array | undefined;
    const full = await engine.stylize(
      inputs,
      { ...small, iterations: 10, snapshotEvery: 5, outputFormat: 'png' },
      {
        onSnapshot: (s) => {
          if (s.iteration === 5) snapshot = s.image;
        },
      },
    );
    const events: ProgressEvent[] = [];
    const resumed = await engine.stylize(
      inputs,
      { ...small, iterations: 10 },
      {
        resume: { iteration: 5, image: snapshot! },
        onProgress: (e) => void events.push(e),
      },
    );
    expect(events.map((e) => e.iteration)).toEqual([6, 7, 8, 9, 10]);
    // It starts from the snapshot, whose loss is far below a fresh start from the content image.
    const fresh = await run({ ...small, iterations: 1 });
    expect(events[0]!.losses.total).toBeLessThan(fresh.totals[0]! / 2);
    expect(resumed.iterations).toBe(full.iterations);
  });

  it('keeps the content colours with luminance-only transfer', async () => {
    const { result } = await run({ ...small, iterations: 10, preserveColors: 'luminance' });
    const output = rgbToYiq(await decodeImage(result.image));
    const content = rgbToYiq(await decodeImage(inputs.content, { longSide: 32 }));
    let chromaError = 0;
    let lumaChange = 0;
    for (let i = 0; i < output.data.length; i += 3) {
      chromaError +=
        Math.abs(output.data[i + 1]! - content.data[i + 1]!) +
        Math.abs(output.data[i + 2]! - content.data[i + 2]!);
      lumaChange += Math.abs(output.data[i]! - content.data[i]!);
    }
    const pixels = output.data.length / 3;
    // Only PNG rounding and clipping to 0..255 touch the chroma; the luminance was restyled.
    expect(chromaError / (2 * pixels)).toBeLessThan(1);
    expect(lumaChange / pixels).toBeGreaterThan(2);
  });

  it('blends several styles and honours style scale and init choices', async () => {
    const second = await makeImage(24, 40, 5);
    const blended = await run(
      { ...small, size: 48, iterations: 3, styleScale: 0.75, init: 'style' },
      {
        styles: [
          { image: inputs.styles[0]!.image, weight: 3 },
          { image: second, weight: 1 },
        ],
      },
    );
    expect(blended.events).toHaveLength(3);
    const fromImage = await run({ ...small, iterations: 2, init: 'image' }, { initImage: second });
    expect(fromImage.events).toHaveLength(2);
  });

  it('rejects bad options and inputs with clear errors', async () => {
    await expectStyleError(engine.stylize(inputs, { size: 5 }), 'INVALID_OPTIONS', /size: .*16/);
    await expectStyleError(
      engine.stylize(inputs, { ...small, size: 20 }),
      'INVALID_OPTIONS',
      /20x15.*conv5_1.*16 px/,
    );
    await expectStyleError(
      engine.stylize(inputs, { colour: 'red' } as StyleOptionsInput),
      'INVALID_OPTIONS',
      /colour/,
    );
    await expectStyleError(
      engine.stylize(inputs, { ...small, init: 'image' }),
      'INVALID_OPTIONS',
      /init image/,
    );
    await expectStyleError(
      engine.stylize({ ...inputs, styles: [] }, small),
      'INVALID_OPTIONS',
      /style image/,
    );
    await expectStyleError(
      engine.stylize({ ...inputs, content: new Uint8Array([1, 2, 3]) }, small),
      'IMAGE_INVALID',
      /content image/,
    );
  });

  it('refuses layers the loaded network does not have', async () => {
    const truncated = await createEngine({
      weights: randomVggWeights({ seed: 5 }).slice(0, 12),
      backend: 'wasm',
    });
    try {
      await expectStyleError(
        truncated.stylize(inputs, small),
        'INVALID_OPTIONS',
        /conv5_1 is not in the loaded VGG19.*conv4_4/,
      );
    } finally {
      truncated.dispose();
    }
  });

  it('stops with NON_FINITE_LOSS instead of writing a broken image', async () => {
    const weights = randomVggWeights({ seed: 5 });
    weights[3]!.kernel[0] = Number.NaN;
    const broken = await createEngine({ weights, backend: 'wasm' });
    try {
      await expectStyleError(broken.stylize(inputs, small), 'NON_FINITE_LOSS', /non-finite/);
    } finally {
      broken.dispose();
    }
  });
});
