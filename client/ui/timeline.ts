import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { CountryStates, Mode, Timeline as TimelineData } from '../../shared/protocol.ts';
import { displayZone } from '../display-zone.ts';
import { formatCount, formatDateTime, zoneLabel } from '../format.ts';
import { t } from '../i18n/index.ts';
import { alignedData, chartOptions, seriesInfo, TIMELINE_TEXT } from './timeline-chart.ts';

export interface TimelineHooks {
  /** Data time of the playhead (runs on smoothly between frames). */
  dataTime(): number;
  /** Every country's state in the frame on the map: the legend's figures at the playhead. */
  states(): CountryStates;
  /** The latest time a replay may reach (the server's now). */
  now(): number;
  /** The pointer put the playhead at `t`; called for every move while dragging. */
  scrub(t: number): void;
}

interface View {
  service: string;
  /** Live follows a running simulation's rows; a replay reads the real history. */
  mode: Mode;
  from: number;
  to: number;
}

/** Reads `GET /api/timeline` (`{ok, data}` envelope). */
async function fetchTimeline(view: View, points: number): Promise<TimelineData> {
  const q = new URLSearchParams({ service: view.service, mode: view.mode, from: String(Math.round(view.from)), to: String(Math.round(view.to)), points: String(points) });
  const res = await fetch(`/api/timeline?${q}`);
  const body = (await res.json()) as { ok: true; data: TimelineData } | { ok: false; error: string };
  if (!body.ok) throw new Error(body.error);
  return body.data;
}

/**
 * The chart under the map: total reports, the top countries and the baseline band over a range,
 * a playhead at the data time, click or drag to scrub, Shift-drag to zoom, double-click to reset.
 */
export class Timeline {
  private chart: uPlot | undefined;
  private data: TimelineData | undefined;
  private seriesKey = '';
  /** The range chosen for the mode (an incident, the last day); zooming narrows `view` inside it. */
  private chosen: View | undefined;
  private view: View | undefined;
  private fetchSeq = 0;
  private spans: Array<[number, number]> = [];
  private scrubAt: number | undefined;
  private hoverIdx: number | null = null;
  private readonly plot: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly note: HTMLElement;
  private readonly playhead: HTMLElement;
  private readonly resetButton: HTMLButtonElement;

  constructor(
    root: HTMLElement,
    private readonly hooks: TimelineHooks,
  ) {
    root.classList.add('timeline');
    root.innerHTML = `
      <div class="timeline-head">
        <div class="timeline-legend" aria-live="off"></div>
        <button type="button" class="timeline-reset" hidden></button>
      </div>
      <div class="timeline-plot">
        <p class="timeline-note" role="status"></p>
      </div>`;
    this.plot = root.querySelector('.timeline-plot')!;
    this.plot.title = TIMELINE_TEXT.hint;
    // The plot is the playhead's slider for the keyboard and screen readers (keys.ts moves it);
    // the element outlives chart rebuilds, so focus is never lost to one.
    this.plot.tabIndex = 0;
    this.plot.setAttribute('role', 'slider');
    this.plot.setAttribute('aria-orientation', 'horizontal');
    this.plot.setAttribute('aria-label', t('a11y.sliderLabel'));
    this.legend = root.querySelector('.timeline-legend')!;
    this.note = root.querySelector('.timeline-note')!;
    this.resetButton = root.querySelector('.timeline-reset')!;
    this.resetButton.textContent = TIMELINE_TEXT.resetZoom;
    this.resetButton.addEventListener('click', () => this.resetZoom());
    this.playhead = document.createElement('div');
    this.playhead.className = 'timeline-playhead';
    new ResizeObserver(() => this.resize()).observe(this.plot);
  }

  /** Shows `service` over [from, to] (the zoom is dropped); refetches even if unchanged, to extend live. */
  show(service: string, mode: Mode, from: number, to: number): void {
    this.chosen = { service, mode, from, to };
    this.load(this.chosen);
  }

  /** The range in view (zoomed or not). */
  range(): { from: number; to: number } | undefined {
    return this.view;
  }

  /** The range last chosen with `show`, before any zoom. */
  base(): { service: string; from: number; to: number } | undefined {
    return this.chosen;
  }

  /** True while the pointer drags the playhead: the range must not change under it. */
  scrubbing(): boolean {
    return this.scrubAt !== undefined;
  }

  zoomed(): boolean {
    return this.view !== this.chosen;
  }

  setIncidentSpans(spans: Array<[number, number]>): void {
    this.spans = spans;
    this.chart?.redraw(false, false);
  }

