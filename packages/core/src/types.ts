import type { BackendName, JobPlan, LossTerms, StyleOptions } from '@neural-style/vocabulary';

/** Encoded images (JPEG/PNG/WebP/TIFF/...) as the caller received them. */
export interface StylizeInputs {
  content: Uint8Array;
  /**
   * One or more style images; without masks their targets are blended by weight (normalised to sum 1).
   * `mask` (an encoded grey image with the content's aspect ratio): where this style goes, white = fully,
   * soft values blend; places no style's mask covers stay the photo. `styleMask` (the style image's aspect
   * ratio): which part of the painting to take. See masks.ts.
   */
  styles: { image: Uint8Array; weight?: number; mask?: Uint8Array; styleMask?: Uint8Array }[];
  /** Start image for init "image". */
  initImage?: Uint8Array;
}

export interface ProgressEvent {
  /** 1-based, counted across all multiscale passes. */
  iteration: number;
  iterations: number;
  /** Each term already multiplied by its weight; total is their sum. */
  losses: LossTerms;
  elapsedMs: number;
  pass: { index: number; count: number; width: number; height: number };
  /** Wall-clock seconds per iteration of the pass running now, so far. */
  secondsPerIteration: number;
  /** Seconds to the end of the run: every remaining pass at this pass's speed, weighted by the pixels it processes. */
  secondsLeft: number;
}

export interface SnapshotEvent {
  iteration: number;
  image: Uint8Array;
  format: StyleOptions['outputFormat'];
  width: number;
  height: number;
}

export interface StylizeHooks {
  onProgress?: (event: ProgressEvent) => void | Promise<void>;
  /** Public snapshots, every options.snapshotEvery iterations. */
  onSnapshot?: (event: SnapshotEvent) => void | Promise<void>;
  /** Private checkpoints for crash resume (the worker's), every checkpointEvery iterations. */
  onCheckpoint?: (event: SnapshotEvent) => void | Promise<void>;
  checkpointEvery?: number;
  /** Checked between iterations; an aborted run rejects with StyleTransferError code ABORTED. */
  signal?: AbortSignal;
  /** Continue a run from a snapshot taken at `iteration` (crash resume): the image becomes the start point. */
  resume?: { iteration: number; image: Uint8Array };
}

export interface BackendInfo {
  name: BackendName;
  gpu: boolean;
  /** 'onednn': the wasm backend's convolutions and matrix products run in oneDNN (native AVX-512/AVX2). */
  kernels: 'onednn' | 'builtin';
  /** On wasm, why the oneDNN kernels were wanted but could not run (the addon is not built or not loadable). */
  oneDnnUnavailable?: string;
}

export interface StylizeResult {
  image: Uint8Array;
  format: StyleOptions['outputFormat'];
  width: number;
  height: number;
  iterations: number;
  losses: LossTerms;
  backend: BackendInfo;
  secondsPerIteration: number;
  /** Passes, tile grids, L-BFGS history and the memory estimate the run was planned with. */
  plan: JobPlan;
}
