import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { createEngine } from '../src/engine.js';
import { decodeImage, type RgbImage } from '../src/image.js';
import { computeTargets, disposeTargets, lossTerms, styleObjective } from '../src/losses/objective.js';
import { Lbfgs } from '../src/optim/lbfgs.js';
import type { Objective } from '../src/optim/optimizer.js';
import { randomVggWeights } from '../src/testing.js';
import { maskTensor, sizeMask, type Mask } from '../src/masks.js';
import {
  disposeStyleTerms,
  tiledObjective,
  tiledStyleGram,
  tiledStyleTerms,
  tileGrid,
} from '../src/tiles.js';
import { Vgg19 } from '../src/vgg19/network.js';
import { preprocess } from '../src/vgg19/preprocess.js';
import {
  ESTIMATE_MARGIN,
  estimatePassMemory,
  planJob,
  planningLimits,
  resolveOptions,
  type StyleOptionsInput,
} from '@neural-style/vocabulary';
import { halfMask, makeImage, paperLayers, testLossWeights } from './fixtures.js';

let network: Vgg19;
let content: RgbImage;
let style: RgbImage;
const layout = { core: 48, margin: 16 };

beforeAll(async () => {
  await selectBackend('wasm');
  network = new Vgg19(randomVggWeights({ seed: 3 }));
  content = await decodeImage(await makeImage(112, 80, 0));
  style = await decodeImage(await makeImage(96, 96, 3));
});

afterAll(() => network.dispose());

const toTensor = (image: RgbImage) =>
  tf.tidy(() => preprocess(tf.tensor3d(image.data, [image.height, image.width, 3])));

describe('tileGrid', () => {
  it('cuts cores that partition the image, with weights that sum to 1 at every pixel', () => {
    const tiles = tileGrid(content, layout);
    expect(tiles).toHaveLength(3 * 2);
    const sums = new Float64Array(content.width * content.height);
    const owners = new Uint8Array(content.width * content.height);
    for (const { crop, core, rowWeights, columnWeights } of tiles) {
      expect(crop.x % 16).toBe(0);
      for (let j = 0; j < crop.height; j++) {
        for (let i = 0; i < crop.width; i++) {
          sums[(crop.y + j) * content.width + crop.x + i]! += rowWeights[j]! * columnWeights[i]!;
        }
      }
      for (let y = core.y; y < core.y + core.height; y++) {
        for (let x = core.x; x < core.x + core.width; x++) owners[y * content.width + x]! += 1;
      }
    }
    sums.forEach((sum) => expect(sum).toBeCloseTo(1, 5));
    expect(owners.every((count) => count === 1)).toBe(true);
  });

  it('fades a tile out across its core boundary, never at its crop edge', () => {
    const [first] = tileGrid(content, layout);
    const row = Array.from(first!.columnWeights);
    expect(first!.rowWeights[0]).toBe(1);
    // Full weight inside the core, half at the boundary (x = 48), none in the outer half of the margin.
    expect(row[30]).toBe(1);
    expect(row[47]! + row[48]!).toBeCloseTo(1, 5);
    expect(row.slice(56)).toEqual(row.slice(56).map(() => 0));
  });
});

/** 1 on the left `fraction` of the image (or on the right), soft for one column at the boundary. */
function sideMask(image: { width: number; height: number }, side: 'left' | 'right', fraction = 0.5): Mask {
  const data = new Float32Array(image.width * image.height);
  const edge = image.width * fraction;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const left = Math.min(1, Math.max(0, edge - x));
      data[y * image.width + x] = side === 'left' ? left : 1 - left;
    }
  }
  return { data, width: image.width, height: image.height };
}

