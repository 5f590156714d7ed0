import uPlot from 'uplot';
import type { Timeline as TimelineData } from '../../shared/protocol.ts';
import { displayZone } from '../display-zone.ts';
import { countryName, formatCompact, formatDateTimeParts, formatTime } from '../format.ts';
import { locale, t } from '../i18n/index.ts';

const DAY_MS = 86_400_000;

/** Okabe and Ito's qualitative palette (colour-blind safe), minus black, brightest first for the dark theme. */
export const COUNTRY_COLOURS = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#CC79A7', '#D55E00', '#0072B2'];
export const TOTAL_COLOUR = '#e6ecf8';
export const BASELINE_COLOUR = 'rgba(147, 160, 186, 0.75)';
const BASELINE_FILL = 'rgba(147, 160, 186, 0.16)';
const AXIS_COLOUR = '#93a0ba';
const GRID_COLOUR = 'rgba(150, 170, 210, 0.1)';
const INCIDENT_FILL = 'rgba(255, 93, 108, 0.09)';
const UNIT_BACKDROP = 'rgba(10, 15, 28, 0.7)';

/** Every word the timeline shows, from the catalogue (counts and times arrive formatted with Intl). */
export const TIMELINE_TEXT = {
  get total() {
    return t('timeline.total');
  },
  get baseline() {
    return t('timeline.baseline');
  },
  /** The unit of every value on the chart and in its legend: the map's own figure. */
  unit: (minutes: number) => t('timeline.unit', { count: minutes }),
  /** The legend's hint: whose figures it shows. */
  legendHint: (unit: string) => t('timeline.legendHint', { unit }),
  get hint() {
    return t('timeline.hint');
  },
  get resetZoom() {
    return t('timeline.resetZoom');
  },
  get loading() {
    return t('common.loading');
  },
  get empty() {
    return t('timeline.empty');
  },
  /** The reason is never the server's text: pages say what failed in the reader's language. */
  unavailable: (_reason?: string) => t('timeline.unavailable', { reason: t('errors.generic') }),
};

export interface SeriesInfo {
  label: string;
  /** The legend's short form (a country's code), `label` being its tooltip. */
  short: string;
  colour: string;
}

/** The series after x, in chart order: baseline (drawn first, underneath), total, then countries. */
export function seriesInfo(data: TimelineData): SeriesInfo[] {
  return [
    { label: TIMELINE_TEXT.baseline, short: TIMELINE_TEXT.baseline, colour: BASELINE_COLOUR },
    { label: TIMELINE_TEXT.total, short: TIMELINE_TEXT.total, colour: TOTAL_COLOUR },
    ...Object.keys(data.countries).map((code, i) => ({
      label: countryName(code),
      // Codes keep the one-line legend short enough to show every value beside the controls.
      short: code,
      colour: COUNTRY_COLOURS[i % COUNTRY_COLOURS.length]!,
    })),
  ];
}

export function alignedData(data: TimelineData): uPlot.AlignedData {
  return [data.times, data.baseline, data.total, ...Object.values(data.countries)];
}

const measure = document.createElement('canvas').getContext('2d')!;

/** Half the widest line of an axis label in `font`, in CSS pixels. */
function halfWidth(label: string, font: string): number {
  measure.font = font;
  return Math.max(...label.split('\n').map((line) => measure.measureText(line).width)) / 2;
}

/**
 * Axis labels in the page's display zone (the header clock's), with the date under the first
 * label of each day. uPlot centres a label on its tick, so one whose tick is within half its width
 * of the canvas's edge would be cut ("11:00 PI"): it is left out, and the tick stays.
 */
function timeLabels(font: string): uPlot.Axis.DynamicValues {
  return (u, splits, _axis, _space, incr) => {
    const zone = displayZone();
    let shownDay: string | undefined;
    return splits.map((at) => {
      const day = formatDateTimeParts(at, zone).dayMonth;
      const label = incr >= DAY_MS ? day : day !== shownDay ? `${formatTime(at, zone)}\n${day}` : formatTime(at, zone);
      const x = u.valToPos(at, 'x', true) / uPlot.pxRatio;
      const half = halfWidth(label, font);
      if (x - half < 0 || x + half > u.width) return null;
      shownDay = day;
      return label;
    });
  };
}

export interface ChartCallbacks {
  /** Incident spans (epoch ms) to shade behind the lines. */
  spans(): Array<[number, number]>;
  /** The viewer shift-dragged a range: zoom to it. */
  zoom(from: number, to: number): void;
  resetZoom(): void;
  cursor(idx: number | null): void;
  /** The unit written in the plot's corner. */
  unit(): string;
}

