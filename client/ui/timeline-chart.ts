import uPlot from 'uplot';
import type { Timeline as TimelineData } from '../../shared/protocol.ts';
import { countryName, formatCompact } from '../format.ts';

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

/** Every word the timeline shows, in one place (counts and times arrive formatted with Intl). */
export const TIMELINE_TEXT = {
  total: 'Total',
  baseline: 'Baseline',
  /** The unit of every value on the chart and in its legend: the map's own figure. */
  unit: (minutes: string) => `Reports in the last ${minutes} min`,
  /** The legend's hint: whose figures it shows. */
  legendHint: (unit: string) => `${unit}: on the map at the playhead, or at the point under the pointer`,
  hint: 'Click or drag to move the playhead · Shift-drag to zoom · double-click to reset',
  resetZoom: 'Reset zoom',
  loading: 'Loading…',
  empty: 'No reports stored in this period',
  unavailable: (reason: string) => `Timeline unavailable: ${reason}`,
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

const hourMinute = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** Axis labels on the viewer's clock, with the date under the first label of each day. */
function timeLabels(_u: uPlot, splits: number[], _axis: number, _space: number, incr: number): string[] {
  return splits.map((t, i) => {
    if (incr >= DAY_MS) return dayMonth.format(t);
    const day = dayMonth.format(t);
    const newDay = i === 0 || dayMonth.format(splits[i - 1]!) !== day;
    return newDay ? `${hourMinute.format(t)}\n${day}` : hourMinute.format(t);
  });
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
  return {
    width,
    height,
    // Epoch milliseconds on the x axis, as on the wire.
    ms: 1,
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
      x: { time: true },
      y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.08)] },
    },
    axes: [
      { ...axis, values: timeLabels, space: rootPx * 5, size: rootPx * 2.6 },
      { ...axis, values: (_u, splits) => splits.map((v) => formatCompact(v)), space: rootPx * 1.8, size: rootPx * 3 },
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
            const x0 = Math.max(bbox.left, u.valToPos(from, 'x', true));
            const x1 = Math.min(bbox.left + bbox.width, u.valToPos(to, 'x', true));
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
          ctx.textAlign = 'left';
          ctx.textBaseline = 'top';
          const pad = Math.round(3 * px);
          const width = ctx.measureText(text).width;
          ctx.fillStyle = UNIT_BACKDROP;
          ctx.fillRect(bbox.left, bbox.top, width + 2 * pad, Math.round(rootPx * 0.72 * px) + 2 * pad);
          ctx.fillStyle = AXIS_COLOUR;
          ctx.fillText(text, bbox.left + pad, bbox.top + pad);
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
