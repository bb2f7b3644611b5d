/**
 * Colour preservation from Gatys, Bethge, Hertzmann & Shechtman (2017), "Controlling Perceptual Factors in
 * Neural Style Transfer", section 5: luminance-only transfer (YIQ) and colour histogram matching.
 * Statistics are accumulated in float64; pixels stay Float32Array on the 0..255 scale.
 */
import { assertRgbImage, type RgbImage } from './image.js';

type Matrix3 = [number, number, number, number, number, number, number, number, number];
type Vector3 = [number, number, number];

/** NTSC (FCC 1953) RGB → YIQ, row-major. Y is Rec. 601 luma. */
const RGB_TO_YIQ: Matrix3 = [
  0.299, 0.587, 0.114, 0.595716, -0.274453, -0.321263, 0.211456, -0.522591, 0.311135,
];
/** Computed, not the rounded textbook inverse, so that a round trip is exact to float precision. */
const YIQ_TO_RGB: Matrix3 = invert3(RGB_TO_YIQ);

/** Channels of the result are Y, I, Q (same layout as RGB; I and Q may be negative). */
export function rgbToYiq(image: RgbImage): RgbImage {
  return applyLinear(image, RGB_TO_YIQ, [0, 0, 0], [0, 0, 0]);
}

export function yiqToRgb(image: RgbImage): RgbImage {
  return applyLinear(image, YIQ_TO_RGB, [0, 0, 0], [0, 0, 0]);
}

/**
 * A gray image whose three channels all hold the luminance Y of `image`. With a `reference` (the content
 * image, when `image` is a style image), Y is shifted and scaled so its mean and standard deviation equal
 * the reference's luminance, as the paper does before luminance-only transfer. A flat image (zero
 * deviation) takes the reference's mean.
 */
export function toLuminanceImage(image: RgbImage, reference?: RgbImage): RgbImage {
  assertRgbImage(image);
  const luma = luminance(image);
  if (reference) {
    const target = meanAndStd(luminance(reference));
    const source = meanAndStd(luma);
    const gain = source.std > 0 ? target.std / source.std : 0;
    for (let i = 0; i < luma.length; i++) {
      luma[i] = target.mean + gain * ((luma[i] ?? 0) - source.mean);
    }
  }
  const data = new Float32Array(luma.length * 3);
  for (let i = 0; i < luma.length; i++) {
    const y = luma[i] ?? 0;
    data[3 * i] = y;
    data[3 * i + 1] = y;
    data[3 * i + 2] = y;
  }
  return { data, width: image.width, height: image.height };
}

/**
 * Y from the styled result, I and Q from the content, back in RGB. Taking the result's Y (rather than one
 * channel) means this also works as a post-process on a full-colour result ("original colours").
 * Not clipped: the encoder clips, and clipping here would change the content's chroma.
 */
export function combineLuminanceWithChroma(styledLuminance: RgbImage, content: RgbImage): RgbImage {
  assertRgbImage(styledLuminance);
  assertRgbImage(content);
  if (styledLuminance.width !== content.width || styledLuminance.height !== content.height) {
    throw new RangeError(
      `styled image is ${styledLuminance.width}×${styledLuminance.height} but content is ${content.width}×${content.height}`,
    );
  }
  const yiq = rgbToYiq(content);
  const styledY = luminance(styledLuminance);
  for (let i = 0; i < styledY.length; i++) {
    yiq.data[3 * i] = styledY[i] ?? 0;
  }
  return yiqToRgb(yiq);
}

export interface HistogramMatchOptions {
  /** Clip the result to 0..255 (default true). Clipping moves the statistics slightly off the content's. */
  clip?: boolean;
}

/**
 * Recolours the style image so its pixel mean and covariance equal the content's: x' = A(x − μs) + μc with
 * the Image Analogies transform A = Σc^½ Σs^-½ (symmetric square roots by eigendecomposition). Of the two
 * transforms the paper compares (this and Cholesky), this one is invariant to the order of the colour
 * channels, so it does not favour red. Σs gets a tiny ridge (1e-5 × its mean variance) so that a gray or
 * flat style image, whose covariance is singular, still maps without dividing by zero.
 */
export function matchColorHistogram(
  style: RgbImage,
  content: RgbImage,
  opts: HistogramMatchOptions = {},
): RgbImage {
  assertRgbImage(style);
  assertRgbImage(content);
  const s = colorStatistics(style);
  const c = colorStatistics(content);
  const ridge = 1e-5 * ((s.covariance[0] + s.covariance[4] + s.covariance[8]) / 3) + 1e-12;
  const regularised = s.covariance.map((v, i) => (i % 4 === 0 ? v + ridge : v)) as Matrix3;
  const transform = multiply3(symmetricPower(c.covariance, 0.5), symmetricPower(regularised, -0.5));
  const matched = applyLinear(style, transform, s.mean, c.mean);
  if (opts.clip ?? true) {
    const data = matched.data;
    for (let i = 0; i < data.length; i++) {
      data[i] = Math.min(255, Math.max(0, data[i] ?? 0));
    }
  }
  return matched;
}

