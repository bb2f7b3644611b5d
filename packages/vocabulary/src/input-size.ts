import type { Vgg19LayerName } from './layers.js';

/**
 * Smallest image side that still leaves every requested layer at least one pixel: VGG19 halves the image
 * at the pool after each block, so a layer of block B (conv{B}_x) sees side / 2^(B-1). Pure arithmetic,
 * so the API can refuse an image that is too small at submission without loading the engine.
 */
export function minimumInputSide(layers: readonly Vgg19LayerName[]): number {
  const deepest = Math.max(1, ...layers.map((name) => Number(name[4])));
  return 2 ** (deepest - 1);
}
