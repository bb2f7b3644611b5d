import type { Job } from '@neural-style/contract';
import { imageUrl, jobsApi, PageProblem } from './api.js';
import { h } from './dom.js';
import { formatClock } from './format.js';
import { whatToDo } from './messages.js';

const SHOWN = 12;

/** The caller's recent jobs, newest first, each a link to its live view or result (`#/jobs/{id}`). */
export class History {
  private readonly list = h('ol', { class: 'history' });
  private readonly note = h('p', { class: 'help', 'aria-live': 'polite' });
  private loading: Promise<void> | undefined;
  /** Thumbnails are whole results: each is fetched only once its entry scrolls into view. */
  private readonly thumbnails = new WeakMap<Element, string>();
  private readonly visible = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const id = this.thumbnails.get(entry.target);
      if (!entry.isIntersecting || !id) continue;
      this.visible.unobserve(entry.target);
      imageUrl(`/jobs/${encodeURIComponent(id)}/output`).then(
        (url) => entry.target.replaceChildren(h('img', { src: url, alt: '' })),
        () => {},
      );
    }
  });

  constructor(
    root: HTMLElement,
    private readonly onUnauthorized: () => void,
  ) {
    root.append(
      h(
        'button',
        { type: 'button', class: 'secondary refresh', on: { click: () => void this.refresh() } },
        'Refresh',
      ),
      this.note,
      this.list,
    );
  }

  /** Reloads the list; concurrent calls share one request. */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    let jobs: Job[];
    try {
      jobs = (await jobsApi.list(SHOWN)).jobs;
    } catch (error) {
      if (!(error instanceof PageProblem)) throw error;
      if (error.code === 'UNAUTHORIZED') {
        this.onUnauthorized();
        this.note.textContent = 'Enter the API key to see your jobs.';
      } else {
        this.note.textContent = `Could not load your jobs: ${error.problem.detail}. ${whatToDo(error)}`;
      }
      return;
    }
    this.note.textContent = jobs.length === 0 ? 'No jobs yet: your paintings will be listed here.' : '';
    this.visible.disconnect();
    this.list.replaceChildren(...jobs.map((job) => this.item(job)));
  }

  private item(job: Job): HTMLLIElement {
    const thumbnail = h('span', { class: 'thumb', 'aria-hidden': 'true' });
    if (job.status === 'succeeded') {
      this.thumbnails.set(thumbnail, job.id);
      this.visible.observe(thumbnail);
    }
    const created = new Date(job.createdAt);
    return h(
      'li',
      {},
      h(
        'a',
        { href: `#/jobs/${job.id}`, class: `job-link status-${job.status}` },
        thumbnail,
        h(
          'span',
          { class: 'job-summary' },
          h('span', { class: 'job-status' }, job.status),
          ' ',
          h(
            'time',
            { datetime: job.createdAt },
            `${created.toLocaleDateString()} ${formatClock(job.createdAt)}`,
          ),
          h(
            'span',
            { class: 'job-options' },
            `${job.options.size} px · ${job.options.iterations} iterations`,
          ),
        ),
      ),
    );
  }
}
