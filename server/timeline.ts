import type { Timeline } from '../shared/protocol.ts';
import { MINUTE_MS, minuteOf } from '../shared/time.ts';
import { SLOT_MINUTES, type HistoryStore } from './store/store.ts';

/** Steps the chart may use, in minutes: round numbers a reader recognises on an axis. */
const STEPS = [1, 2, 5, 15, 30, 60, 120, 180, 360, 720, 1440];
const TOP_COUNTRIES = 5;
/** Without `from`, the chart shows this much before `to`. */
const DEFAULT_SPAN_MINUTES = 24 * 60;

export interface TimelineQuery {
  service: string;
  from?: number;
  to?: number;
  points: number;
}

export interface TimelineSettings {
  windowMinutes: number;
  baselineFloor: number;
}

/** Per slot, each country's baseline for a window (the frames' own baselines). */
export interface BaselineSource {
  slotBaselines(service: string, slots: readonly number[]): Promise<Map<number, Map<string, number>>>;
}

/** Counts covering the minutes `[from, to]`: one minute row, or one 15-minute slot sum. */
interface Span {
  from: number;
  to: number;
  country: string;
  count: number;
}

interface Sums {
  total: Float64Array;
  byCountry: Map<string, Float64Array>;
}

/**
 * The chart under the map, in the map's own figure: the point at minute `p` is, for each country
 * and in total, the count of the `windowMinutes` minutes ending at `p`, exactly what `frameAt`
 * gives for a data time in minute `p`; the baseline is the sum of the frame's baselines of the
 * countries with reports there. The chart therefore never rescales anything.
 *
 * Points sit at the last minute of each `step` (`(p + 1) % step === 0`), plus the range's first
 * and last minute when they fall between, so the chart reaches the playhead of a live view. With
 * whole 15-minute steps and windows, a point's window is made of whole slots and is read from the
 * stored slot sums; otherwise (and for the two end points) from minute rows. Zoomed out, the chart
 * samples the window at each point: between points it is a line, not a count.
 *
 * Defaults to the day before the service's last stored minute. An explicit `to` is used as given,
 * never clamped to the wall clock: a simulation's live view runs on its own clock. A range longer
 * than `points` days keeps its end.
 */
export async function buildTimeline(store: HistoryStore, baselines: BaselineSource, settings: TimelineSettings, q: TimelineQuery): Promise<Timeline> {
  const w = settings.windowMinutes;
  const range = q.to === undefined || q.from === undefined ? await store.range(q.service) : null;
  const toMinute = q.to !== undefined ? minuteOf(q.to) : (range?.to ?? minuteOf(Date.now()));
  const asked = q.from !== undefined ? minuteOf(q.from) : Math.max(range?.from ?? toMinute, toMinute - DEFAULT_SPAN_MINUTES);
  // Even at a point a day, `points` bounds the answer: a longer range keeps its end.
  const fromMinute = Math.min(toMinute, Math.max(asked, toMinute - (q.points - 2) * STEPS[STEPS.length - 1]! + 1));
  const span = toMinute - fromMinute + 1;
  // Two points more than the grid may hold: the range's ends.
  const step = STEPS.find((s) => Math.ceil(span / s) + 2 <= q.points) ?? STEPS[STEPS.length - 1]!;

  const grid: number[] = [];
  for (let p = Math.ceil((fromMinute + 1) / step) * step - 1; p <= toMinute; p += step) grid.push(p);
  const ends = [fromMinute, toMinute].filter((p, i, all) => (p + 1) % step !== 0 && all.indexOf(p) === i);
  const minutes = [...grid, ...ends].sort((a, b) => a - b);

  let sums: Sums;
  if (step % SLOT_MINUTES === 0 && w % SLOT_MINUTES === 0) {
    // Every grid point ends a slot and every window is whole slots: a slot is in a window or out.
    const spans: Span[] = [];
    if (grid.length > 0) {
      const first = Math.floor((grid[0]! - w + 1) / SLOT_MINUTES);
      const last = Math.floor(grid[grid.length - 1]! / SLOT_MINUTES);
      for (const row of await store.slotRange(q.service, first, last)) {
        spans.push({ from: row.slot * SLOT_MINUTES, to: (row.slot + 1) * SLOT_MINUTES - 1, country: row.country, count: row.count });
      }
    }
    const ofGrid = windowSums(spans, grid, w);
    const ofEnds = windowSums(await minuteSpans(store, q.service, ends, w, false), ends, w);
    sums = merge(minutes, [grid, ofGrid], [ends, ofEnds]);
  } else {
    // Under 15-minute steps the windows overlap or nearly touch: one read of the whole range.
    sums = windowSums(await minuteSpans(store, q.service, minutes, w, step < SLOT_MINUTES), minutes, w);
  }

  const pointSlots = minutes.map((p) => Math.floor(p / SLOT_MINUTES));
  const bySlot = await baselines.slotBaselines(q.service, [...new Set(pointSlots)]);
  const baseline = pointSlots.map((slot, i) => {
    let sum = 0;
    for (const [country, series] of sums.byCountry) if (series[i]! > 0) sum += bySlot.get(slot)?.get(country) ?? settings.baselineFloor;
    // Baselines carry one decimal; the sum of a few is cut back to one.
    return Math.round(sum * 10) / 10;
  });

  const top = [...sums.byCountry.entries()]
    .map(([country, series]) => ({ country, series, peak: Math.max(...series) }))
    .sort((a, b) => b.peak - a.peak || a.country.localeCompare(b.country))
    .slice(0, TOP_COUNTRIES);
  return {
    service: q.service,
    from: fromMinute * MINUTE_MS,
    to: (toMinute + 1) * MINUTE_MS - 1,
    step: step * MINUTE_MS,
    windowMinutes: w,
    times: minutes.map((p) => p * MINUTE_MS),
    total: Array.from(sums.total),
    baseline,
    countries: Object.fromEntries(top.map(({ country, series }) => [country, Array.from(series)])),
  };
}

