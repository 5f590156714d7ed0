/**
 * Bundled outage replays, rebuilt from the public facts in `scenarios/README.md` as per-minute
 * report counts per country. They are reconstructions fitted to press figures, not Downdetector's
 * raw data; figures the press did not publish are marked as estimates where they are set.
 */
import { COUNTRY_CODES } from './countries.ts';
import type { MinuteRow } from './frame.ts';
import { TWITTER_PROBLEMS_NOTE } from './problems.ts';
import type { Problem } from './protocol.ts';
import { minuteOf, minuteStart } from './time.ts';
import { rollingSums } from './window-sum.ts';

export const SCENARIOS = ['twitter-2022-12-28', 'rogers-2022-07-08', 'random'] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

export interface ScenarioOptions {
  /** Seeds the noise (and, for `random`, the outage itself); each scenario has a default. */
  seed?: number;
  /** Service the counts are filed under; defaults to the scenario's own. */
  service?: string;
  /**
   * Split each minute's count into the problem types reported (rows with `problem` that add up
   * to the count), where the scenario has a published breakdown; otherwise totals only.
   */
  problems?: boolean;
}

export interface ScenarioInfo {
  id: ScenarioId;
  service: string;
  title: string;
  /** Epoch ms of the first minute. */
  start: number;
  /** Length of the replay in minutes. */
  minutes: number;
  sources: readonly string[];
  /** What the data is, to be shown wherever it is. */
  note: string;
}

const RECONSTRUCTED = "Reconstructed from press reports, not Downdetector's raw data";

/** Downdetector's chart bucket, which every press figure refers to. */
const PEAK_WINDOW = 15;

export function isScenarioId(id: string): id is ScenarioId {
  return (SCENARIOS as readonly string[]).includes(id);
}

/** Epoch minute of a UTC date and time (month 1-12). */
function utcMinute(year: number, month: number, day: number, hour: number, minute: number): number {
  return minuteOf(Date.UTC(year, month - 1, day, hour, minute));
}

/** One country's outage curve; all times are epoch minutes. */
interface Pulse {
  country: string;
  /** Target for the largest trailing-15-minute sum. */
  peak15: number;
  /** Reports start to rise. */
  onset: number;
  /** Reports per minute are highest. */
  peak: number;
  /** Minutes after the peak at which the rate has halved (the decline has a long tail). */
  halfLife: number;
  /** The service comes back: the rate is cut to zero between these minutes. */
  recoverFrom: number;
  recoverTo: number;
  /** A quick first jump to `fraction` of the peak within `minutes` of the onset. */
  early?: { fraction: number; minutes: number };
  /** Reports per minute when nothing is wrong. */
  background: number;
}

function smoothstep(from: number, to: number, x: number): number {
  const u = Math.min(1, Math.max(0, (x - from) / (to - from)));
  return u * u * (3 - 2 * u);
}

/** The pulse's shape at minute `m`, 1 at its peak; smooth on both sides of the peak. */
function shapeAt(p: Pulse, m: number): number {
  if (m < p.onset) return 0;
  if (m < p.peak) {
    const main = smoothstep(p.onset, p.peak, m);
    if (!p.early) return main;
    const jump = smoothstep(p.onset, p.onset + p.early.minutes, m);
    return p.early.fraction * jump + (1 - p.early.fraction) * main;
  }
  const x = (m - p.peak) / p.halfLife;
  return (1 / (1 + x * x)) * (1 - smoothstep(p.recoverFrom, p.recoverTo, m));
}

/**
 * Expected reports per minute for `minutes` minutes from `first`, scaled so that the largest
 * trailing-15-minute sum is exactly `peak15`. Scaling numerically rather than by formula keeps
 * the target exact whatever the curve's shape.
 */
function expectedSeries(p: Pulse, first: number, minutes: number): Float64Array {
  const shape = new Float64Array(minutes);
  for (let i = 0; i < minutes; i++) shape[i] = shapeAt(p, first + i);
  const shapePeak = Math.max(...rollingSums(shape, PEAK_WINDOW));
  // A constant background adds the same amount to every full window.
  const scale = Math.max(0, p.peak15 - p.background * PEAK_WINDOW) / shapePeak;
  return shape.map((s) => p.background + scale * s);
}

