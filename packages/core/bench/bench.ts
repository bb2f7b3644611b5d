/**
 * Speed of a Gatys iteration through our engine (engine.stylize with onProgress timestamps), printed as
 * one JSON object on stdout; progress goes to stderr. Each configuration runs in its own process (job.ts),
 * so peak RSS is per configuration. See docs/performance.md.
 *
 *   npm run bench -- [--sizes 64,128,256] [--optimizers adam,lbfgs] [--poolings avg,max] [--iterations 10]
 *                    [--style-losses gram,sliced-wasserstein]
 *                    [--warmup 2] [--threads N] [--backend auto|wasm|cpu|tensorflow] [--kernels onednn|builtin]
 *                    [--quick] [--pytorch]
 *   npm run bench -- --throughput N [--throughput-iterations 20] [--throughput-size 256]
 *   npm run bench -- --highres [--sizes 512,1024,2048,4096] [--iterations 4] [--pytorch]
 *
 * --pytorch runs bench/pytorch_gatys.py on the same shapes right after each configuration and adds the
 * ratio ours/PyTorch (Gram loss only: the PyTorch script has no sliced Wasserstein). --kernels builtin keeps XNNPACK for every op on wasm (the path without oneDNN).
 * --throughput N runs only the throughput comparison: N jobs side by side (threads/N threads each) against
 * the same N jobs one after another (all threads), extrapolated to 300 iterations.
 * --highres runs each size with the engine's own plan (coarse to fine, tiles where the memory budget needs
 * them) and `--iterations` iterations in the first pass (short runs: peak memory does not need the full
 * run); per pass it reports seconds per iteration, and the total time of the default 500-iteration plan
 * estimated from them. With --pytorch, PyTorch runs 512 and 1024 px untiled L-BFGS for comparison.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  describePlan,
  errorMessage,
  planPasses,
  resolveOptions,
  STYLE_LOSS_NAMES,
  type BackendChoice,
} from '@neural-style/vocabulary';
import { runJob, type JobOutcome, type JobReport, type JobSpec } from './jobs.js';

const USAGE = 'see the header of packages/core/bench/bench.ts';
const EXTRAPOLATED_ITERATIONS = 300;

function fail(message: string): never {
  process.stderr.write(`bench: ${message} (${USAGE})\n`);
  process.exit(2);
}

function listOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(',').map((item) => item.trim());
  const wrong = items.filter((item) => !allowed.includes(item as T));
  if (wrong.length > 0) fail(`--${flag}: ${wrong.join(', ')} is not one of ${allowed.join(', ')}`);
  return items as T[];
}

function positiveInt(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) fail(`--${flag} needs a positive integer, got "${value}"`);
  return number;
}

const { values: args } = (() => {
  try {
    return parseArgs({
      options: {
        sizes: { type: 'string' },
        optimizers: { type: 'string' },
        poolings: { type: 'string' },
        'style-losses': { type: 'string', default: 'gram' },
        iterations: { type: 'string' },
        warmup: { type: 'string', default: '2' },
        threads: { type: 'string', default: String(os.availableParallelism()) },
        backend: { type: 'string', default: 'auto' },
        kernels: { type: 'string', default: 'onednn' },
        quick: { type: 'boolean', default: false },
        pytorch: { type: 'boolean', default: false },
        throughput: { type: 'string' },
        highres: { type: 'boolean', default: false },
        'throughput-iterations': { type: 'string', default: '20' },
        'throughput-size': { type: 'string', default: '256' },
      },
    });
  } catch (error) {
    fail(errorMessage(error));
  }
})();

// --quick: the small sizes only, one pooling; explicit flags still win.
const sizes = (args.sizes ?? (args.highres ? '512,1024,2048,4096' : args.quick ? '64,128' : '64,128,256'))
  .split(',')
  .map((s) => positiveInt('sizes', s));
const optimizers = listOf('optimizers', args.optimizers ?? 'adam,lbfgs', ['adam', 'lbfgs'] as const);
const poolings = listOf('poolings', args.poolings ?? (args.quick ? 'avg' : 'avg,max'), [
  'avg',
  'max',
] as const);
const styleLosses = listOf('style-losses', args['style-losses'], STYLE_LOSS_NAMES);
const iterations = positiveInt('iterations', args.iterations ?? (args.highres ? '4' : '10'));
const warmup = positiveInt('warmup', args.warmup);
const threads = positiveInt('threads', args.threads);
const backend = listOf('backend', args.backend, [
  'auto',
  'tensorflow-gpu',
  'tensorflow',
  'wasm',
  'cpu',
] as const)[0]!;
const kernels = listOf('kernels', args.kernels, ['onednn', 'builtin'] as const)[0]!;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const round = (value: number, digits = 3): number => Number(value.toFixed(digits));
const loadAverage = (): number[] => os.loadavg().map((load) => round(load, 2));
const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

/**
 * Seconds of each iteration from consecutive onProgress timestamps, without the first `warmup` ones (the
 * step before the first event has no start time and is never counted either).
 */
