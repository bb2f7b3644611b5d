import type { StyleOptions } from './options.js';

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
export function planPasses(
  options: Pick<StyleOptions, 'size' | 'iterations' | 'multiscale' | 'multiscaleMinSize'>,
): Pass[] {
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
