import { nextLevel } from './levels.ts';
import type { CountryState, CountryStates, Level } from './protocol.ts';
import { minuteOf } from './time.ts';
import { rollingSums } from './window-sum.ts';

/** A count of one country in one epoch minute. */
export interface MinuteRow {
  minute: number;
  country: string;
  count: number;
}

export interface FrameParams {
  windowMinutes: number;
  /** Expected reports in a window ending at `minute` for `country`. */
  baseline: (country: string, minute: number) => number;
}

/**
 * Windows before the current one that are replayed to decide a level, so that hysteresis gives
 * the same answer live and in replay without keeping state between frames.
 */
export const LEVEL_LOOKBACK_MINUTES = 30;

/** The epoch minutes (inclusive) of history a frame at data time `t` reads. */
export function frameSpan(t: number, windowMinutes: number): { from: number; to: number } {
  const to = minuteOf(t);
  return { from: to - windowMinutes - LEVEL_LOOKBACK_MINUTES + 1, to };
}

/**
 * The frame at data time `t`: each country's count in the trailing window, its baseline and its
 * level. A pure function of the rows in `frameSpan(t)`; live, replay and tests all call it.
 * Countries with no reports in the window are left out.
 */
export function frameAt(rows: Iterable<MinuteRow>, t: number, params: FrameParams): CountryStates {
  const { from, to } = frameSpan(t, params.windowMinutes);
  return frameOfSeries(seriesOf(rows, from, to), t, params);
}

/** Per country, its counts of the minutes `from..to` (index 0 is `from`). */
export function seriesOf(rows: Iterable<MinuteRow>, from: number, to: number): Map<string, Float64Array> {
  const series = new Map<string, Float64Array>();
  for (const row of rows) {
    if (row.minute < from || row.minute > to || !(row.count > 0)) continue;
    let s = series.get(row.country);
    if (!s) series.set(row.country, (s = new Float64Array(to - from + 1)));
    s[row.minute - from]! += row.count;
  }
  return series;
}

/**
 * `frameAt` from per-country minute series covering exactly `frameSpan(t)`, for callers that
 * keep counts by country already (the server's minute cache) and need not make rows of them.
 */
export function frameOfSeries(series: ReadonlyMap<string, Float64Array>, t: number, params: FrameParams): CountryStates {
  const { from, to } = frameSpan(t, params.windowMinutes);
  const length = to - from + 1;
  const states: CountryStates = {};
  const firstStep = params.windowMinutes - 1;
  for (const [country, s] of series) {
    const sums = rollingSums(s, params.windowMinutes);
    const count = sums[length - 1]!;
    if (count <= 0) continue;
    let level: Level = 'normal';
    let baseline = 0;
    for (let i = firstStep; i < length; i++) {
      baseline = params.baseline(country, from + i);
      level = nextLevel(level, sums[i]!, baseline);
    }
    states[country] = { count, baseline, level };
  }
  return states;
}

function sameState(a: CountryState, b: CountryState): boolean {
  return a.count === b.count && a.baseline === b.baseline && a.level === b.level;
}

/**
 * What changed from `prev` to `next`: new or changed countries with their state, and countries
 * that left the window with `count: 0`.
 */
export function diffStates(prev: CountryStates, next: CountryStates): CountryStates {
  const changes: CountryStates = {};
  for (const [code, state] of Object.entries(next)) {
    const before = prev[code];
    if (!before || !sameState(before, state)) changes[code] = state;
  }
  for (const [code, before] of Object.entries(prev)) {
    if (!(code in next)) changes[code] = { count: 0, baseline: before.baseline, level: 'normal' };
  }
  return changes;
}

/** Applies a frame's changes to a full state, dropping countries that fell to zero. */
export function applyChanges(states: CountryStates, changes: CountryStates): CountryStates {
  const next: CountryStates = { ...states };
  for (const [code, state] of Object.entries(changes)) {
    if (state.count > 0) next[code] = state;
    else delete next[code];
  }
  return next;
}
