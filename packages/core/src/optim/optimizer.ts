import * as tf from '@tensorflow/tfjs-core';
import { StyleTransferError } from '@neural-style/vocabulary';
import type { LossTerms } from '@neural-style/vocabulary';

/**
 * One evaluation of the objective at x: the gradient w.r.t. x and the weighted loss terms
 * [content, style, tv, total]. Both tensors are owned by the caller (the optimizer) and must be disposed.
 */
export interface Evaluation {
  grad: tf.Tensor;
  losses: tf.Tensor1D;
}

export type Objective = (x: tf.Tensor) => Evaluation;

export interface StepResult {
  /** Objective evaluations this step used (more than one only with a line search). */
  evaluations: number;
  /** Loss terms at the last point evaluated. */
  losses: LossTerms;
}

/** An optimizer owns the image variable it updates in place. */
export interface Optimizer {
  readonly x: tf.Variable;
  /** One step using at most `maxEvaluations` objective evaluations (at least one). */
  step(maxEvaluations: number): StepResult;
  dispose(): void;
}

/**
 * Evaluates the objective at x and reads its loss terms. The gradient is the caller's to dispose; on a
 * non-finite loss or gradient nothing is left behind.
 */
export function evaluate(objective: Objective, x: tf.Tensor): { grad: tf.Tensor; losses: LossTerms } {
  const { grad, losses } = objective(x);
  try {
    return { grad, losses: readLosses(losses, grad) };
  } catch (error) {
    grad.dispose();
    throw error;
  } finally {
    losses.dispose();
  }
}

/**
 * The one read per evaluation; a non-finite loss or gradient stops the run rather than producing a broken
 * image. The gradient needs its own check: a fused ReLU (oneDNN's) maps NaN to 0, so NaN pixels can give a
 * finite loss. Σ 0·g is NaN exactly when some g is NaN or infinite, and travels in the same read.
 */
function readLosses(losses: tf.Tensor1D, grad: tf.Tensor): LossTerms {
  const values = tf.tidy(() => tf.concat([losses, tf.reshape(tf.sum(tf.mul(grad, 0)), [1])]).dataSync());
  const [content = NaN, style = NaN, tv = NaN, total = NaN, gradientCheck = NaN] = values;
  if (![content, style, tv, total].every(Number.isFinite)) {
    throw new StyleTransferError(
      'NON_FINITE_LOSS',
      `the loss became non-finite (content ${content}, style ${style}, tv ${tv}); lower the learning rate or the loss weights`,
    );
  }
  if (!Number.isFinite(gradientCheck)) {
    throw new StyleTransferError(
      'NON_FINITE_LOSS',
      'the gradient became non-finite (a weights file with NaN or infinite values does this); lower the learning rate or the loss weights, or check the weights',
    );
  }
  return { content, style, tv, total };
}