/**
 * Minute rows covering the windows ending at `points`: one read of the whole stretch when
 * `contiguous`, else one per run of overlapping windows (steps far longer than the window).
 */
async function minuteSpans(store: HistoryStore, service: string, points: readonly number[], w: number, contiguous: boolean): Promise<Span[]> {
  if (points.length === 0) return [];
  const reads: Array<[number, number]> = [];
  if (contiguous) reads.push([points[0]! - w + 1, points[points.length - 1]!]);
  else {
    for (const p of points) {
      const last = reads[reads.length - 1];
      if (last && p - w + 1 <= last[1] + 1) last[1] = p;
      else reads.push([p - w + 1, p]);
    }
  }
  const spans: Span[] = [];
  for (const [from, to] of reads) {
    for (const row of await store.rows(service, from, to)) spans.push({ from: row.minute, to: row.minute, country: row.country, count: row.count });
  }
  return spans;
}

/**
 * For each point `p` (ascending minutes), the sum of the spans lying wholly in `[p - w + 1, p]`,
 * per country and in total. A span adds to a run of consecutive points, so each is two entries
 * in a difference array: linear in spans plus points, whatever the window's length. Callers
 * give spans that no point's window cuts in two. Rows with nothing to count are skipped, as
 * `frameAt` skips them.
 */
function windowSums(spans: Iterable<Span>, points: readonly number[], w: number): Sums {
  const n = points.length;
  const total = new Float64Array(n + 1);
  const diffs = new Map<string, Float64Array>();
  for (const s of spans) {
    if (!(s.count > 0)) continue;
    const lo = firstAtLeast(points, s.to);
    const hi = firstAtLeast(points, s.from + w);
    if (lo >= hi) continue;
    let d = diffs.get(s.country);
    if (!d) diffs.set(s.country, (d = new Float64Array(n + 1)));
    d[lo]! += s.count;
    d[hi]! -= s.count;
    total[lo]! += s.count;
    total[hi]! -= s.count;
  }
  const byCountry = new Map<string, Float64Array>();
  for (const [country, d] of diffs) byCountry.set(country, accumulate(d, n));
  return { total: accumulate(total, n), byCountry };
}

function accumulate(diff: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  let running = 0;
  for (let i = 0; i < n; i++) out[i] = running += diff[i]!;
  return out;
}

/** Index of the first of the ascending `values` that is at least `x` (`values.length` if none). */
function firstAtLeast(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Interleaves the sums of disjoint point sets into the order of `minutes`. */
function merge(minutes: readonly number[], ...parts: Array<[readonly number[], Sums]>): Sums {
  const n = minutes.length;
  const index = new Map(minutes.map((p, i) => [p, i]));
  const total = new Float64Array(n);
  const byCountry = new Map<string, Float64Array>();
  for (const [points, sums] of parts) {
    points.forEach((p, i) => (total[index.get(p)!] = sums.total[i]!));
    for (const [country, series] of sums.byCountry) {
      let out = byCountry.get(country);
      if (!out) byCountry.set(country, (out = new Float64Array(n)));
      points.forEach((p, i) => (out[index.get(p)!] = series[i]!));
    }
  }
  return { total, byCountry };
}
