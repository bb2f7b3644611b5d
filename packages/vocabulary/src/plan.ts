import type { StyleOptions } from './options.js';

type PlanOptions = Pick<StyleOptions, 'size' | 'iterations' | 'multiscale' | 'multiscaleMinSize'>;

/** One optimisation pass: the output's long side and the iterations spent at that size. */
export interface Pass {
  longSide: number;
  iterations: number;
  /** Global iteration count (across passes) before this pass starts. */
  firstIteration: number;
}

/**
 * Coarse-to-fine schedule, the recipe users of jcjohnson/neural-style run by hand: passes at
 * size/2^k .. size (the smallest not below multiscaleMinSize), each started from the upsampled result of
 * the previous one. Large passes start close to the answer, so each gets half the iterations of the one
 * before it.
 */
export function planPasses(options: PlanOptions): Pass[] {
  const sizes = [options.size];
  if (options.multiscale) {
    while (Math.round(sizes[0]! / 2) >= options.multiscaleMinSize) sizes.unshift(Math.round(sizes[0]! / 2));
  }
  let iterations = options.iterations;
  let firstIteration = 0;
  return sizes.map((longSide) => {
    const pass = { longSide, iterations, firstIteration };
    firstIteration += iterations;
    iterations = Math.max(1, Math.round(iterations / 2));
    return pass;
  });
}

/** Iterations of the whole run, across every pass: what progress counts up to. */
export function totalIterations(options: PlanOptions): number {
  return planPasses(options).reduce((sum, pass) => sum + pass.iterations, 0);
}
