export { createEngine, type Engine, type EngineConfig } from './engine.js';
export { selectBackend } from './backend.js';
export type * from './types.js';
export { decodeImage, encodeImage, probeImage, type RgbImage } from './image.js';
export { loadVggWeights, resolveWeightsPath } from './vgg19/load-weights.js';
export { downloadVgg19Weights } from './vgg19/download.js';
export type { ConvWeights } from './vgg19/weights.js';
