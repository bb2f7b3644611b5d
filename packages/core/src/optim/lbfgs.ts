import * as tf from '@tensorflow/tfjs-core';
import type { LossTerms } from '@neural-style/vocabulary';
import { strongWolfe } from './line-search.js';
import { evaluate, type Objective, type Optimizer, type StepResult } from './optimizer.js';

export interface LbfgsOptions {
  /** Correction pairs kept (jcjohnson/neural-style keeps 100; see docs/defaults.md). */
  historySize: number;
  lineSearch: 'none' | 'strongWolfe';
  /** Step size; 1 as in torch's optim.lbfgs. */
  learningRate?: number;
}

interface Correction {
  s: tf.Tensor;
  y: tf.Tensor;
  rho: number;
}

/**
 * Limited-memory BFGS following torch's optim.lbfgs as used by jcjohnson/neural-style: later steps have size 1
 * unless the strong-Wolfe line search is on, and every objective evaluation counts as an iteration. One
 * deliberate difference: torch scales the first step by min(1, 1/‖g‖₁), which on images of many pixels moves
 * each pixel by ~1e-8 — below float32 resolution, so the first curvature pair is rounding noise — and takes
 * a unit step along −g whenever it has no pair (e.g. after negative curvature), which with Gatys-scaled
 * losses throws pixels by millions. Every step without curvature information here moves pixels by about
 * one grey level (1/mean|g|).
 * Vectors stay on the backend's device; only scalars are read.
 */
export class Lbfgs implements Optimizer {
  readonly x: tf.Variable;
  private readonly history: Correction[] = [];
  private grad: tf.Tensor | undefined;
  private losses: LossTerms | undefined;
  private hessianDiagonal = 1;
  /** Consecutive rejected steps; each halves the next steepest-descent step so the run cannot stall. */
  private rejections = 0;

  constructor(
    initial: tf.Tensor,
    private readonly objective: Objective,
    private readonly options: LbfgsOptions,
  ) {
    this.x = tf.variable(initial, false);
  }

  /** Only the line search uses more than one evaluation. */
  step(maxEvaluations: number): StepResult {
    if (!this.grad || !this.losses) {
      const point = evaluate(this.objective, this.x);
      this.grad = point.grad;
      this.losses = point.losses;
      return { evaluations: 1, losses: point.losses };
    }
    const grad = this.grad;
    let direction = this.direction(grad);
    let slope = dot(grad, direction);
    if (!(slope < 0)) {
      // Not a descent direction (curvature information went stale): restart from steepest descent.
      this.clearHistory();
      direction.dispose();
      direction = tf.neg(grad);
      slope = dot(grad, direction);
    }
    const rate = this.options.learningRate ?? 1;
    // Without curvature pairs the direction is −g, whose scale is arbitrary: size it to ~1 grey level.
    const t =
      this.history.length === 0
        ? rate / readScalars(() => tf.mean(tf.abs(grad)))[0]! / 2 ** this.rejections
        : rate;

    let evaluations: number;
    let accepted: { t: number; grad: tf.Tensor; losses: LossTerms };
    if (this.options.lineSearch === 'strongWolfe') {
      let acceptedLosses = this.losses;
      const lossesAt = new Map<tf.Tensor, LossTerms>();
      const result = strongWolfe(
        (stepSize) => {
          const candidate = tf.tidy(() => tf.add(this.x, tf.mul(stepSize, direction)));
          const point = evaluate(this.objective, candidate);
          candidate.dispose();
          lossesAt.set(point.grad, point.losses);
          return {
            t: stepSize,
            loss: point.losses.total,
            slope: dot(point.grad, direction),
            grad: point.grad,
          };
        },
        { t: 0, loss: this.losses.total, slope, grad },
        t,
        readScalars(() => tf.max(tf.abs(direction)))[0]!,
        Math.max(1, maxEvaluations),
      );
      acceptedLosses = lossesAt.get(result.point.grad) ?? acceptedLosses;
      evaluations = result.evaluations;
      accepted = { t: result.point.t, grad: result.point.grad, losses: acceptedLosses };
      if (accepted.grad === grad) {
        // The search found no better point: keep the current one, drop the history so the next step restarts.
        direction.dispose();
        this.clearHistory();
        return { evaluations, losses: this.losses };
      }
    } else {
      const candidate = tf.tidy(() => tf.add(this.x, tf.mul(t, direction)));
      const point = evaluate(this.objective, candidate);
      candidate.dispose();
      evaluations = 1;
      if (point.losses.total > this.losses.total) {
        // A fixed unit step overshot: keep the current point and restart from a small steepest-descent step
        // rather than building curvature pairs on a blown-up image (the run stays monotone).
        tf.dispose([point.grad, direction]);
        this.clearHistory();
        this.rejections += 1;
        return { evaluations, losses: this.losses };
      }
      this.rejections = 0;
      accepted = { t, grad: point.grad, losses: point.losses };
    }

    tf.tidy(() => {
      this.x.assign(tf.add(this.x, tf.mul(accepted.t, direction)));
    });
    const step = tf.tidy(() => tf.mul(accepted.t, direction));
    direction.dispose();
    // The pair is made now rather than kept as previous gradient and step until the next call: two
    // image-sized vectors fewer while the next evaluation runs.
    this.updateHistory(accepted.grad, grad, step);
    grad.dispose();
    this.grad = accepted.grad;
    this.losses = accepted.losses;
    return { evaluations, losses: accepted.losses };
  }