  /** Time of the highest total in view, for "jump to peak" without a selected incident. */
  peak(): number | undefined {
    const data = this.data;
    if (!data || data.total.length === 0) return undefined;
    let best = 0;
    for (let i = 1; i < data.total.length; i++) if (data.total[i]! > data.total[best]!) best = i;
    return data.total[best]! > 0 ? data.times[best] : undefined;
  }

  /** True when the chart draws time from right to left; the arrow keys then follow the drawing. */
  mirrored(): boolean {
    return this.chart?.scales.x?.dir === -1;
  }

  /** Moves the playhead and the legend values; cheap enough to call on every animation tick. */
  tick(): void {
    const t = this.scrubAt ?? this.hooks.dataTime();
    this.describe(t);
    const chart = this.chart;
    if (!chart) return;
    const width = chart.over.clientWidth;
    let x = chart.valToPos(t, 'x');
    // Live runs up to a minute past the range fetched a moment ago (then it is refetched): pin it
    // to the right edge meanwhile rather than letting it vanish.
    if (this.view && t > this.view.to && t - this.view.to < 2 * 60_000) x = chart.valToPos(this.view.to, 'x');
    const inside = x >= 0 && x <= width;
    this.playhead.hidden = !inside;
    if (inside) this.playhead.style.transform = `translateX(${x.toFixed(1)}px)`;
    if (this.hoverIdx === null) this.renderLegend(null);
  }

  /** The slider's values, to the minute (a screen reader re-reads a focused slider on each change). */
  private describe(at: number): void {
    const view = this.view;
    if (!view) return;
    const minute = (v: number) => String(Math.floor(v / 60_000) * 60_000);
    const total = sum(Object.values(this.hooks.states()).map((s) => s.count));
    const attrs: Array<[string, string]> = [
      ['aria-valuemin', minute(view.from)],
      ['aria-valuemax', minute(Math.max(view.to, view.from))],
      ['aria-valuenow', minute(Math.max(view.from, Math.min(at, view.to)))],
      ['aria-valuetext', t('a11y.sliderValue', { time: spokenTime(at), reports: formatCount(total) })],
    ];
    for (const [name, value] of attrs) if (this.plot.getAttribute(name) !== value) this.plot.setAttribute(name, value);
  }

  /** Redraws the axis, e.g. in another display zone (the header clock's switch). */
  redraw(): void {
    if (this.chart) this.build();
  }

  resetZoom(): void {
    if (this.chosen && this.zoomed()) this.load(this.chosen);
  }

  private zoom(from: number, to: number): void {
    if (!this.chosen || to - from < 5 * 60_000) return;
    this.load({ ...this.chosen, from, to });
  }

  private async load(view: View): Promise<void> {
    const seq = ++this.fetchSeq;
    this.view = view;
    this.resetButton.hidden = !this.zoomed();
    if (!this.data || this.data.service !== view.service) this.message(TIMELINE_TEXT.loading);
    try {
      // About one point per two pixels: finer than that is invisible, coarser hides short spikes.
      const points = Math.max(60, Math.min(2000, Math.round(this.plot.clientWidth / 2)));
      const data = await fetchTimeline(view, points);
      if (seq !== this.fetchSeq) return;
      this.data = data;
      this.render(data);
      this.message(data.total.some((v) => v > 0) ? '' : TIMELINE_TEXT.empty);
    } catch (error) {
      if (seq !== this.fetchSeq) return;
      this.message(TIMELINE_TEXT.unavailable((error as Error).message));
    }
  }

  private message(text: string): void {
    this.note.textContent = text;
    this.note.hidden = !text;
  }

  private render(data: TimelineData): void {
    const key = [data.windowMinutes, ...seriesInfo(data).map((s) => s.label)].join('|');
    // Other top countries means other series; uPlot adds series one by one, so rebuild instead.
    if (this.chart && key === this.seriesKey) {
      this.chart.setData(alignedData(data));
      this.tick();
      return;
    }
    this.seriesKey = key;
    this.build();
  }

  private build(): void {
    this.chart?.destroy();
    this.chart = undefined;
    const data = this.data;
    const { clientWidth: width, clientHeight: height } = this.plot;
    if (!data || width < 10 || height < 10) return;
    const rootPx = parseFloat(getComputedStyle(document.documentElement).fontSize) || 14;
    const options = chartOptions(data, width, height, rootPx, {
      spans: () => this.spans,
      zoom: (from, to) => this.zoom(from, to),
      resetZoom: () => this.resetZoom(),
      cursor: (idx) => {
        this.hoverIdx = idx;
        this.renderLegend(idx);
      },
      unit: () => this.unit(),
    });
    const chart = new uPlot(options, alignedData(data), this.plot);
    this.chart = chart;
    chart.over.append(this.playhead);
    this.bindScrub(chart);
    this.buildLegend();
    this.tick();
  }

