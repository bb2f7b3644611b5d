import { describe, expect, it } from 'vitest';
import {
  colorStatistics,
  combineLuminanceWithChroma,
  matchColorHistogram,
  rgbToYiq,
  symmetricPower,
  toLuminanceImage,
  yiqToRgb,
} from '../src/color.js';
import type { RgbImage } from '../src/image.js';

/** Seeded pseudo-random image with correlated channels (full-rank colour covariance). */
function randomImage(seed: number, width: number, height: number, mix: number[]): RgbImage {
  let state = seed;
  const next = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const [a, b, c] = [next(), next(), next()];
    for (let ch = 0; ch < 3; ch++) {
      const value = 255 * (mix[3 * ch]! * a + mix[3 * ch + 1]! * b + mix[3 * ch + 2]! * c);
      data[3 * i + ch] = Math.min(255, Math.max(0, value));
    }
  }
  return { data, width, height };
}

const content = randomImage(1, 40, 30, [0.7, 0.2, 0.1, 0.3, 0.5, 0.1, 0.1, 0.1, 0.3]);
const style = randomImage(2, 25, 20, [0.2, 0.1, 0.6, 0.1, 0.8, 0.1, 0.5, 0.3, 0.2]);

function image(pixels: number[][]): RgbImage {
  return { data: Float32Array.from(pixels.flat()), width: pixels.length, height: 1 };
}

function channel(img: RgbImage, index: number): number[] {
  return Array.from(img.data.filter((_, i) => i % 3 === index));
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    expect(
      Math.abs(actual[i]! - expected[i]!),
      `index ${i}: ${actual[i]} vs ${expected[i]}`,
    ).toBeLessThanOrEqual(tolerance);
  }
}

function meanAndStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

describe('YIQ', () => {
  it('computes Y, I, Q of known pixels', () => {
    const yiq = rgbToYiq(
      image([
        [255, 0, 0],
        [255, 255, 255],
        [10, 20, 30],
      ]),
    );
    expectClose(yiq.data.subarray(0, 3), [76.245, 151.90758, 53.92128], 1e-3);
    // White has no chroma.
    expectClose(yiq.data.subarray(3, 6), [255, 0, 0], 1e-3);
    // Y = 0.299·10 + 0.587·20 + 0.114·30
    expect(yiq.data[6]).toBeCloseTo(18.15, 4);
  });

  it('round-trips RGB → YIQ → RGB to float precision', () => {
    const back = yiqToRgb(rgbToYiq(content));
    expectClose(back.data, content.data, 1e-3);
    expect([back.width, back.height]).toEqual([content.width, content.height]);
  });
});

describe('luminance-only transfer', () => {
  it('puts Y in all three channels', () => {
    const gray = toLuminanceImage(
      image([
        [255, 0, 0],
        [10, 20, 30],
      ]),
    );
    expectClose(gray.data, [76.245, 76.245, 76.245, 18.15, 18.15, 18.15], 1e-3);
  });

  it("matches the style luminance's mean and std to the content's", () => {
    const matched = toLuminanceImage(style, content);
    const target = meanAndStd(channel(rgbToYiq(content), 0));
    const source = meanAndStd(channel(rgbToYiq(style), 0));
    expect(Math.abs(source.mean - target.mean)).toBeGreaterThan(5);
    const result = meanAndStd(channel(matched, 0));
    expect(result.mean).toBeCloseTo(target.mean, 3);
    expect(result.std).toBeCloseTo(target.std, 3);
    expect(channel(matched, 1)).toEqual(channel(matched, 0));
    expect(channel(matched, 2)).toEqual(channel(matched, 0));
  });

  it("gives a flat image the reference's mean luminance", () => {
    const flat = image([
      [50, 50, 50],
      [50, 50, 50],
    ]);
    const reference = image([
      [0, 0, 0],
      [200, 200, 200],
    ]);
    expectClose(toLuminanceImage(flat, reference).data, [100, 100, 100, 100, 100, 100], 1e-3);
  });

  it("keeps the content's chroma exactly and the styled luminance", () => {
    const styled = toLuminanceImage(randomImage(3, 40, 30, [0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]));
    const combined = combineLuminanceWithChroma(styled, content);
    const combinedYiq = rgbToYiq(combined);
    const contentYiq = rgbToYiq(content);
    expectClose(channel(combinedYiq, 1), channel(contentYiq, 1), 1e-3);
    expectClose(channel(combinedYiq, 2), channel(contentYiq, 2), 1e-3);
    expectClose(channel(combinedYiq, 0), channel(styled, 0), 1e-3);
    // The result is a colour image, not the gray input.
    expect(channel(combined, 0)).not.toEqual(channel(combined, 2));
  });

  it('rejects a styled image of another size', () => {
    expect(() => combineLuminanceWithChroma(style, content)).toThrow(/25×20 but content is 40×30/);
  });
});

