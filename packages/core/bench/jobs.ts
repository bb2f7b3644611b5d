/** What bench.ts and its job processes (job.ts) exchange, and how a job process is started. */
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendChoice, JobPlan, StyleLossName } from '@neural-style/vocabulary';
import type { BackendInfo } from '../src/types.js';
import type { OneDnnInfo } from '../src/ops/onednn.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(benchDir, '../../..', '../shared');
export const sharedWeights = path.join(shared, 'weights/vgg19/tfjs-notop-hybrid');
export const sharedImages = path.join(shared, 'images');

export interface JobSpec {
  /** Names the job in progress lines. */
  label: string;
  backend: BackendChoice;
  /** CPU threads of the wasm backend (oneDNN's, or XNNPACK's without it). */
  threads: number;
  /** 'onednn': the wasm backend's heavy kernels in oneDNN where its addon is built; 'builtin': XNNPACK. */
  kernels: 'onednn' | 'builtin';
  size: number;
  iterations: number;
  optimizer: 'adam' | 'lbfgs';
  pooling: 'max' | 'avg';
  styleLoss: StyleLossName;
}

export interface JobReport {
  backend: BackendInfo;
  wasmThreads: number | null;
  oneDnn: OneDnnInfo | null;
  /** The weights directory, or "random" (real VGG19 widths) without ../shared. */
  weights: string;
  images: string;
  width: number;
  height: number;
  gflopPerIteration: { conv: number; gram: number };
  /** One entry per onProgress call; times are ms since the job process started. */
  progress: {
    iteration: number;
    pass: number;
    ms: number;
    cpuMs: number;
    rssMB: number;
    /** The engine's own speed of the pass so far: its loop only, without the pass's set-up. */
    passSecondsPerIteration: number;
  }[];
  /** The plan the engine ran: passes, tiles, L-BFGS history, memory estimate. */
  plan: JobPlan;
  processMs: number;
  /** maxRSS of the job process: its whole life, weights and wasm heap included. */
  peakRssMB: number;
  finalLoss: number;
  loadAverage: number;
}

export type JobMessage = { ok: true; report: JobReport } | { ok: false; error: string };

export interface JobOutcome {
  /** From fork to exit, as seen by the parent: process start, weights, targets and iterations. */
  wallSeconds: number;
  message: JobMessage;
}

/** Runs job.ts in a child process; its stdout goes to our stderr so that our stdout stays pure JSON. */
export function runJob(spec: JobSpec): Promise<JobOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let message: JobMessage | undefined;
    const child = fork(path.join(benchDir, 'job.ts'), [JSON.stringify(spec)], {
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    child.on('message', (received) => (message = received as JobMessage));
    child.on('error', (error) => (message ??= { ok: false, error: error.message }));
    child.on('exit', (code, signal) =>
      resolve({
        wallSeconds: (performance.now() - started) / 1000,
        message: message ?? {
          ok: false,
          error: `job process exited (${signal ?? `code ${code}`}) without a report`,
        },
      }),
    );
  });
}