/** mulberry32: a tiny, fast, seedable PRNG with a 2^32 period; plenty for noise. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed per country, so adding a country leaves the others' noise unchanged. */
function countrySeed(seed: number, country: string): number {
  let h = 0x811c9dc5 ^ seed; // FNV-1a over the code, started from the seed
  for (let i = 0; i < country.length; i++) h = Math.imul(h ^ country.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Poisson sample: Knuth's product method for small means, a normal approximation above 30. */
function poisson(rand: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda < 30) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rand();
    while (p > limit) {
      k++;
      p *= rand();
    }
    return k;
  }
  const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()); // Box-Muller
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
}

// --- Twitter, 28 December 2022 -------------------------------------------------------------
// Reports start about 00:05 UTC on the 29th (the press: 19:00-19:13 ET). Reuters gives the peaks
// of the US (over 10,000), Japan and the UK (about 2,500 each); the US peak is put at about 00:45
// UTC (10,000 within the first hour, the Guardian and RaiNews). Japan's and the UK's peak times
// were not published: Japan (09:00 Thursday, starting the day) is set to peak a little later and
// decline more slowly than the UK (midnight). Desktop service returned about 02:45 UTC (HuffPost),
// after which reports fell sharply (Reuters).
const TWITTER_START = utcMinute(2022, 12, 28, 22, 0);
const TWITTER_MINUTES = 360;

const twitter = (country: string, peak15: number, onset: string, peak: string, halfLife: number): Pulse => {
  const at = (hhmm: string) => utcMinute(2022, 12, 29, Number(hhmm.slice(0, 2)), Number(hhmm.slice(3)));
  return {
    country,
    peak15,
    onset: at(onset),
    peak: at(peak),
    halfLife,
    recoverFrom: at('02:35'),
    recoverTo: at('03:10'),
    // A few reports a minute for the US, fewer elsewhere: Downdetector's quiet-hour level.
    background: Math.max(0.02, peak15 / 20_000),
  };
};

const TWITTER_PULSES: readonly Pulse[] = [
  twitter('US', 10_400, '00:05', '00:38', 50),
  twitter('JP', 2_500, '00:09', '00:48', 60),
  twitter('GB', 2_500, '00:10', '00:42', 40),
  // Estimates: no outlet published these countries' figures. They only give the map the
  // international spread NetBlocks described, clearly below the three published peaks.
  twitter('CA', 1_100, '00:06', '00:40', 50),
  twitter('BR', 700, '00:08', '00:45', 45),
  twitter('IN', 600, '00:10', '00:50', 55),
  twitter('AU', 500, '00:09', '00:47', 55),
  twitter('MX', 450, '00:08', '00:44', 45),
  twitter('ES', 450, '00:11', '00:46', 40),
  twitter('FR', 400, '00:11', '00:46', 40),
  twitter('DE', 350, '00:11', '00:47', 40),
  twitter('IT', 250, '00:12', '00:48', 40),
  twitter('KR', 250, '00:10', '00:50', 55),
  twitter('PH', 300, '00:10', '00:49', 55),
  twitter('NL', 150, '00:12', '00:47', 40),
];

// Downdetector's problem types for the US (the press, via Downdetector): website 82%, app 10%,
// server connection 8%. No other country's split was published: they are assumed to be the US's.
const TWITTER_PROBLEMS: ReadonlyArray<[Problem, number]> = [['website', 0.82], ['app', 0.1], ['server-connection', 0.08]];

