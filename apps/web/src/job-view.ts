import type { Job, JobProgress, JobSnapshot, QueuePosition } from '@neural-style/contract';
import { authHeaders, imageUrl, jobsApi, PageProblem, problemOf } from './api.js';
import { LossChart } from './chart.js';
import { h } from './dom.js';
import { clearAlert, showAlert, showProblem } from './messages.js';
import { followEvents, type EventStream, type SseMessage, type StreamState } from './sse.js';
import { formatDuration, statusText } from './format.js';

/** The record sets completedAt exactly when a job reaches a terminal status. */
const hasEnded = (job: Job) => job.completedAt !== null;

/** One job, live: status, queue position, progress with ETA, loss chart, latest snapshot, result, cancel. */
export class JobView {
  private readonly heading = h('h2', { tabindex: -1 }, 'Painting');
  private readonly jobId = h('p', { class: 'job-id' });
  private readonly status = h('p', { class: 'status', 'aria-live': 'polite' });
  private readonly bar = h('div', { class: 'bar' });
  private readonly progressbar = h(
    'div',
    {
      role: 'progressbar',
      'aria-label': 'Progress',
      'aria-valuemin': 0,
      'aria-valuemax': 1,
      'aria-valuenow': 0,
    },
    this.bar,
  );
  private readonly progressText = h('p', { class: 'progress-text' });
  private readonly connection = h('p', { class: 'notice', hidden: true });
  private readonly chart = new LossChart();
  private readonly snapshotImage = h('img', { alt: '' });
  private readonly snapshotCaption = h('figcaption', {});
  private readonly snapshotFigure = h(
    'figure',
    { class: 'snapshot', hidden: true },
    this.snapshotImage,
    this.snapshotCaption,
  );
  private readonly resultImage = h('img', { alt: 'Result' });
  private readonly download = h('a', { class: 'button', download: 'painting.png' }, 'Download');
  private readonly resultFigure = h(
    'figure',
    { class: 'result', hidden: true },
    this.resultImage,
    h('figcaption', {}, this.download),
  );
  private readonly cancelButton = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Cancel');

  private job: Job | undefined;
  private stream: EventStream | undefined;
  private shownSnapshot = -1;
  /** Bumped on every open(): answers for a job that is no longer shown are dropped. */
  private generation = 0;

  constructor(
    private readonly root: HTMLElement,
    /** The job's status changed while it was shown (the history lists the new one). */
    private readonly onStatusChange: (job: Job) => void,
    private readonly onUnauthorized: () => void,
  ) {
    this.cancelButton.addEventListener('click', () => void this.cancel());
    root.replaceChildren(
      this.heading,
      this.jobId,
      this.status,
      this.progressbar,
      this.progressText,
      this.connection,
      this.chart.element,
      this.snapshotFigure,
      this.resultFigure,
      h(
        'p',
        { class: 'actions' },
        this.cancelButton,
        h('a', { href: '#/', class: 'button secondary' }, 'New painting'),
      ),
    );
  }

  get currentId(): string | undefined {
    return this.job?.id;
  }

  /** Shows a job (from a deep link, the history or a submission) and follows it until it ends. */
  async open(id: string, known?: Job): Promise<void> {
    this.close();
    const generation = ++this.generation;
    this.reset(id);
    this.root.hidden = false;
    let job: Job;
    try {
      job = known ?? (await jobsApi.get(id));
    } catch (error) {
      if (generation !== this.generation) return;
      this.status.textContent = 'Could not load this job.';
      this.handleProblem(error, () => void this.open(id));
      return;
    }
    if (generation !== this.generation) return;
    this.render(job);
    if (!hasEnded(job)) this.follow(job.id, generation);
  }

  close(): void {
    this.generation += 1;
    this.stream?.close();
    this.stream = undefined;
  }

  hide(): void {
    this.close();
    this.root.hidden = true;
  }

  focus(): void {
    this.heading.focus();
  }

  private reset(id: string): void {
    this.job = undefined;
    this.shownSnapshot = -1;
    this.jobId.textContent = id;
    this.status.textContent = 'Loading…';
    this.progressText.textContent = '';
    this.connection.hidden = true;
    this.chart.reset();
    this.setProgress(0, 1);
    this.snapshotFigure.hidden = true;
    this.resultFigure.hidden = true;
    this.resultImage.removeAttribute('src');
    this.download.removeAttribute('href');
    this.cancelButton.hidden = true;
  }

  private follow(id: string, generation: number): void {
    let reconnected = false;
    this.stream = followEvents(jobsApi.eventsUrl(id), {
      headers: authHeaders,
      isFinal: (message) => message.event === 'completed',
      onMessage: (message) => {
        if (generation === this.generation) this.onMessage(message);
      },
      onState: (state) => {
        if (generation !== this.generation) return;
        this.onStreamState(state);
        if (state.state === 'reconnecting') reconnected = true;
        // Back after a gap: the record has whatever the stream missed (snapshots, a changed status).
        if (state.state === 'open' && reconnected) void this.refresh(id, generation);
      },
      onRefused: async (response) => {
        if (generation === this.generation) this.handleProblem(await problemOf(response));
      },
    });
    void this.stream.done.then((end) => {
      if (generation !== this.generation || end.reason !== 'gave-up') return;
      this.connection.hidden = true;
      showAlert({
        title: 'Lost the connection',
        detail: `The live updates stopped: ${end.detail ?? 'the connection was lost'}.`,
        hint: 'The job goes on on the server. Check your connection, then reconnect.',
        action: { label: 'Reconnect', run: () => void this.open(id) },
      });
    });
  }

  private async refresh(id: string, generation: number): Promise<void> {
    try {
      const job = await jobsApi.get(id);
      if (generation === this.generation) this.render(job);
    } catch {
      // The stream is back; the next event brings the state anyway.
    }
  }