describe('colour histogram matching', () => {
  it("gives the style the content's mean and covariance (before clipping)", () => {
    const matched = matchColorHistogram(style, content, { clip: false });
    const target = colorStatistics(content);
    const before = colorStatistics(style);
    const after = colorStatistics(matched);
    const covarianceScale = Math.max(...target.covariance.map(Math.abs));
    // The inputs really differ, so the match is not trivially true.
    expect(Math.max(...before.covariance.map((v, i) => Math.abs(v - target.covariance[i]!)))).toBeGreaterThan(
      0.1 * covarianceScale,
    );
    expectClose(after.mean, target.mean, 1e-3 * Math.max(...target.mean));
    expectClose(after.covariance, target.covariance, 1e-3 * covarianceScale);
    expect([matched.width, matched.height]).toEqual([style.width, style.height]);
  });

  it('clips to 0..255 by default and stays close to the target statistics', () => {
    const matched = matchColorHistogram(style, content);
    expect(Math.min(...matched.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...matched.data)).toBeLessThanOrEqual(255);
    const target = colorStatistics(content);
    expectClose(colorStatistics(matched).mean, target.mean, 0.05 * Math.max(...target.mean));
  });

  it('leaves an image matched to itself unchanged', () => {
    expectClose(matchColorHistogram(content, content, { clip: false }).data, content.data, 1e-2);
  });

  it('commutes with a permutation of the colour channels (unlike Cholesky)', () => {
    const permute = (img: RgbImage): RgbImage => {
      const data = new Float32Array(img.data.length);
      for (let i = 0; i < data.length; i += 3)
        data.set([img.data[i + 2]!, img.data[i]!, img.data[i + 1]!], i);
      return { ...img, data };
    };
    const direct = permute(matchColorHistogram(style, content, { clip: false }));
    const permuted = matchColorHistogram(permute(style), permute(content), { clip: false });
    expectClose(permuted.data, direct.data, 1e-2);
  });

  it('maps a gray style image (singular covariance) to finite values with the content mean', () => {
    const gray = toLuminanceImage(style);
    const matched = matchColorHistogram(gray, content, { clip: false });
    expect(matched.data.every(Number.isFinite)).toBe(true);
    expectClose(colorStatistics(matched).mean, colorStatistics(content).mean, 1e-2);
  });
});

describe('symmetricPower', () => {
  it('takes powers of a diagonal matrix elementwise', () => {
    expectClose(symmetricPower([4, 0, 0, 0, 9, 0, 0, 0, 16], 0.5), [2, 0, 0, 0, 3, 0, 0, 0, 4], 1e-12);
  });

  it('square root squares back and inverse square root whitens', () => {
    const s: [number, number, number, number, number, number, number, number, number] = [
      5, 2, 1, 2, 4, -1, 1, -1, 3,
    ];
    const multiply = (a: number[], b: number[]) =>
      [0, 1, 2].flatMap((r) =>
        [0, 1, 2].map((c) => a[3 * r]! * b[c]! + a[3 * r + 1]! * b[3 + c]! + a[3 * r + 2]! * b[6 + c]!),
      );
    const root = symmetricPower(s, 0.5);
    expectClose(multiply(root, root), s, 1e-12);
    const inverseRoot = symmetricPower(s, -0.5);
    expectClose(multiply(multiply(inverseRoot, s), inverseRoot), [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-12);
  });
});
