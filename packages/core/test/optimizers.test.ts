import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from '../src/optim/adam.js';
import { Lbfgs } from '../src/optim/lbfgs.js';
import { cubicInterpolate } from '../src/optim/line-search.js';
import type { Objective, Optimizer } from '../src/optim/optimizer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// An ill-conditioned quadratic Σ aᵢ(xᵢ − bᵢ)² (condition number 100) plus a quartic term, minimum 0 at b.
const n = 50;
const a = tf.linspace(1, 100, n);
const b = tf.linspace(-3, 3, n);
const objective: Objective = (x) =>
  tf.tidy(() => {
    const f = (v: tf.Tensor) =>
      tf.add(tf.sum(tf.mul(a, tf.square(tf.sub(v, b)))), tf.sum(tf.pow(tf.sub(v, b), 4)));
    const { value, grad } = tf.valueAndGrad(f)(x);
    return { grad, losses: tf.stack([value, tf.scalar(0), tf.scalar(0), value]) as tf.Tensor1D };
  });

function minimise(create: (start: tf.Tensor) => Optimizer, steps: number): number[] {
  const start = tf.zeros([n]);
  const optimizer = create(start);
  start.dispose();
  const totals = Array.from({ length: steps }, () => optimizer.step(Infinity).losses.total);
  optimizer.dispose();
  return totals;
}

describe('optimizers on a known minimum', () => {
  it('L-BFGS without line search converges monotonically', () => {
    const before = tf.memory().numTensors;
    const totals = minimise((x) => new Lbfgs(x, objective, { historySize: 10, lineSearch: 'none' }), 60);
    expect(totals.at(-1)! / totals[0]!).toBeLessThan(1e-6);
    totals.slice(1).forEach((total, i) => expect(total).toBeLessThanOrEqual(totals[i]!));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('L-BFGS with the strong-Wolfe line search converges', () => {
    const before = tf.memory().numTensors;
    const totals = minimise(
      (x) => new Lbfgs(x, objective, { historySize: 10, lineSearch: 'strongWolfe' }),
      30,
    );
    expect(totals.at(-1)! / totals[0]!).toBeLessThan(1e-6);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('Adam reduces the loss', () => {
    const totals = minimise((x) => new Adam(x, objective, { learningRate: 0.1 }), 100);
    expect(totals.at(-1)! / totals[0]!).toBeLessThan(1e-2);
  });

  it('cubic interpolation finds the minimum of a cubic exactly', () => {
    // f(t) = (t − 1)³ − 3(t − 1) has its local minimum at t = 2; f' = 3(t − 1)² − 3.
    const point = (t: number) => ({
      t,
      loss: (t - 1) ** 3 - 3 * (t - 1),
      slope: 3 * (t - 1) ** 2 - 3,
      grad: tf.scalar(0),
    });
    expect(cubicInterpolate(point(1.5), point(3))).toBeCloseTo(2, 10);
  });
});