function timedIterations(report: JobReport, key: 'ms' | 'cpuMs'): number[] {
  const seconds: number[] = [];
  for (let i = 1; i < report.progress.length; i++) {
    const [previous, current] = [report.progress[i - 1]!, report.progress[i]!];
    seconds.push((current[key] - previous[key]) / 1000 / (current.iteration - previous.iteration));
  }
  return seconds.slice(warmup);
}

interface PytorchRunner {
  python: string;
  torch: string;
}

/** The first of `python3`, `/usr/bin/python3` that imports torch (Debian's torch is not in pyenv's python). */
function findPytorch(): PytorchRunner | { unavailable: string } {
  const tried: string[] = [];
  for (const python of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (probe.status === 0) return { python, torch: probe.stdout.trim() };
    tried.push(`${python}: ${probe.error?.message ?? probe.stderr.trim().split('\n').at(-1)}`);
  }
  return { unavailable: `no Python with torch (${tried.join('; ')}); install Debian's python3-torch` };
}

interface PytorchResult {
  threads: number;
  secondsPerIteration: number;
  cpuSecondsPerIteration: number;
  gflops: number;
  peakRssMB: number;
  loadAverage: number;
}

const pytorchScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pytorch_gatys.py');

function runPytorch(
  runner: PytorchRunner,
  config: { width: number; height: number; optimizer: string; pooling: string; lbfgsHistory: number },
): PytorchResult | { error: string } {
  const run = spawnSync(
    runner.python,
    [
      pytorchScript,
      ...['--shapes', `${config.width}x${config.height}`],
      ...['--optimizers', config.optimizer, '--poolings', config.pooling],
      ...['--iterations', String(iterations), '--warmup', String(warmup), '--threads', String(threads)],
      ...['--history', String(config.lbfgsHistory)],
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (run.status !== 0)
    return { error: `pytorch_gatys.py failed (${run.error?.message ?? `exit ${run.status}`})` };
  const output = JSON.parse(run.stdout) as { threads: number; loadAverage: number; results: PytorchResult[] };
  const [result] = output.results;
  if (!result) return { error: 'pytorch_gatys.py printed no result' };
  return {
    threads: output.threads,
    secondsPerIteration: result.secondsPerIteration,
    cpuSecondsPerIteration: result.cpuSecondsPerIteration,
    gflops: result.gflops,
    peakRssMB: result.peakRssMB,
    loadAverage: output.loadAverage,
  };
}

/** What the whole run shares: taken from the first job that reported. */
let firstReport: JobReport | undefined;

async function job(spec: Omit<JobSpec, 'backend' | 'kernels'>): Promise<JobOutcome> {
  const outcome = await runJob({ ...spec, backend: backend as BackendChoice, kernels });
  if (outcome.message.ok) firstReport ??= outcome.message.report;
  else log(`${spec.label} failed: ${outcome.message.error}`);
  return outcome;
}

async function configurations(pytorch: PytorchRunner | undefined) {
  const results = [];
  for (const size of sizes) {
    for (const optimizer of optimizers) {
      for (const [pooling, styleLoss] of poolings.flatMap((p) => styleLosses.map((l) => [p, l] as const))) {
        const label = `${size}px ${optimizer} ${pooling} ${styleLoss}`;
        const load = loadAverage()[0];
        const outcome = await job({
          label,
          threads,
          size,
          iterations: 1 + warmup + iterations,
          optimizer,
          pooling,
          styleLoss,
        });
        if (!outcome.message.ok) {
          results.push({ size, optimizer, pooling, styleLoss, error: outcome.message.error });
          continue;
        }
        const report = outcome.message.report;
        const seconds = median(timedIterations(report, 'ms'));
        const ours = {
          size,
          width: report.width,
          height: report.height,
          optimizer,
          pooling,
          styleLoss,
          timedIterations: timedIterations(report, 'ms').length,
          secondsPerIteration: round(seconds, 4),
          cpuSecondsPerIteration: round(median(timedIterations(report, 'cpuMs')), 4),
          gflopPerIteration: {
            conv: round(report.gflopPerIteration.conv),
            gram: round(report.gflopPerIteration.gram),
          },
          gflops: round(report.gflopPerIteration.conv / seconds, 1),
          gflopsWithGram: round((report.gflopPerIteration.conv + report.gflopPerIteration.gram) / seconds, 1),
          peakRssMB: Math.round(report.peakRssMB),
          iterationRssMB: Math.round(Math.max(...report.progress.map((event) => event.rssMB))),
          jobWallSeconds: round(outcome.wallSeconds, 1),
          finalLoss: report.finalLoss,
          loadAverage: load,
        };
        log(
          `${label} (${report.width}x${report.height}): ${ours.secondsPerIteration} s/it, ${ours.gflops} GFLOP/s, ${ours.peakRssMB} MB, load ${load}`,
        );
        if (!pytorch || styleLoss !== 'gram') {
          results.push(ours);
          continue;
        }
        const reference = runPytorch(pytorch, { ...ours, lbfgsHistory: resolveOptions({}).lbfgsHistory });
        const ratio = 'error' in reference ? null : round(seconds / reference.secondsPerIteration, 2);
        log(
          `${label} PyTorch: ${'error' in reference ? reference.error : `${reference.secondsPerIteration} s/it, ratio ${ratio}`}`,
        );
        results.push({ ...ours, pytorch: reference, ratioToPytorch: ratio });
      }
    }
  }
  return results;
}

/** Seconds per iteration and fixed cost (process start, weights, targets) of one finished job. */
function jobCost(outcome: JobOutcome) {
  if (!outcome.message.ok) throw new Error(`throughput job failed: ${outcome.message.error}`);
  const { progress } = outcome.message.report;
  const [first, last] = [progress[0]!, progress.at(-1)!];
  const perIteration = (last.ms - first.ms) / 1000 / (last.iteration - first.iteration);
  const setupSeconds = outcome.wallSeconds - last.iteration * perIteration;
  return {
    wallSeconds: round(outcome.wallSeconds, 1),
    secondsPerIteration: round(perIteration),
    setupSeconds: round(setupSeconds, 1),
    extrapolatedSeconds: round(setupSeconds + EXTRAPOLATED_ITERATIONS * perIteration, 1),
  };
}

async function throughput(jobs: number) {
  const size = positiveInt('throughput-size', args['throughput-size']);
  const jobIterations = positiveInt('throughput-iterations', args['throughput-iterations']);
  if (jobIterations < 2) fail('--throughput-iterations needs at least 2');
  // The engine's defaults, as a service job would run.
  const spec = {
    size,
    iterations: jobIterations,
    optimizer: 'lbfgs',
    pooling: 'avg',
    styleLoss: 'gram',
  } as const;
  const summary = (wallSeconds: number, costs: ReturnType<typeof jobCost>[], batchSeconds: number) => ({
    wallSeconds: round(wallSeconds, 1),
    jobs: costs,
    extrapolated: {
      iterations: EXTRAPOLATED_ITERATIONS,
      batchSeconds: round(batchSeconds, 1),
      imagesPerHour: round((jobs * 3600) / batchSeconds, 1),
    },
  });

  log(`throughput: ${jobs} jobs one after another, ${threads} threads each`);
  let started = performance.now();
  const sequentialCosts = [];
  for (let i = 0; i < jobs; i++) {
    sequentialCosts.push(jobCost(await job({ ...spec, label: `sequential ${i + 1}/${jobs}`, threads })));
  }
  const sequential = summary(
    (performance.now() - started) / 1000,
    sequentialCosts,
    sequentialCosts.reduce((sum, cost) => sum + cost.extrapolatedSeconds, 0),
  );

  const threadsEach = Math.max(1, Math.floor(threads / jobs));
  log(`throughput: ${jobs} jobs side by side, ${threadsEach} thread(s) each`);
  started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: jobs }, (_, i) =>
      job({ ...spec, label: `concurrent ${i + 1}/${jobs}`, threads: threadsEach }),
    ),
  );
  const concurrentCosts = outcomes.map(jobCost);
  // They start together, so the batch takes as long as its slowest job.
  const concurrent = summary(
    (performance.now() - started) / 1000,
    concurrentCosts,
    Math.max(...concurrentCosts.map((cost) => cost.extrapolatedSeconds)),
  );
  return {
    jobs,
    ...spec,
    threads: { sequential: threads, concurrent: threadsEach },
    sequential: { threadsPerJob: threads, ...sequential },
    concurrent: { threadsPerJob: threadsEach, ...concurrent },
    speedup: round(sequential.extrapolated.batchSeconds / concurrent.extrapolated.batchSeconds, 2),
  };
}

