import * as tf from '@tensorflow/tfjs-core';

/**
 * Strong-Wolfe line search with cubic interpolation (Nocedal & Wright, algorithms 3.5/3.6), following the
 * structure of PyTorch's L-BFGS `_strong_wolfe`. Scalars (loss, directional derivative) are read to JS; the
 * image-sized vectors stay tensors.
 */
export interface LinePoint {
  t: number;
  loss: number;
  /** g·d at this point. */
  slope: number;
  grad: tf.Tensor;
}

export interface LineSearchResult {
  point: LinePoint;
  evaluations: number;
}

const C1 = 1e-4;
const C2 = 0.9;
const TOLERANCE_CHANGE = 1e-9;

/** Minimiser of the cubic through two points with their slopes, clamped to bounds. */
export function cubicInterpolate(a: LinePoint, b: LinePoint, bounds?: [number, number]): number {
  const [lower, upper] = bounds ?? (a.t <= b.t ? [a.t, b.t] : [b.t, a.t]);
  const d1 = a.slope + b.slope - (3 * (a.loss - b.loss)) / (a.t - b.t);
  const d2Square = d1 * d1 - a.slope * b.slope;
  if (d2Square < 0) return (lower + upper) / 2;
  const d2 = Math.sqrt(d2Square);
  const minimum =
    a.t <= b.t
      ? b.t - (b.t - a.t) * ((b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2))
      : a.t - (a.t - b.t) * ((a.slope + d2 - d1) / (a.slope - b.slope + 2 * d2));
  return Math.min(Math.max(minimum, lower), upper);
}

/**
 * Searches t along direction d from `start` (t = 0). `evaluate(t)` returns the point at x + t·d with a
 * gradient the search takes ownership of. Returns the accepted point (its gradient owned by the caller);
 * every other gradient is disposed.
 */
export function strongWolfe(
  evaluate: (t: number) => LinePoint,
  start: LinePoint,
  initialStep: number,
  directionMaxAbs: number,
  maxEvaluations: number,
): LineSearchResult {
  const owned = new Set<tf.Tensor>();
  const probe = (t: number): LinePoint => {
    const point = evaluate(t);
    owned.add(point.grad);
    return point;
  };
  const sufficientDecrease = (p: LinePoint) => p.loss <= start.loss + C1 * p.t * start.slope;
  const curvature = (p: LinePoint) => Math.abs(p.slope) <= -C2 * start.slope;

  let previous = start;
  let current = probe(initialStep);
  let evaluations = 1;
  let bracket: [LinePoint, LinePoint] | undefined;
  let accepted: LinePoint | undefined;

  // Bracketing phase: grow the step until an interval containing an acceptable point is found.
  while (evaluations < maxEvaluations) {
    if (!sufficientDecrease(current) || (evaluations > 1 && current.loss >= previous.loss)) {
      bracket = [previous, current];
      break;
    }
    if (curvature(current)) {
      accepted = current;
      break;
    }
    if (current.slope >= 0) {
      bracket = [previous, current];
      break;
    }
    const t = cubicInterpolate(previous, current, [
      current.t + 0.01 * (current.t - previous.t),
      current.t * 10,
    ]);
    previous = current;
    current = probe(t);
    evaluations += 1;
  }
  if (!accepted && !bracket) {
    bracket = [start, current];
  }

  // Zoom phase: shrink the bracket by cubic interpolation until the strong Wolfe conditions hold.
  let insufficientProgress = false;
  while (!accepted && bracket && evaluations < maxEvaluations) {
    const [a, b] = bracket;
    if (Math.abs(b.t - a.t) * directionMaxAbs < TOLERANCE_CHANGE) break;
    const low = a.loss <= b.loss ? 0 : 1;
    const high = 1 - low;
    let t = cubicInterpolate(a, b);
    const top = Math.max(a.t, b.t);
    const bottom = Math.min(a.t, b.t);
    const margin = 0.1 * (top - bottom);
    if (Math.min(top - t, t - bottom) < margin) {
      // Too close to an end: move inward, unless the last step was also too close (then accept it).
      if (insufficientProgress || t >= top || t <= bottom) {
        t = Math.abs(t - top) < Math.abs(t - bottom) ? top - margin : bottom + margin;
        insufficientProgress = false;
      } else {
        insufficientProgress = true;
      }
    } else {
      insufficientProgress = false;
    }
    const point = probe(t);
    evaluations += 1;
    if (!sufficientDecrease(point) || point.loss >= bracket[low]!.loss) {
      bracket[high] = point;
    } else {
      if (curvature(point)) accepted = point;
      else if (point.slope * (bracket[high]!.t - bracket[low]!.t) >= 0) bracket[high] = bracket[low]!;
      bracket[low] = point;
    }
  }
  if (!accepted && bracket) {
    accepted = bracket[0].loss <= bracket[1].loss ? bracket[0] : bracket[1];
  }
  const result = accepted ?? current;
  for (const grad of owned) if (grad !== result.grad) grad.dispose();
  return { point: result, evaluations };
}