  private onStreamState(state: StreamState): void {
    if (state.state === 'reconnecting') {
      this.connection.hidden = false;
      this.connection.textContent =
        `Connection lost (${state.reason}); reconnecting in ${Math.round(state.delayMs / 1000)} s ` +
        `(attempt ${state.attempt})…`;
    } else {
      this.connection.hidden = true;
    }
  }

  private onMessage(message: SseMessage): void {
    let data: unknown;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    const job = this.job;
    if (!job) return;
    switch (message.event) {
      case 'progress':
        this.render({
          ...job,
          status: job.status === 'queued' ? 'running' : job.status,
          progress: data as JobProgress,
        });
        break;
      case 'snapshot': {
        const snapshot = data as JobSnapshot;
        this.render({ ...job, snapshots: [...job.snapshots, snapshot] });
        break;
      }
      case 'position':
        this.render({ ...job, ...(data as QueuePosition) });
        break;
      case 'completed':
        this.render(data as Job);
        break;
    }
  }

  private render(job: Job): void {
    const previous = this.job;
    this.job = job;
    this.status.textContent = statusText(job);
    this.cancelButton.hidden = hasEnded(job);
    const progress = job.progress;
    if (progress) {
      this.setProgress(progress.iteration, progress.iterations);
      this.chart.add(progress);
      this.progressText.textContent = this.progressLine(progress, job.status);
    } else {
      this.setProgress(0, 1);
      this.progressText.textContent = job.status === 'queued' ? 'Waiting to start…' : '';
    }
    if (job.status !== 'succeeded') {
      const latest = job.snapshots.at(-1);
      if (latest && latest.iteration > this.shownSnapshot) void this.showSnapshot(job.id, latest.iteration);
    }
    const changed = previous !== undefined && previous.status !== job.status;
    if (changed) this.onStatusChange(job);
    if (hasEnded(job) && (changed || previous === undefined)) this.ended(job, changed);
  }

  private setProgress(iteration: number, iterations: number): void {
    this.progressbar.setAttribute('aria-valuemax', String(iterations));
    this.progressbar.setAttribute('aria-valuenow', String(iteration));
    this.progressbar.setAttribute('aria-valuetext', `Iteration ${iteration} of ${iterations}`);
    this.bar.style.width = `${Math.min(100, (100 * iteration) / iterations)}%`;
  }

  /** "Iteration 120 of 500 · pass 2 of 3 · about 4 min left": the worker's estimate over the whole plan. */
  private progressLine(progress: JobProgress, status: string): string {
    const parts = [`Iteration ${progress.iteration} of ${progress.iterations}`];
    if (status !== 'running') return parts[0]!;
    if (progress.pass && progress.pass.count > 1) {
      parts.push(`pass ${progress.pass.index + 1} of ${progress.pass.count}`);
    }
    if (progress.estimatedFinishAt) {
      const left = Math.max(0, (Date.parse(progress.estimatedFinishAt) - Date.now()) / 1000);
      parts.push(`about ${formatDuration(left)} left`);
    }
    return parts.join(' · ');
  }

  private async showSnapshot(id: string, iteration: number): Promise<void> {
    this.shownSnapshot = iteration;
    const generation = this.generation;
    try {
      const url = await imageUrl(`/jobs/${encodeURIComponent(id)}/snapshots/${iteration}`);
      // A newer snapshot may have been shown meanwhile; never go back to an older one.
      if (
        generation !== this.generation ||
        iteration !== this.shownSnapshot ||
        this.job?.status === 'succeeded'
      )
        return;
      this.snapshotImage.src = url;
      this.snapshotImage.alt = `Latest snapshot, iteration ${iteration}`;
      this.snapshotCaption.textContent = `Snapshot at iteration ${iteration}`;
      this.snapshotFigure.hidden = false;
    } catch {
      // A missed snapshot is not worth an alert: the next one or the result replaces it.
    }
  }

  private ended(job: Job, live: boolean): void {
    this.connection.hidden = true;
    if (job.status === 'succeeded') {
      this.snapshotFigure.hidden = true;
      void this.showResult(job);
    } else if (job.status === 'failed') {
      showAlert({
        title: 'The job failed',
        detail: job.error ? `${job.error.message} (${job.error.code})` : 'The job failed.',
        hint: 'Try other images or options (for example a smaller size or style weight), then press Stylize again.',
      });
    } else if (live) {
      clearAlert();
    }
  }

  private async showResult(job: Job): Promise<void> {
    const generation = this.generation;
    try {
      const url = await imageUrl(`/jobs/${encodeURIComponent(job.id)}/output`);
      if (generation !== this.generation) return;
      this.resultImage.src = url;
      if (job.output) {
        this.resultImage.width = job.output.width;
        this.resultImage.height = job.output.height;
      }
      this.download.href = url;
      // The format's name is a valid extension (png, jpeg, webp).
      this.download.download = `painting-${job.id}.${job.output?.format ?? 'png'}`;
      this.resultFigure.hidden = false;
    } catch (error) {
      if (generation === this.generation) this.handleProblem(error, () => void this.showResult(job));
    }
  }

  private async cancel(): Promise<void> {
    const job = this.job;
    if (!job) return;
    this.cancelButton.disabled = true;
    try {
      this.render(await jobsApi.cancel(job.id));
    } catch (error) {
      this.handleProblem(error);
    } finally {
      this.cancelButton.disabled = false;
    }
  }

  private handleProblem(error: unknown, retry?: () => void): void {
    if (!(error instanceof PageProblem)) throw error;
    if (error.code === 'UNAUTHORIZED') this.onUnauthorized();
    showProblem(error, retry ? { label: 'Try again', run: retry } : undefined);
  }
}