/** Seconds per iteration of each pass, as the engine measured them (a one-iteration pass included). */
function passSeconds(report: JobReport): number[] {
  return report.plan.passes.map((_, index) => {
    const last = report.progress.filter((event) => event.pass === index).at(-1);
    return last ? round(last.passSecondsPerIteration, 3) : NaN;
  });
}

async function highres(pytorch: PytorchRunner | undefined) {
  const results = [];
  for (const size of sizes) {
    const label = `${size}px highres`;
    const outcome = await job({
      label,
      threads,
      size,
      iterations,
      optimizer: 'lbfgs',
      pooling: 'avg',
      styleLoss: 'gram',
    });
    if (!outcome.message.ok) {
      results.push({ size, error: outcome.message.error });
      continue;
    }
    const report = outcome.message.report;
    const seconds = passSeconds(report);
    // The default run has the same passes with 500, 167, 56, ... iterations.
    const defaultPlan = planPasses({ size, iterations: 500, multiscale: false, multiscaleMinSize: 256 });
    const estimatedDefaultSeconds = round(
      defaultPlan.reduce((sum, pass, index) => sum + pass.iterations * (seconds[index] ?? NaN), 0),
      0,
    );
    const ours = {
      size,
      width: report.width,
      height: report.height,
      plan: report.plan.passes.map((pass, index) => ({
        width: pass.width,
        height: pass.height,
        iterations: pass.iterations,
        tiles: pass.tiles ?? null,
        lbfgsHistory: pass.lbfgsHistory,
        estimatedPeakMB: Math.round(pass.memory.totalBytes / 1e6),
        sampledRssMB: Math.round(
          Math.max(...report.progress.filter((event) => event.pass === index).map((event) => event.rssMB)),
        ),
        secondsPerIteration: seconds[index],
      })),
      describedPlan: describePlan(report.plan),
      peakRssMB: Math.round(report.peakRssMB),
      estimatedPeakMB: Math.round(report.plan.peak.totalBytes / 1e6),
      jobWallSeconds: round(outcome.wallSeconds, 1),
      defaultIterations: defaultPlan.map((pass) => pass.iterations),
      estimatedDefaultSeconds,
      loadAverage: loadAverage()[0],
    };
    log(`${label}: ${ours.describedPlan}; ${ours.peakRssMB} MB peak RSS; s/it ${seconds.join(', ')}`);
    const last = report.plan.passes.at(-1)!;
    const reference =
      pytorch && size <= 1024
        ? runPytorch(pytorch, {
            width: last.width,
            height: last.height,
            optimizer: 'lbfgs',
            pooling: 'avg',
            lbfgsHistory: last.lbfgsHistory,
          })
        : undefined;
    results.push({ ...ours, ...(reference && { pytorch: reference }) });
  }
  return results;
}