/**
 * uPlot options for the timeline. Plain drags belong to scrubbing (timeline.ts listens to pointer
 * events itself), so uPlot's own drag-to-zoom only starts with Shift held.
 */
export function chartOptions(data: TimelineData, width: number, height: number, rootPx: number, cb: ChartCallbacks): uPlot.Options {
  const font = `${Math.round(rootPx * 0.78)}px system-ui, sans-serif`;
  const infos = seriesInfo(data);
  const axis = { stroke: AXIS_COLOUR, font, grid: { stroke: GRID_COLOUR, width: 1 }, ticks: { stroke: GRID_COLOUR, width: 1, size: 4 } };
  // Right-to-left pages draw time from right to left, with the count axis on the right.
  const rtl = locale().dir === 'rtl';
  const zone = displayZone();
  return {
    width,
    height,
    // Epoch milliseconds on the x axis, as on the wire.
    ms: 1,
    // Ticks fall on whole hours and days of the display zone, not of the browser's.
    tzDate: (ts) => uPlot.tzDate(new Date(ts), zone),
    legend: { show: false },
    padding: [Math.round(rootPx * 0.5), Math.round(rootPx * 0.9), 0, 0],
    cursor: {
      y: false,
      points: { show: false },
      drag: { x: true, y: false, setScale: false },
      bind: {
        mousedown: (_u, _target, handler) => (e) => {
          if (e.shiftKey) handler(e);
          return null;
        },
        dblclick: () => () => {
          cb.resetZoom();
          return null;
        },
      },
    },
    scales: {
      x: { time: true, dir: rtl ? -1 : 1 },
      y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.08)] },
    },
    axes: [
      { ...axis, values: timeLabels(font), space: rootPx * 5, size: rootPx * 2.6 },
      { ...axis, side: rtl ? 1 : 3, values: (_u, splits) => splits.map((v) => formatCompact(v)), space: rootPx * 1.8, size: rootPx * 3 },
    ],
    series: [
      {},
      ...infos.map((info, i): uPlot.Series => ({
        label: info.label,
        stroke: info.colour,
        width: i === 1 ? 2 : i === 0 ? 1 : 1.5,
        dash: i === 0 ? [4, 3] : undefined,
        // The band under the baseline shows what "normal" is without a second axis.
        fill: i === 0 ? BASELINE_FILL : undefined,
        points: { show: false },
        spanGaps: false,
      })),
    ],
    hooks: {
      drawAxes: [
        (u) => {
          // Incidents as faint bands behind the series, so the lines stay readable.
          const { ctx, bbox } = u;
          ctx.save();
          ctx.fillStyle = INCIDENT_FILL;
          for (const [from, to] of cb.spans()) {
            // Either way round: right-to-left pages draw `to` left of `from`.
            const [a, b] = [u.valToPos(from, 'x', true), u.valToPos(to, 'x', true)];
            const x0 = Math.max(bbox.left, Math.min(a, b));
            const x1 = Math.min(bbox.left + bbox.width, Math.max(a, b));
            if (x1 > x0) ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
          }
          ctx.restore();
        },
      ],
      draw: [
        (u) => {
          // The unit in the top left corner, on a backdrop so a line passing under it stays apart.
          const { ctx, bbox } = u;
          const px = uPlot.pxRatio;
          const text = cb.unit();
          ctx.save();
          ctx.font = `${Math.round(rootPx * 0.72 * px)}px system-ui, sans-serif`;
          ctx.direction = rtl ? 'rtl' : 'ltr';
          ctx.textAlign = 'left';
          ctx.textBaseline = 'top';
          const pad = Math.round(3 * px);
          const width = ctx.measureText(text).width;
          // In the inline-start corner: top left, or top right in right-to-left pages.
          const x = rtl ? bbox.left + bbox.width - width - 2 * pad : bbox.left;
          ctx.fillStyle = UNIT_BACKDROP;
          ctx.fillRect(x, bbox.top, width + 2 * pad, Math.round(rootPx * 0.72 * px) + 2 * pad);
          ctx.fillStyle = AXIS_COLOUR;
          ctx.fillText(text, x + pad, bbox.top + pad);
          ctx.restore();
        },
      ],
      setSelect: [
        (u) => {
          const { left, width: w } = u.select;
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          if (w < 4) return;
          cb.zoom(u.posToVal(left, 'x'), u.posToVal(left + w, 'x'));
        },
      ],
      setCursor: [(u) => cb.cursor(u.cursor.idx ?? null)],
    },
  };
}