/** Per-pixel mean (RGB) and 3×3 population covariance, row-major. */
export function colorStatistics(image: RgbImage): { mean: Vector3; covariance: Matrix3 } {
  assertRgbImage(image);
  const { data } = image;
  const n = image.width * image.height;
  const mean: Vector3 = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    mean[0] += data[3 * i] ?? 0;
    mean[1] += data[3 * i + 1] ?? 0;
    mean[2] += data[3 * i + 2] ?? 0;
  }
  mean[0] /= n;
  mean[1] /= n;
  mean[2] /= n;
  const covariance: Matrix3 = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const r = (data[3 * i] ?? 0) - mean[0];
    const g = (data[3 * i + 1] ?? 0) - mean[1];
    const b = (data[3 * i + 2] ?? 0) - mean[2];
    covariance[0] += r * r;
    covariance[1] += r * g;
    covariance[2] += r * b;
    covariance[4] += g * g;
    covariance[5] += g * b;
    covariance[8] += b * b;
  }
  covariance[3] = covariance[1];
  covariance[6] = covariance[2];
  covariance[7] = covariance[5];
  return { mean, covariance: covariance.map((v) => v / n) as Matrix3 };
}

function luminance(image: RgbImage): Float64Array {
  const { data } = image;
  const luma = new Float64Array(image.width * image.height);
  for (let i = 0; i < luma.length; i++) {
    luma[i] =
      RGB_TO_YIQ[0] * (data[3 * i] ?? 0) +
      RGB_TO_YIQ[1] * (data[3 * i + 1] ?? 0) +
      RGB_TO_YIQ[2] * (data[3 * i + 2] ?? 0);
  }
  return luma;
}

function meanAndStd(values: Float64Array): { mean: number; std: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(squares / values.length) };
}

/** out = M (x − from) + to for every pixel. */
function applyLinear(image: RgbImage, m: Matrix3, from: Vector3, to: Vector3): RgbImage {
  assertRgbImage(image);
  const { data } = image;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i += 3) {
    const x = (data[i] ?? 0) - from[0];
    const y = (data[i + 1] ?? 0) - from[1];
    const z = (data[i + 2] ?? 0) - from[2];
    out[i] = m[0] * x + m[1] * y + m[2] * z + to[0];
    out[i + 1] = m[3] * x + m[4] * y + m[5] * z + to[1];
    out[i + 2] = m[6] * x + m[7] * y + m[8] * z + to[2];
  }
  return { data: out, width: image.width, height: image.height };
}

function multiply3(a: Matrix3, b: Matrix3): Matrix3 {
  const out: Matrix3 = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[3 * r + c] = a[3 * r]! * b[c]! + a[3 * r + 1]! * b[3 + c]! + a[3 * r + 2]! * b[6 + c]!;
    }
  }
  return out;
}

function invert3(m: Matrix3): Matrix3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const cofactors: Matrix3 = [
    e * i - f * h,
    c * h - b * i,
    b * f - c * e,
    f * g - d * i,
    a * i - c * g,
    c * d - a * f,
    d * h - e * g,
    b * g - a * h,
    a * e - b * d,
  ];
  const det = a * cofactors[0] + b * cofactors[3] + c * cofactors[6];
  return cofactors.map((v) => v / det) as Matrix3;
}

/**
 * S^p for a symmetric positive semi-definite 3×3 matrix via cyclic Jacobi eigendecomposition
 * (S = V diag(λ) Vᵀ, S^p = V diag(λ^p) Vᵀ). Eigenvalues that rounding pushed below zero count as zero.
 */
export function symmetricPower(s: Matrix3, power: number): Matrix3 {
  const a = [...s];
  const v = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  for (let sweep = 0; sweep < 50; sweep++) {
    const offDiagonal = Math.abs(a[1]!) + Math.abs(a[2]!) + Math.abs(a[5]!);
    const scale = Math.abs(a[0]!) + Math.abs(a[4]!) + Math.abs(a[8]!);
    if (offDiagonal <= 1e-15 * scale || offDiagonal === 0) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      const apq = a[3 * p + q]!;
      if (apq === 0) continue;
      // Rotation angle that zeroes a[p][q] (Golub & Van Loan, symmetric Schur decomposition).
      const theta = (a[3 * q + q]! - a[3 * p + p]!) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const cos = 1 / Math.sqrt(t * t + 1);
      const sin = t * cos;
      for (let k = 0; k < 3; k++) {
        // A ← A J (columns p and q), then A ← Jᵀ A (rows p and q), V ← V J.
        const akp = a[3 * k + p]!;
        const akq = a[3 * k + q]!;
        a[3 * k + p] = cos * akp - sin * akq;
        a[3 * k + q] = sin * akp + cos * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[3 * p + k]!;
        const aqk = a[3 * q + k]!;
        a[3 * p + k] = cos * apk - sin * aqk;
        a[3 * q + k] = sin * apk + cos * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[3 * k + p]!;
        const vkq = v[3 * k + q]!;
        v[3 * k + p] = cos * vkp - sin * vkq;
        v[3 * k + q] = sin * vkp + cos * vkq;
      }
    }
  }
  const scaled = [a[0]!, a[4]!, a[8]!].map((lambda) => (lambda > 0 ? lambda ** power : 0));
  const out: Matrix3 = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let k = 0; k < 3; k++) sum += v[3 * r + k]! * scaled[k]! * v[3 * c + k]!;
      out[3 * r + c] = sum;
    }
  }
  return out;
}