describe('tiled style Grams', () => {
  it('equal the whole style image Gram, masked or not, up to border effects', () => {
    const styleMask = sideMask(style, 'left', 0.3);
    const input = toTensor(style);
    const styleMaskTensor = maskTensor(styleMask);
    const whole = computeTargets(network, input, [{ image: input, weight: 1 }], paperLayers, 'avg');
    // A second, masked style makes computeTargets give each style its own (masked) term.
    const masked = computeTargets(
      network,
      input,
      [
        { image: input, weight: 1, styleMask: styleMaskTensor },
        { image: input, weight: 1, mask: tf.onesLike(input).slice([0, 0, 0, 0], [1, -1, -1, 1]) },
      ],
      paperLayers,
      'avg',
    );
    for (const [targets, mask] of [
      [whole, undefined],
      [masked, styleMask],
    ] as const) {
      const grams = tiledStyleGram(network, style, layout, paperLayers.style, 'avg', mask);
      for (const layer of ['conv1_1', 'conv2_1', 'conv3_1']) {
        const target = targets.style[0]!.layers.get(layer)!;
        if (!('gram' in target)) throw new Error('expected a Gram target');
        const [difference, scale] = tf.tidy(() => [
          tf.norm(tf.sub(grams.get(layer)!, target.gram)).dataSync()[0]!,
          tf.norm(target.gram).dataSync()[0]!,
        ]);
        expect(difference / scale).toBeLessThan(0.05);
      }
      tf.dispose([...grams.values()]);
    }
    // The masked Gram is another statistic than the whole image's.
    const [first, second] = [whole, masked].map((t) => t.style[0]!.layers.get('conv1_1')!);
    if (!first || !second || !('gram' in first) || !('gram' in second)) throw new Error('expected Grams');
    expect(tf.tidy(() => tf.norm(tf.sub(first.gram, second.gram)).dataSync()[0]!)).toBeGreaterThan(
      0.05 * tf.tidy(() => tf.norm(first.gram).dataSync()[0]!),
    );
    tf.dispose([input, styleMaskTensor]);
    disposeTargets(whole);
    disposeTargets(masked);
  });
});

