import { describePlan, type JobPlan, type LossTerms } from '@neural-style/vocabulary';
import type { BackendInfo, ProgressEvent, StylizeResult } from '../types.js';
import type { Failure } from './exit-codes.js';

export interface RunStart {
  content: string;
  styles: string[];
  size: number;
  iterations: number;
  backend: BackendInfo;
  plan: JobPlan;
}

export interface RunSummary {
  out: string;
  result: StylizeResult;
  seconds: number;
}

/** Where a run's progress goes: a redrawn bar, periodic lines, JSON lines, or nowhere. */
export interface Reporter {
  start(run: RunStart): void;
  progress(event: ProgressEvent): void;
  snapshot(iteration: number, file: string): void;
  done(summary: RunSummary): void;
  /** Called before the error line is printed, so it does not land in the middle of a bar. */
  failed(failure: Failure): void;
}

export type Writable = Pick<NodeJS.WriteStream, 'write'> & { isTTY?: boolean; columns?: number };

const PLAIN_EVERY_ITERATIONS = 10;
const PLAIN_EVERY_MS = 5000;
const BAR_REDRAW_MS = 100;
const BAR_WIDTH = 20;

export function createReporter(
  mode: 'human' | 'quiet' | 'json' | 'json-quiet',
  stdout: Writable,
  stderr: Writable,
): Reporter {
  switch (mode) {
    case 'quiet':
      return { start() {}, progress() {}, snapshot() {}, done() {}, failed() {} };
    case 'json':
    case 'json-quiet':
      return new JsonReporter(stdout, mode === 'json');
    case 'human':
      return new HumanReporter(stdout, stderr);
  }
}

class JsonReporter implements Reporter {
  constructor(
    private readonly out: Writable,
    private readonly withProgress: boolean,
  ) {}

  private line(value: object): void {
    this.out.write(`${JSON.stringify(value)}\n`);
  }

  start(run: RunStart): void {
    if (this.withProgress) this.line({ type: 'start', ...run });
  }

  progress(event: ProgressEvent): void {
    if (this.withProgress) this.line({ type: 'progress', ...event });
  }

  snapshot(iteration: number, file: string): void {
    if (this.withProgress) this.line({ type: 'snapshot', iteration, path: file });
  }

  done({ out, result, seconds }: RunSummary): void {
    const { format, width, height, iterations, losses, backend, secondsPerIteration } = result;
    this.line({
      type: 'result',
      path: out,
      format,
      width,
      height,
      iterations,
      losses,
      backend,
      secondsPerIteration,
      seconds,
    });
  }

  failed(failure: Failure): void {
    this.line({ type: 'error', exitCode: failure.exitCode, code: failure.code, message: failure.message });
  }
}

class HumanReporter implements Reporter {
  private lastDrawAt = 0;
  private lastPrinted = 0;
  private lastPrintedAt = 0;
  private barShown = false;

  constructor(
    private readonly out: Writable,
    private readonly err: Writable,
  ) {}

  start(run: RunStart): void {
    const styles = run.styles.join(' + ');
    this.err.write(
      `style-transfer: ${run.content} in the style of ${styles}, ${run.size} px, ${run.iterations} iterations on ${describeBackend(run.backend)}\n`,
    );
    this.err.write(`plan: ${describePlan(run.plan)}\n`);
  }

  progress(event: ProgressEvent): void {
    const now = performance.now();
    const last = event.iteration >= event.iterations;
    if (this.err.isTTY) {
      if (!last && now - this.lastDrawAt < BAR_REDRAW_MS) return;
      this.lastDrawAt = now;
      const line = barLine(event, timing(event));
      const columns = this.err.columns || 100;
      this.err.write(`\r${line.slice(0, Math.max(20, columns - 1))}\x1b[K`);
      this.barShown = true;
      return;
    }
    const crossedStep =
      Math.floor(event.iteration / PLAIN_EVERY_ITERATIONS) >
      Math.floor(this.lastPrinted / PLAIN_EVERY_ITERATIONS);
    const first = this.lastPrinted === 0;
    if (!first && !last && !crossedStep && now - this.lastPrintedAt < PLAIN_EVERY_MS) return;
    this.lastPrinted = event.iteration;
    this.lastPrintedAt = now;
    this.err.write(`${plainLine(event, timing(event))}\n`);
  }

  snapshot(iteration: number, file: string): void {
    if (this.err.isTTY) return;
    this.err.write(`snapshot ${iteration}: ${file}\n`);
  }

  done({ out, result, seconds }: RunSummary): void {
    this.endBar();
    this.out.write(
      `wrote ${out} (${result.width}x${result.height} ${result.format}): ${result.iterations} iterations on ${describeBackend(result.backend)}, ${result.secondsPerIteration.toFixed(3)} s/iteration, ${seconds.toFixed(1)} s in all\n`,
    );
  }

  failed(): void {
    this.endBar();
  }

  private endBar(): void {
    if (this.barShown) this.err.write('\n');
    this.barShown = false;
  }
}

export function describeBackend(backend: BackendInfo): string {
  const kernels = backend.kernels === 'onednn' ? ', oneDNN kernels' : '';
  return `${backend.name} (${backend.gpu ? 'GPU' : 'no GPU'}${kernels})`;
}

function barLine(event: ProgressEvent, timing: string): string {
  const fraction = Math.min(1, event.iteration / event.iterations);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  return [
    `${bar} ${event.iteration}/${event.iterations} ${Math.floor(fraction * 100)}%`,
    // Timing before the losses: a narrow terminal cuts the end of the line.
    timing,
    passLabel(event),
    formatLosses(event.losses),
  ]
    .filter(Boolean)
    .join('  ');
}

function plainLine(event: ProgressEvent, timing: string): string {
  const percent = Math.floor((100 * event.iteration) / event.iterations);
  return [
    `iteration ${event.iteration}/${event.iterations} (${percent}%)`,
    passLabel(event),
    formatLosses(event.losses),
    timing,
  ]
    .filter(Boolean)
    .join('  ');
}

function passLabel(event: ProgressEvent): string {
  const { pass } = event;
  return pass.count > 1 ? `pass ${pass.index + 1}/${pass.count} ${pass.width}x${pass.height}` : '';
}

function formatLosses(losses: LossTerms): string {
  return `content ${formatNumber(losses.content)} style ${formatNumber(losses.style)} tv ${formatNumber(losses.tv)} total ${formatNumber(losses.total)}`;
}

export function formatNumber(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude >= 1e4 || magnitude < 1e-2 ? value.toExponential(2) : value.toPrecision(3);
}

export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Speed of this pass, and the time left over the whole plan (later passes are slower). */
function timing(event: ProgressEvent): string {
  return `${event.secondsPerIteration.toFixed(2)} s/it  ETA ${formatDuration(event.secondsLeft)}`;
}
