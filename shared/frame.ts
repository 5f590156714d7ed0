import { nextLevel } from './levels.ts';
import { addProblem, hasShares, sameShares, sharesOf, type ProblemCounts } from './problems.ts';
import type { CountryState, CountryStates, Level, Problem } from './protocol.ts';
import { minuteOf } from './time.ts';
import { rollingSums } from './window-sum.ts';

/**
 * A count of one country in one epoch minute. With `problem`, the part of that minute's count
 * whose reports named it: the rows of one minute and country always add up to its total, so a
 * reader that ignores `problem` still sums the right count.
 */
export interface MinuteRow {
  minute: number;
  country: string;
  count: number;
  problem?: Problem;
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
  const list = [...rows];
  return frameOfSeries(seriesOf(list, from, to), t, params, problemsOf(list, to - params.windowMinutes + 1, to));
}

/** Per country, the reports of each problem type in the minutes `from..to`. */
export function problemsOf(rows: Iterable<MinuteRow>, from: number, to: number): Map<string, ProblemCounts> {
  const out = new Map<string, ProblemCounts>();
  for (const row of rows) {
    if (!row.problem || row.minute < from || row.minute > to || !(row.count > 0)) continue;
    let counts = out.get(row.country);
    if (!counts) out.set(row.country, (counts = {}));
    addProblem(counts, row.problem, row.count);
  }
  return out;
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
export function frameOfSeries(
  series: ReadonlyMap<string, Float64Array>,
  t: number,
  params: FrameParams,
  /** Per country, the problem types named in the window ending at `t` (see `problemsOf`). */
  problems?: ReadonlyMap<string, ProblemCounts>,
): CountryStates {
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
    const shares = problems?.get(country);
    const named = shares && sharesOf(shares);
    states[country] = hasShares(named) ? { count, baseline, level, problems: named } : { count, baseline, level };
  }
  return states;
}

function sameState(a: CountryState, b: CountryState): boolean {
  return a.count === b.count && a.baseline === b.baseline && a.level === b.level;
}

/**
 * What changed from `prev` to `next`: new or changed countries with their state, and countries
 * that left the window with `count: 0`. A change carries `problems` only when the shares moved
 * (`{}` when they went away), so a frame stays small while the mix of problems holds still.
 */
export function diffStates(prev: CountryStates, next: CountryStates): CountryStates {
  const changes: CountryStates = {};
  for (const [code, state] of Object.entries(next)) {
    const before = prev[code];
    const problemsMoved = !sameShares(before?.problems, state.problems);
    if (before && sameState(before, state) && !problemsMoved) continue;
    const { problems, ...rest } = state;
    changes[code] = problemsMoved ? { ...rest, problems: problems ?? {} } : rest;
  }
  for (const [code, before] of Object.entries(prev)) {
    if (!(code in next)) changes[code] = { count: 0, baseline: before.baseline, level: 'normal' };
  }
  return changes;
}

/** Applies a frame's changes to a full state, dropping countries that fell to zero. */
export function applyChanges(states: CountryStates, changes: CountryStates): CountryStates {
  const next: CountryStates = { ...states };
  for (const [code, change] of Object.entries(changes)) {
    if (!(change.count > 0)) {
      delete next[code];
      continue;
    }
    // A change without `problems` keeps the shares held; `{}` clears them.
    const { problems: moved, ...state } = change;
    const problems = moved ?? next[code]?.problems;
    next[code] = hasShares(problems) ? { ...state, problems } : state;
  }
  return next;
}