describe('a tiled pass', () => {
  /** Runs L-BFGS from the content image and returns the final image (preprocessed). */
  function optimise(objective: Objective, iterations: number): tf.Tensor4D {
    const start = toTensor(content);
    const lbfgs = new Lbfgs(start, objective, { historySize: 10, lineSearch: 'none' });
    start.dispose();
    for (let i = 0; i < iterations; i++) lbfgs.step(iterations - i);
    const image = tf.clone(lbfgs.x) as tf.Tensor4D;
    lbfgs.dispose();
    return image;
  }

  it(
    'reaches the untiled loss within a few percent, with no step at the seams, and leaves no tensor',
    { timeout: 300_000 },
    () => {
      const before = tf.memory().numTensors;
      const contentTensor = toTensor(content);
      const styleTensor = toTensor(style);
      const targets = computeTargets(
        network,
        contentTensor,
        [{ image: styleTensor, weight: 1 }],
        paperLayers,
        'avg',
      );
      const untiledObjective = styleObjective(network, targets, testLossWeights, 'avg');
      const tiles = tileGrid(content, layout);
      const terms = tiledStyleTerms(network, [{ image: style, weight: 1 }], layout, paperLayers.style, 'avg');
      const tiled = tiledObjective(
        network,
        content,
        tiles,
        { image: content, layers: paperLayers.content },
        terms,
        testLossWeights,
        'avg',
      );
      const untiledLoss = (image: tf.Tensor4D) =>
        tf.tidy(() => lossTerms(network, image, targets, testLossWeights, 'avg').dataSync()[3]!);

      const start = untiledLoss(contentTensor);
      const reference = optimise(untiledObjective, 20);
      const result = optimise(tiled, 20);
      const [referenceLoss, tiledLoss] = [untiledLoss(reference), untiledLoss(result)];
      expect(referenceLoss).toBeLessThan(start / 3);
      // The tiles' content features see zero padding at their crop edges: with 16-px margins on an 80-px
      // image (2 features at conv4_2) that costs a few % of the content term; style and TV match exactly.
      expect(Math.abs(tiledLoss - referenceLoss) / referenceLoss).toBeLessThan(0.1);

      // Seams: the image's horizontal steps across core boundaries are like its steps elsewhere.
      const pixels = result.dataSync();
      const step = (x: number) => {
        let sum = 0;
        for (let y = 0; y < content.height; y++) {
          for (let c = 0; c < 3; c++) {
            const at = (y * content.width + x) * 3 + c;
            sum += Math.abs(pixels[at + 3]! - pixels[at]!);
          }
        }
        return sum;
      };
      const all = Array.from({ length: content.width - 1 }, (_, x) => step(x));
      const mean = all.reduce((a, b) => a + b, 0) / all.length;
      for (const boundary of [47, 95]) expect(all[boundary]! / mean).toBeLessThan(1.5);

      tf.dispose([contentTensor, styleTensor, reference, result]);
      disposeStyleTerms(terms);
      disposeTargets(targets);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('with masks, matches the untiled masked loss and gradient, and leaves no tensor', () => {
    const before = tf.memory().numTensors;
    const contentTensor = toTensor(content);
    const styleTensor = toTensor(style);
    const styles = [
      { image: style, weight: 2, mask: sideMask(content, 'left'), styleMask: sideMask(style, 'right', 0.4) },
      { image: content, weight: 1, mask: sideMask(content, 'right') },
    ];
    const sources = styles.map((s, i) => ({
      image: i === 0 ? styleTensor : contentTensor,
      weight: s.weight,
      mask: maskTensor(sizeMask(s.mask, content)),
      ...(s.styleMask ? { styleMask: maskTensor(sizeMask(s.styleMask, style)) } : {}),
    }));
    const targets = computeTargets(network, contentTensor, sources, paperLayers, 'avg');
    const untiled = styleObjective(network, targets, testLossWeights, 'avg');
    const terms = tiledStyleTerms(network, styles, layout, paperLayers.style, 'avg');
    expect(terms.map((term) => term.weight)).toEqual([2 / 3, 1 / 3]);
    const tiled = tiledObjective(
      network,
      content,
      tileGrid(content, layout),
      { image: content, layers: paperLayers.content },
      terms,
      testLossWeights,
      'avg',
    );
    // A point away from the content image, where every term and its gradient are far from 0.
    const x = tf.tidy(() => tf.add(contentTensor, tf.randomNormal(contentTensor.shape, 0, 20, 'float32', 7)));
    const [reference, result] = [untiled(x), tiled(x)];
    const [referenceLosses, resultLosses] = [reference.losses.dataSync(), result.losses.dataSync()];
    // Style and TV: exact up to zero padding at the crop edges; content as in the test above.
    expect(Math.abs(resultLosses[1]! - referenceLosses[1]!) / referenceLosses[1]!).toBeLessThan(0.05);
    expect(resultLosses[2]!).toBeCloseTo(referenceLosses[2]!, 1);
    const cosine = tf.tidy(
      () =>
        tf.sum(tf.mul(reference.grad, result.grad)).dataSync()[0]! /
        (tf.norm(reference.grad).dataSync()[0]! * tf.norm(result.grad).dataSync()[0]!),
    );
    expect(cosine).toBeGreaterThan(0.99);
    tf.dispose([x, reference.grad, reference.losses, result.grad, result.losses, contentTensor, styleTensor]);
    tf.dispose(sources.flatMap((s) => [s.mask, ...(s.styleMask ? [s.styleMask] : [])]));
    disposeStyleTerms(terms);
    disposeTargets(targets);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the engine', () => {
  it(
    'runs a pass in tiles when the budget says so, masks and all, and leaves no tensor behind',
    { timeout: 300_000 },
    async () => {
      // Adam: with L-BFGS the plan would first shorten the history rather than tile.
      const options: StyleOptionsInput = { size: 320, iterations: 4, tvWeight: 0, optimizer: 'adam' };
      const resolved = resolveOptions(options);
      const widths = [4, 6, 8, 8, 8];
      const image = { width: 320, height: 240 };
      // Two masked styles, each at the pass's style size.
      const styles = [
        { width: 320, height: 320 },
        { width: 320, height: 320 },
      ];
      const untiled = estimatePassMemory(
        resolved,
        { image, styles, tile: image, tileCount: 1, lbfgsHistory: 4, maskedStyles: 2 },
        { widths },
      );
      // Just too small for the untiled pass once the planner's margin is set aside.
      const budget = (untiled.totalBytes - 1) / (1 - ESTIMATE_MARGIN);
      const engine = await createEngine({
        weights: randomVggWeights({ seed: 5, widths }),
        backend: 'wasm',
        memoryBudget: { bytes: budget, name: 'the test budget' },
      });
      const contentBytes = await makeImage(320, 240, 0);
      const styleBytes = await makeImage(128, 128, 3);
      const plan = planJob(
        resolved,
        { content: image, styles: [128, 128].map((side) => ({ width: side, height: side })), masks: 2 },
        planningLimits('wasm', budget, 'budget', { widths }),
        { widths },
      );
      expect(plan.passes[0]!.tiles).toBeDefined();
      const before = tf.memory().numTensors;
      const totals: number[] = [];
      const result = await engine.stylize(
        {
          content: contentBytes,
          styles: [
            { image: styleBytes, mask: await halfMask(320, 240, 'left') },
            { image: await makeImage(128, 128, 5), mask: await halfMask(160, 120, 'right') },
          ],
        },
        options,
        {
          onProgress: (event) => void totals.push(event.losses.total),
        },
      );
      expect(result.plan.passes[0]!.tiles).toEqual(plan.passes[0]!.tiles);
      expect([result.width, result.height]).toEqual([320, 240]);
      expect(totals.at(-1)!).toBeLessThan(totals[0]!);
      expect(tf.memory().numTensors).toBe(before);
      engine.dispose();
    },
  );
});
