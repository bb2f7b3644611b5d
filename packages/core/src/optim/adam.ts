import * as tf from '@tensorflow/tfjs-core';
import { evaluate, type Objective, type Optimizer, type StepResult } from './optimizer.js';

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam (Kingma & Ba 2015) on the pixels: cheap in memory, robust, usually a little worse than L-BFGS. */
export class Adam implements Optimizer {
  readonly x: tf.Variable;
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private t = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;

  constructor(
    initial: tf.Tensor,
    private readonly objective: Objective,
    private readonly options: AdamOptions,
  ) {
    this.x = tf.variable(initial, false);
    // tidy frees the zero tensors; variables survive it.
    this.m = tf.tidy(() => tf.variable(tf.zerosLike(initial), false));
    this.v = tf.tidy(() => tf.variable(tf.zerosLike(initial), false));
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
  }

  /** Adam evaluates once per step, so any budget of at least one is enough. */
  step(): StepResult {
    const { grad, losses } = evaluate(this.objective, this.x);
    this.t += 1;
    try {
      tf.tidy(() => {
        const { beta1, beta2, epsilon, t } = this;
        this.m.assign(tf.add(tf.mul(beta1, this.m), tf.mul(1 - beta1, grad)));
        this.v.assign(tf.add(tf.mul(beta2, this.v), tf.mul(1 - beta2, tf.square(grad))));
        const mHat = tf.div(this.m, 1 - beta1 ** t);
        const vHat = tf.div(this.v, 1 - beta2 ** t);
        const update = tf.div(tf.mul(this.options.learningRate, mHat), tf.add(tf.sqrt(vHat), epsilon));
        this.x.assign(tf.sub(this.x, update));
      });
    } finally {
      grad.dispose();
    }
    return { evaluations: 1, losses };
  }

  dispose(): void {
    tf.dispose([this.x, this.m, this.v]);
  }
}