  /** Adds the pair (s, y) of a step when it keeps the approximation positive definite; owns `step`. */
  private updateHistory(grad: tf.Tensor, previousGrad: tf.Tensor, step: tf.Tensor): void {
    const y = tf.sub(grad, previousGrad);
    const [ys = 0, yy = 0] = readScalars(() => tf.stack([tf.sum(tf.mul(y, step)), tf.sum(tf.mul(y, y))]));
    if (ys <= 1e-10) {
      tf.dispose([y, step]);
      return;
    }
    if (this.history.length === this.options.historySize) {
      const oldest = this.history.shift()!;
      tf.dispose([oldest.s, oldest.y]);
    }
    this.history.push({ s: step, y, rho: 1 / ys });
    this.hessianDiagonal = ys / yy;
  }

  /**
   * Two-loop recursion: d = −H·g with H the L-BFGS inverse-Hessian approximation. Each update frees the
   * vector it replaces: one tidy around both loops would keep two image-sized temporaries per history pair
   * until the end (at 1024 px and 100 pairs, 1.9 GB on top of the history itself).
   */
  private direction(grad: tf.Tensor): tf.Tensor {
    const update = (current: tf.Tensor, next: () => tf.Tensor): tf.Tensor => {
      const result = tf.tidy(next);
      current.dispose();
      return result;
    };
    let q = tf.neg(grad);
    const alphas: number[] = [];
    for (let i = this.history.length - 1; i >= 0; i--) {
      const { s, y, rho } = this.history[i]!;
      const alpha = rho * dot(s, q);
      alphas[i] = alpha;
      q = update(q, () => tf.sub(q, tf.mul(alpha, y)));
    }
    let r = update(q, () => tf.mul(q, this.hessianDiagonal));
    for (let i = 0; i < this.history.length; i++) {
      const { s, y, rho } = this.history[i]!;
      const beta = rho * dot(y, r);
      r = update(r, () => tf.add(r, tf.mul(s, alphas[i]! - beta)));
    }
    return r;
  }

  private clearHistory(): void {
    for (const { s, y } of this.history) tf.dispose([s, y]);
    this.history.length = 0;
    this.hessianDiagonal = 1;
  }

  dispose(): void {
    this.clearHistory();
    tf.dispose([this.x, this.grad].filter((t): t is tf.Tensor => t !== undefined));
    this.grad = undefined;
  }
}

function dot(a: tf.Tensor, b: tf.Tensor): number {
  return readScalars(() => tf.sum(tf.mul(a, b)))[0]!;
}

/** Computes a few scalars and reads them, leaving no tensor behind. */
function readScalars(compute: () => tf.Tensor): Float32Array {
  const result = tf.tidy(compute);
  try {
    return result.dataSync() as Float32Array;
  } finally {
    result.dispose();
  }
}