  private resize(): void {
    const chart = this.chart;
    const { clientWidth: width, clientHeight: height } = this.plot;
    if (!chart) {
      if (this.data) this.build();
      return;
    }
    // A new root font size (the chrome scales with the viewport) changes axis fonts: rebuild.
    const rootPx = parseFloat(getComputedStyle(document.documentElement).fontSize) || 14;
    if (chart.axes[0]!.font?.[0] !== `${Math.round(rootPx * 0.78)}px system-ui, sans-serif`) this.build();
    else chart.setSize({ width, height });
    this.tick();
  }

  /** Plain pointer drags scrub (mouse and touch alike); Shift is left to uPlot's zoom selection. */
  private bindScrub(chart: uPlot): void {
    const over = chart.over;
    const timeAt = (e: PointerEvent) => {
      const left = e.clientX - over.getBoundingClientRect().left;
      const view = this.view!;
      const t = chart.posToVal(Math.max(0, Math.min(over.clientWidth, left)), 'x');
      return Math.max(view.from, Math.min(t, view.to, this.hooks.now()));
    };
    over.addEventListener('pointerdown', (e) => {
      if (e.shiftKey || e.button !== 0 || !this.view) return;
      over.setPointerCapture(e.pointerId);
      this.scrubAt = timeAt(e);
      this.hooks.scrub(this.scrubAt);
      this.tick();
    });
    over.addEventListener('pointermove', (e) => {
      if (this.scrubAt === undefined || !over.hasPointerCapture(e.pointerId)) return;
      const t = timeAt(e);
      if (Math.abs(t - this.scrubAt) < 1000) return;
      this.scrubAt = t;
      this.hooks.scrub(t);
      this.tick();
    });
    const end = () => {
      this.scrubAt = undefined;
      this.tick();
    };
    over.addEventListener('pointerup', end);
    over.addEventListener('pointercancel', end);
  }

  private buildLegend(): void {
    const items = seriesInfo(this.data!).map((info) => {
      const item = document.createElement('span');
      item.className = 'timeline-key';
      item.innerHTML = '<i></i><span class="timeline-key-label"></span> <b></b>';
      (item.firstElementChild as HTMLElement).style.background = info.colour;
      item.querySelector('.timeline-key-label')!.textContent = info.short;
      item.title = info.label;
      return item;
    });
    // Read in order of interest: total, countries, baseline last (the chart draws it underneath).
    if (items.length > 1) items.push(items.shift()!);
    this.legend.replaceChildren(...items);
    this.legend.title = TIMELINE_TEXT.legendHint(this.unit());
  }

  private unit(): string {
    return TIMELINE_TEXT.unit(this.data?.windowMinutes ?? 0);
  }

  /**
   * The hovered point's values, else the figures of the frame on the map. A point is a window
   * count at its own minute only; between points (zoomed out) the line is no count at all, so at
   * the playhead the legend reads the map's frame itself rather than the nearest point: the
   * legend, the top list, the tooltip and the map then show one number for one moment.
   */
  private renderLegend(hoverIdx: number | null): void {
    const data = this.data;
    if (!data) return;
    let values: number[];
    if (hoverIdx !== null && data.times[hoverIdx] !== undefined) {
      values = [data.total, ...Object.values(data.countries), data.baseline].map((column) => column[hoverIdx]!);
    } else {
      const states = this.hooks.states();
      const all = Object.values(states);
      values = [
        sum(all.map((s) => s.count)),
        ...Object.keys(data.countries).map((code) => states[code]?.count ?? 0),
        sum(all.map((s) => s.baseline)),
      ];
    }
    const cells = this.legend.querySelectorAll('b');
    values.forEach((value, i) => {
      const text = formatCount(Math.round(value));
      if (cells[i] && cells[i]!.textContent !== text) cells[i]!.textContent = text;
    });
  }
}

/** The playhead's minute in the page's one display zone, named, as the header clock shows it. */
function spokenTime(at: number): string {
  const zone = displayZone();
  return t('time.zoneLabel', { time: formatDateTime(at, zone), zone: zoneLabel(zone, at) });
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
