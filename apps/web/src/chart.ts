import type { JobProgress } from '@neural-style/contract';
import { h, s } from './dom.js';

const SERIES = [
  { key: 'total', label: 'Total' },
  { key: 'content', label: 'Content' },
  { key: 'style', label: 'Style' },
] as const;

const WIDTH = 320;
const HEIGHT = 120;
const PAD = 4;

/** The losses over the iterations, on a log scale (they fall by orders of magnitude), as inline SVG. */
export class LossChart {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly lines: SVGPolylineElement[];
  private points: JobProgress[] = [];

  constructor() {
    this.lines = SERIES.map(({ key }) => s('polyline', { class: `loss-${key}`, fill: 'none' }));
    this.svg = s(
      'svg',
      { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': 'Loss chart: no data yet' },
      ...this.lines,
    );
    this.element = h(
      'figure',
      { class: 'chart', hidden: true },
      this.svg,
      h(
        'figcaption',
        {},
        'Loss (log scale): ',
        ...SERIES.map(({ key, label }) => h('span', { class: `key key-${key}` }, label)),
      ),
    );
  }

  reset(): void {
    this.points = [];
    this.draw();
  }

  add(progress: JobProgress): void {
    const last = this.points.at(-1);
    if (last && progress.iteration <= last.iteration) return;
    this.points.push(progress);
    this.draw();
  }

  private draw(): void {
    const points = this.points;
    this.element.hidden = points.length < 2;
    const last = points.at(-1);
    if (!last) return;
    const logs = points.flatMap((point) => SERIES.map(({ key }) => point.losses[key])).filter((v) => v > 0);
    const low = Math.log10(Math.min(...logs));
    const high = Math.log10(Math.max(...logs));
    const span = high - low || 1;
    const iterations = last.iterations;
    SERIES.forEach(({ key }, index) => {
      const coordinates = points
        .filter((point) => point.losses[key] > 0)
        .map((point) => {
          const x = PAD + ((WIDTH - 2 * PAD) * point.iteration) / iterations;
          const y = PAD + ((HEIGHT - 2 * PAD) * (high - Math.log10(point.losses[key]))) / span;
          return `${x.toFixed(1)},${y.toFixed(1)}`;
        });
      this.lines[index]?.setAttribute('points', coordinates.join(' '));
    });
    const losses = SERIES.map(({ key, label }) => `${label.toLowerCase()} ${formatLoss(last.losses[key])}`);
    this.svg.setAttribute('aria-label', `Loss at iteration ${last.iteration}: ${losses.join(', ')}`);
  }
}

export function formatLoss(value: number): string {
  return value === 0 ? '0' : value.toPrecision(3);
}
