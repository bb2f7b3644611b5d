import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobEvent } from '@neural-style/contract';

const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
] as const;

/**
 * Prometheus metrics of the API process. Job outcomes are observed from the job event stream, which every
 * API instance receives, so each instance reports all jobs (aggregate with max, not sum, across replicas).
 */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly duration: Histogram<'status'>;
  private readonly iterationsPerSecond: Histogram;
  private readonly finished: Counter<'status'>;
  private readonly failures: Counter<'code'>;

  constructor(jobQueue: Pick<Queue, 'getJobCounts'>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'neural_style_api_' });
    new Gauge({
      name: 'neural_style_queue_jobs',
      help: 'Jobs in the style-jobs queue by BullMQ state.',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const counts = await jobQueue.getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
    this.duration = new Histogram({
      name: 'neural_style_job_duration_seconds',
      help: 'Run time of finished jobs (start to end, resumes included).',
      labelNames: ['status'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600],
      registers: [this.registry],
    });
    this.iterationsPerSecond = new Histogram({
      name: 'neural_style_job_iterations_per_second',
      help: 'Optimizer iterations per second of succeeded jobs.',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100],
      registers: [this.registry],
    });
    this.finished = new Counter({
      name: 'neural_style_jobs_finished_total',
      help: 'Jobs that reached a terminal status.',
      labelNames: ['status'],
      registers: [this.registry],
    });
    this.failures = new Counter({
      name: 'neural_style_job_failures_total',
      help: 'Failed jobs by error code.',
      labelNames: ['code'],
      registers: [this.registry],
    });
  }

  observe(event: JobEvent): void {
    if (event.event !== 'completed') return;
    const job = event.data;
    this.finished.inc({ status: job.status });
    if (job.status === 'failed') this.failures.inc({ code: job.error?.code ?? 'UNKNOWN' });
    const runMs = job.metrics?.runMs;
    if (typeof runMs === 'number') this.duration.observe({ status: job.status }, runMs / 1000);
    const secondsPerIteration = job.metrics?.secondsPerIteration;
    if (job.status === 'succeeded' && secondsPerIteration)
      this.iterationsPerSecond.observe(1 / secondsPerIteration);
  }
}