const loadBefore = loadAverage();
const started = new Date();
let pytorch: PytorchRunner | { unavailable: string } | undefined;
if (args.pytorch) {
  pytorch = findPytorch();
  log('unavailable' in pytorch ? pytorch.unavailable : `PyTorch ${pytorch.torch} through ${pytorch.python}`);
}
const pytorchRunner = pytorch && !('unavailable' in pytorch) ? pytorch : undefined;
const measured = args.highres
  ? { highres: await highres(pytorchRunner) }
  : args.throughput !== undefined
    ? { throughput: await throughput(positiveInt('throughput', args.throughput)) }
    : { configurations: await configurations(pytorchRunner) };

const cpus = os.cpus();
console.log(
  JSON.stringify(
    {
      date: started.toISOString(),
      command: process.argv.slice(2).join(' '),
      machine: {
        cpus: cpus.length,
        availableParallelism: os.availableParallelism(),
        model: cpus[0]?.model ?? 'unknown',
        memoryMB: Math.round(os.totalmem() / 2 ** 20),
        // Other processes on the machine skew every number; this says how busy it was.
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadAverage(),
      },
      node: process.version,
      backend: firstReport && {
        ...firstReport.backend,
        wasmThreads: firstReport.wasmThreads,
        oneDnn: firstReport.oneDnn,
      },
      weights: firstReport?.weights,
      images: firstReport?.images,
      method: {
        warmupIterations: warmup,
        timedIterations: iterations,
        secondsPerIteration: args.highres
          ? "per pass: the engine's own measure (its optimisation loop, without the pass's set-up)"
          : 'median of the gaps between consecutive onProgress events after warm-up',
        gflops:
          'conv only: 2*H*W*9*Cin*Cout per conv up to conv5_1, x2 for the input gradient; gflopsWithGram adds FtF and its gradient (4*C^2*M per style layer)',
        peakRss:
          'MB = 10^6 bytes (files before 2026-12-02 say MB for MiB). peakRssMB: maxRSS of the job process (one per configuration), weight loading included; iterationRssMB (sampledRssMB per pass): largest RSS sampled at the onProgress events',
      },
      ...(pytorch && {
        pytorch:
          'unavailable' in pytorch
            ? { available: false, reason: pytorch.unavailable }
            : { available: true, python: pytorch.python, torch: pytorch.torch, threads },
      }),
      ...measured,
    },
    null,
    2,
  ),
);
