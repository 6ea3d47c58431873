/**
 * One chart: a titled card with a uPlot time series (one line per series, legend of attributes) or
 * a short note when there is nothing to plot. The card carries what a test or a script can read:
 * `data-points` (non-null values plotted), `data-series` (lines), `data-stat`.
 */
import uPlot from 'uplot';
import { type DomElement, el } from './dom.js';
import type { Aligned, AlignedData } from './series.js';

const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#59a14f',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#ff9da7',
  '#9c755f',
  '#7f7f7f',
];

/** Lines one chart draws at most; past that a note asks for a filter. */
export const MAX_LINES = 24;

export interface ChartSpec {
  readonly title: string;
  readonly stat: string;
  readonly aligned: Aligned;
  readonly labels: readonly string[];
  readonly height: number;
  readonly legend: boolean;
  /** Charts with the same key move their cursors together. */
  readonly syncKey: string;
  /** Shown under the chart (truncation, clipped range…). */
  readonly note?: string;
  /** Shown instead of a chart when nothing is plotted. */
  readonly empty: string;
  /** A fixed x range (seconds), shared by charts to compare; no zoom then. Default: the data's. */
  readonly xRange?: readonly [number, number];
}

export interface Plot {
  /**
   * Shows new data in place when only the values changed (same lines, title and note): a zoom the
   * user made is kept. False when the chart must be drawn again.
   */
  update(spec: ChartSpec): boolean;
  resize(): void;
  destroy(): void;
}

const NO_PLOT: Plot = { update: () => false, resize() {}, destroy() {} };

interface Shaped {
  readonly data: AlignedData;
  readonly lines: number;
  readonly points: number;
  readonly notes: string;
}

function shape(spec: ChartSpec): Shaped {
  const lines = Math.min(spec.labels.length, MAX_LINES);
  const data = spec.aligned.data.slice(0, lines + 1) as AlignedData;
  const points = lines < spec.labels.length ? countPoints(data) : spec.aligned.points;
  const notes = [
    spec.note,
    lines < spec.labels.length ? `${lines} of ${spec.labels.length} series shown: add a filter` : undefined,
  ]
    .filter((n) => n !== undefined && n !== '')
    .join(' · ');
  return { data, lines, points, notes };
}

function mark(card: DomElement, spec: ChartSpec, shaped: Shaped): void {
  card.setAttribute('data-stat', spec.stat);
  card.setAttribute('data-points', String(shaped.points));
  card.setAttribute('data-series', String(shaped.points === 0 ? 0 : shaped.lines));
}

/** The x range shown for this data: the data's, or a few windows around a lone one, or fixed. */
function xExtent(spec: ChartSpec, xs: readonly number[]): [number, number] {
  if (spec.xRange !== undefined) return [spec.xRange[0], spec.xRange[1]];
  const first = xs[0] ?? 0;
  const last = xs[xs.length - 1] ?? first;
  // One window alone: an axis of a few windows around it (uPlot would span days).
  if (first === last) return [first - 2 * spec.aligned.windowS, first + 2 * spec.aligned.windowS];
  return [first, last];
}

/**
 * Fills `card` (already in the page, so it has a width) with the chart.
 *
 * @example renderChart(card, { title: 'p95 (ms)', stat: 'p95', aligned, labels, height: 220, legend: true, syncKey: 'main', empty: 'no data' })
 */
export function renderChart(card: DomElement, spec: ChartSpec): Plot {
  const shaped = shape(spec);
  mark(card, spec, shaped);
  const mount = el('div', { class: 'plot' });
  card.replaceChildren(el('h3', {}, spec.title), mount);
  if (shaped.notes !== '') card.append(el('p', { class: 'note' }, shaped.notes));
  if (shaped.points === 0) {
    mount.append(el('div', { class: 'empty' }, spec.empty));
    return NO_PLOT;
  }
  let current = spec;
  let extent = xExtent(spec, shaped.data[0]);
  const zoomable = spec.xRange === undefined;
  const options: uPlot.Options = {
    width: Math.max(mount.clientWidth, 200),
    height: spec.height,
    legend: { show: spec.legend, live: true },
    cursor: { sync: { key: spec.syncKey }, ...(zoomable ? {} : { drag: { x: false, y: false } }) },
    scales: {
      x: {
        time: true,
        // A zoom (drag) asks for a narrower range: granted; a reset or new data gets the extent.
        range: (_u, min, max) =>
          zoomable && min > extent[0] - 1e-9 && max < extent[1] + 1e-9 && min < max ? [min, max] : extent,
      },
    },
    axes: [
      { stroke: '#59636e', grid: { stroke: '#eaeef2', width: 1 }, ticks: { stroke: '#d1d9e0', width: 1 } },
      {
        stroke: '#59636e',
        grid: { stroke: '#eaeef2', width: 1 },
        ticks: { stroke: '#d1d9e0', width: 1 },
        size: 60,
      },
    ],
    series: [
      { label: 'window start' },
      ...spec.labels.slice(0, shaped.lines).map((label, i) => ({
        label,
        stroke: PALETTE[i % PALETTE.length] ?? '#4e79a7',
        width: 1.5,
        spanGaps: false,
        points: { size: 5 },
      })),
    ],
  };
  const plot = new uPlot(
    options,
    shaped.data as uPlot.AlignedData,
    mount as unknown as ConstructorParameters<typeof uPlot>[2],
  );
  return {
    update(next) {
      const again = shape(next);
      const same =
        again.points > 0 &&
        again.lines === shaped.lines &&
        again.notes === shaped.notes &&
        next.title === current.title &&
        next.labels.slice(0, again.lines).every((l, i) => l === current.labels[i]);
      if (!same) return false;
      const { min, max } = plot.scales.x ?? {};
      const zoomed =
        min !== undefined && max !== undefined && (min > extent[0] + 1e-9 || max < extent[1] - 1e-9);
      current = next;
      extent = xExtent(next, again.data[0]);
      mark(card, next, again);
      plot.setData(again.data as uPlot.AlignedData, !zoomed);
      return true;
    },
    resize: () => plot.setSize({ width: Math.max(mount.clientWidth, 200), height: spec.height }),
    destroy: () => plot.destroy(),
  };
}

function countPoints(data: AlignedData): number {
  let n = 0;
  for (const ys of data.slice(1)) for (const y of ys) if (y !== null && y !== undefined) n++;
  return n;
}
