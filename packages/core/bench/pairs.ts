/** The content × style pairs of ../shared/images/reference-outputs (the Torch reference's own examples). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sharedImages } from './jobs.js';

export interface Pair {
  /** The reference output's file name without extension, e.g. "tubingen_starry". */
  name: string;
  content: string;
  style: string;
}

const golden = 'golden_gate.jpg';
const tubingen = 'tubingen.jpg';

export const REFERENCE_PAIRS: readonly Pair[] = [
  { name: 'golden_gate_escher', content: golden, style: 'escher_sphere.jpg' },
  { name: 'golden_gate_kahlo', content: golden, style: 'frida_kahlo.jpg' },
  { name: 'golden_gate_matisse', content: golden, style: 'woman-with-hat-matisse.jpg' },
  { name: 'golden_gate_scream', content: golden, style: 'the_scream.jpg' },
  { name: 'golden_gate_seated', content: golden, style: 'seated-nude.jpg' },
  { name: 'golden_gate_starry', content: golden, style: 'starry_night.jpg' },
  { name: 'pitt_picasso_content_5_style_10', content: 'brad_pitt.jpg', style: 'picasso_selfport1907.jpg' },
  { name: 'tubingen_composition_vii', content: tubingen, style: 'composition_vii.jpg' },
  { name: 'tubingen_scream', content: tubingen, style: 'the_scream.jpg' },
  { name: 'tubingen_seated_nude', content: tubingen, style: 'seated-nude.jpg' },
  { name: 'tubingen_shipwreck', content: tubingen, style: 'shipwreck.jpg' },
  { name: 'tubingen_starry', content: tubingen, style: 'starry_night.jpg' },
];

export const contentPath = (pair: Pair): string => path.join(sharedImages, 'content', pair.content);
export const stylePath = (pair: Pair): string => path.join(sharedImages, 'style', pair.style);

/** The Torch reference output of a pair, where ../shared has one. */
export function referencePath(pair: Pair): string | undefined {
  const file = path.join(sharedImages, 'reference-outputs', `${pair.name}.png`);
  return existsSync(file) ? file : undefined;
}