// --- Rogers, 8 July 2022 ---------------------------------------------------------------------
// Downdetector.ca shows a spike from about 08:30 UTC (04:30 ET); service was restored around
// 04:01 UTC on the 9th (00:01 ET Saturday). That is "nearly 19 hours" as Reuters put it; another
// copy of the story says 7, which fits neither end time, so the 19 hours are kept.
//
// The peak. The README reads press counts as Downdetector chart values (reports per 15-minute
// bucket), and calls the Rogers figure a Downdetector.ca spike of "about 20,000 problem
// reports", so 20,000 is taken as the highest bucket, not the event's total. A total of 20,000
// over 19 hours would average about 260 reports per bucket for a carrier with over 10 million
// customers that took banks and 911 down with it, and no outlet quotes a cumulative count.
// The peak bucket is put at 12:30-12:45 UTC (08:30 ET): the outage began at 04:30 ET, but most
// Canadians found phone and internet dead when they woke and tried to work, and Rogers' first
// statement came just before 09:00 ET. Early risers give a first jump of thousands of reports
// by 05:00 ET. After the peak the rate decays slowly (each user counts once, so reports fall
// while the outage goes on) until service starts coming back in the evening. Both the peak
// time and the reading of the figure are estimates: if 20,000 should be the event total, lower
// ROGERS_PEAK15 to about 1,100 and the shape stays.
const ROGERS_START = utcMinute(2022, 7, 8, 6, 30);
const ROGERS_MINUTES = 24 * 60;
const ROGERS_PEAK15 = 20_000;

const rogers = (country: string, peak15: number, background: number): Pulse => ({
  country,
  peak15,
  onset: utcMinute(2022, 7, 8, 8, 30),
  peak: utcMinute(2022, 7, 8, 12, 25),
  halfLife: 300,
  recoverFrom: utcMinute(2022, 7, 9, 0, 0),
  recoverTo: utcMinute(2022, 7, 9, 4, 15),
  early: { fraction: 0.2, minutes: 30 },
  background,
});

const ROGERS_PULSES: readonly Pulse[] = [
  rogers('CA', ROGERS_PEAK15, 0.5),
  // Estimate: Canadians travelling or near the border who reach Downdetector's US site.
  rogers('US', 150, 0.02),
];

// --- Random ------------------------------------------------------------------------------------
const RANDOM_EPOCH = Date.UTC(2024, 0, 1);

function randomScenario(seed: number): { start: number; minutes: number; pulses: Pulse[] } {
  const rand = mulberry32(seed);
  const between = (lo: number, hi: number) => lo + rand() * (hi - lo);
  const minutes = 120 + Math.floor(rand() * 121);
  const start = minuteOf(RANDOM_EPOCH) + Math.floor(rand() * 365 * 24) * 60;
  const countries = [...COUNTRY_CODES];
  const count = 3 + Math.floor(rand() * 6);
  const onset = start + Math.round(minutes * between(0.1, 0.25));
  const recoverTo = start + minutes - 10;
  const mainPeak = Math.round(Math.exp(between(Math.log(300), Math.log(6_000))));
  const pulses: Pulse[] = [];
  for (let i = 0; i < count; i++) {
    // Partial Fisher-Yates: the first `count` entries become a random sample.
    const j = i + Math.floor(rand() * (countries.length - i));
    [countries[i], countries[j]] = [countries[j]!, countries[i]!];
    const peak15 = i === 0 ? mainPeak : Math.round(mainPeak * between(0.05, 0.6));
    const begins = onset + Math.floor(between(0, 8));
    pulses.push({
      country: countries[i]!,
      peak15,
      onset: begins,
      peak: begins + Math.round(between(15, 40)),
      halfLife: between(20, 60),
      recoverFrom: recoverTo - 30,
      recoverTo,
      background: Math.max(0.02, peak15 / 20_000),
    });
  }
  return { start, minutes, pulses };
}

const DEFAULT_SEED: Record<ScenarioId, number> = {
  'twitter-2022-12-28': 20221228,
  'rogers-2022-07-08': 20220708,
  random: 1,
};

/** The scenario's title, time span, sources and note. */
export function scenarioInfo(id: ScenarioId, options: ScenarioOptions = {}): ScenarioInfo {
  const seed = options.seed ?? DEFAULT_SEED[id];
  switch (id) {
    case 'twitter-2022-12-28':
      return {
        id,
        service: options.service ?? 'twitter',
        title: 'Twitter outage, 28-29 December 2022',
        start: minuteStart(TWITTER_START),
        minutes: TWITTER_MINUTES,
        sources: ['Reuters (Downdetector)', 'The Guardian', 'HuffPost', 'Fox Business', 'UPI', 'RaiNews', 'NetBlocks'],
        note: options.problems ? `${RECONSTRUCTED}. ${TWITTER_PROBLEMS_NOTE}` : RECONSTRUCTED,
      };
    case 'rogers-2022-07-08':
      return {
        id,
        service: options.service ?? 'rogers',
        title: 'Rogers outage, Canada, 8-9 July 2022',
        start: minuteStart(ROGERS_START),
        minutes: ROGERS_MINUTES,
        sources: ['Downdetector.ca (via the press)', 'Reuters', 'NetBlocks'],
        note: RECONSTRUCTED,
      };
    case 'random': {
      const { start, minutes } = randomScenario(seed);
      return {
        id,
        service: options.service ?? 'example',
        title: `Random outage (seed ${seed})`,
        start: minuteStart(start),
        minutes,
        sources: [],
        note: 'Synthetic: a seeded random outage, not real data',
      };
    }
  }
}

