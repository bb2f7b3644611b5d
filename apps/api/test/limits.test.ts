import { describe, expect, it } from 'vitest';
import {
  planJob,
  planningLimits,
  resolveOptions,
  type Size,
  type StyleOptions,
} from '@neural-style/vocabulary';
import { preferredWaitSeconds } from '../src/prefer.js';
import { assertImagesLargeEnough, jobCost } from '../src/job-limits.js';

describe('Prefer: wait (RFC 7240)', () => {
  it.each([
    ['wait=10', 10],
    ['WAIT = 10', 10],
    ['wait="10"', 10],
    ['respond-async, wait=5', 5],
    ['wait=5; foo=bar', 5],
    ['wait=100', 60],
  ])('%s → %s', (header, seconds) => {
    expect(preferredWaitSeconds(header, 60)).toBe(seconds);
  });

  it.each([
    'wait=1e3',
    'wait=-1',
    'wait=1.5',
    'wait=',
    'wait',
    'handling=lenient; wait=10',
    'waiting=10',
    '',
  ])('%s is ignored', (header) => {
    expect(preferredWaitSeconds(header, 60)).toBeUndefined();
  });

  it('the first wait decides', () => {
    expect(preferredWaitSeconds('wait=abc, wait=10', 60)).toBeUndefined();
  });
});

const planOf = (options: StyleOptions, content: Size, styles: Size[] = [content]) =>
  planJob(options, { content, styles }, planningLimits('wasm', Infinity, 'no budget'));

describe('job cost', () => {
  it('is output pixels × iterations over every pass, in millions', () => {
    expect(jobCost(planOf(resolveOptions({ size: 400, iterations: 500 }), { width: 400, height: 300 }))).toBe(
      60,
    );
    // Multiscale 256 → 512: 256x192 × 100 + 512x384 × 33.
    const multiscale = resolveOptions({
      size: 512,
      iterations: 100,
      multiscale: true,
      multiscaleMinSize: 256,
    });
    expect(jobCost(planOf(multiscale, { width: 800, height: 600 }))).toBeCloseTo(
      (256 * 192 * 100 + 512 * 384 * 33) / 1e6,
    );
  });
});

describe('images large enough for the requested layers', () => {
  const wide = { width: 64, height: 48 };
  it('refuses the pass where the content is too small, and a style too small at its scale', () => {
    const check =
      (options: StyleOptions, styles: Size[] = [wide]) =>
      () =>
        assertImagesLargeEnough(options, planOf(options, wide, styles), styles);
    expect(check(resolveOptions({ size: 16 }))).toThrow(/16x12/);
    expect(check(resolveOptions({ size: 22 }))).not.toThrow();
    expect(check(resolveOptions({ size: 64 }), [{ width: 200, height: 10 }])).toThrow(
      /style image 1 is 64x3/,
    );
    expect(
      check(resolveOptions({ size: 16, styleLayers: ['conv1_1'], contentLayers: ['conv4_2'] })),
    ).not.toThrow();
  });
});