/**
 * The scenario's report counts per country and minute, sorted by minute then country. Minutes
 * with no reports are left out. The same id and seed always give the same rows.
 */
export function scenarioRows(id: ScenarioId, options: ScenarioOptions = {}): MinuteRow[] {
  const seed = options.seed ?? DEFAULT_SEED[id];
  const { start, minutes, pulses } =
    id === 'twitter-2022-12-28'
      ? { start: TWITTER_START, minutes: TWITTER_MINUTES, pulses: TWITTER_PULSES }
      : id === 'rogers-2022-07-08'
        ? { start: ROGERS_START, minutes: ROGERS_MINUTES, pulses: ROGERS_PULSES }
        : randomScenario(seed);
  const split = options.problems && id === 'twitter-2022-12-28' ? TWITTER_PROBLEMS : undefined;
  const rows: MinuteRow[] = [];
  for (const pulse of pulses) {
    const rand = mulberry32(countrySeed(seed, pulse.country));
    // Reports take their type from a low-discrepancy (Weyl) sequence, not random draws: every
    // window then holds the published split to within a report or two, instead of noise that was
    // never published (and that would change the shares, so the frames, every minute). Apart from
    // `rand`, so the totals are the same with or without the split.
    const pick = weyl(countrySeed(seed, pulse.country));
    const expected = expectedSeries(pulse, start, minutes);
    for (let i = 0; i < minutes; i++) {
      const count = poisson(rand, expected[i]!);
      if (count <= 0) continue;
      if (!split) rows.push({ minute: start + i, country: pulse.country, count });
      else for (const [problem, n] of splitCount(pick, count, split)) rows.push({ minute: start + i, country: pulse.country, count: n, problem });
    }
  }
  return rows.sort((a, b) => a.minute - b.minute || (a.country < b.country ? -1 : a.country > b.country ? 1 : 0));
}

/** The golden-ratio sequence from `start`: numbers in [0, 1) spread as evenly as any sequence can be. */
function weyl(start: number): () => number {
  let k = start % 1000;
  return () => (++k * 0.6180339887498949) % 1;
}

/** Each of `count` reports takes its problem type by the shares: the minute's counts per type. */
function splitCount(rand: () => number, count: number, shares: ReadonlyArray<[Problem, number]>): Array<[Problem, number]> {
  const counts = shares.map(([problem]) => [problem, 0] as [Problem, number]);
  for (let k = 0; k < count; k++) {
    let x = rand();
    let i = 0;
    while (i < shares.length - 1 && x >= shares[i]![1]) x -= shares[i++]![1];
    counts[i]![1]++;
  }
  return counts.filter(([, n]) => n > 0);
}

/**
 * The largest trailing-window sum of `country`'s counts: `minute` is the window's last epoch
 * minute. With no rows for the country the count is 0 and the minute NaN.
 */
export function peakWindow(rows: readonly MinuteRow[], country: string, windowMinutes = PEAK_WINDOW): { minute: number; count: number } {
  let first = Infinity;
  let last = -Infinity;
  for (const r of rows) {
    if (r.country !== country) continue;
    first = Math.min(first, r.minute);
    last = Math.max(last, r.minute);
  }
  if (first > last) return { minute: Number.NaN, count: 0 };
  const series = new Float64Array(last - first + 1);
  for (const r of rows) if (r.country === country) series[r.minute - first]! += r.count;
  const sums = rollingSums(series, windowMinutes);
  let best = 0;
  for (let i = 1; i < sums.length; i++) if (sums[i]! > sums[best]!) best = i;
  return { minute: first + best, count: sums[best]! };
}

