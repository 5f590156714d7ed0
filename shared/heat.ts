import { interpolateInferno } from 'd3-scale-chromatic';

/** Window count that maps to the hottest colour unless configured (`HEAT_MAX`). */
export const DEFAULT_HEAT_MAX = 10_000;

/**
 * Counts up to this many reports share the first stretch of the ramp: below it a country is in the
 * noise (the baseline floor is 10 too), so the ramp is spent on the decades an outage runs through.
 */
export const HEAT_FLOOR = 10;
/** Heat of one report, and of `HEAT_FLOOR` reports: 1 to 10 get only 6% of the ramp. */
const ONE_REPORT = 0.06;
const AT_FLOOR = 0.12;

/** Countries without reports: a quiet slate, clearly apart from the darkest heat. */
export const NO_REPORTS_COLOR = '#283040';

// Inferno's first tenth is near black and vanishes on the dark map; its last sliver is almost
// white and loses its hue. The ramp uses the perceptually uniform part between.
export const HEAT_RAMP_FROM = 0.18;
const RAMP_TO = 0.97;

function floorOf(max: number): number {
  return Math.min(HEAT_FLOOR, Math.max(1, max) / 10);
}

/**
 * Above the floor the log of the count is raised to this power: the ramp's perceptual length goes
 * to the hundreds and thousands an outage runs through, not to the tens below them. With 1 (a
 * plain log) Canada's 1,125 and the UK's 2,598 were 44 apart in RGB; with 1.5, 59; 300 and 2,500
 * go from 102 to 133 apart.
 */
const UPPER_POWER = 1.5;

/**
 * Heat in [0, 1] for a window count: 0 means no reports, 1 means `max` or more. In two pieces:
 * 1 to 10 reports take the first 12% of the ramp on a log scale (a single report stays visible and
 * apart from none); from 10 to `max` heat is `(log(count / 10) / log(max / 10)) ^ 1.5` over the rest.
 * Monotonic, so more reports are always hotter; the legend's ticks show where counts fall.
 */
export function heatOf(count: number, max: number): number {
  if (!(count > 0)) return 0;
  const top = Math.max(max, 1);
  const floor = floorOf(top);
  if (count <= floor) return ONE_REPORT + ((AT_FLOOR - ONE_REPORT) * Math.log(Math.max(1, count))) / Math.log(Math.max(floor, 1 + 1e-9));
  const x = Math.min(1, Math.log(count / floor) / Math.log(Math.max(top / floor, 1 + 1e-9)));
  return AT_FLOOR + (1 - AT_FLOOR) * x ** UPPER_POWER;
}

/** Inverse of `heatOf` for counts of one or more: the count shown at heat `h`. */
export function countAtHeat(h: number, max: number): number {
  const top = Math.max(max, 1);
  const floor = floorOf(top);
  if (h <= AT_FLOOR) return Math.exp(((h - ONE_REPORT) / (AT_FLOOR - ONE_REPORT)) * Math.log(floor));
  return floor * Math.exp(((h - AT_FLOOR) / (1 - AT_FLOOR)) ** (1 / UPPER_POWER) * Math.log(top / floor));
}

/** CSS colour for heat `h` (0 gives the no-reports colour). */
export function heatColor(h: number): string {
  if (!(h > 0)) return NO_REPORTS_COLOR;
  return interpolateInferno(HEAT_RAMP_FROM + (RAMP_TO - HEAT_RAMP_FROM) * Math.min(1, h));
}

/**
 * `[heat, colour]` stops across (0, 1] of a ramp (by default the dark theme's), for a MapLibre
 * `interpolate` expression or a CSS gradient.
 */
export function rampStops(colorOf: (h: number) => string = heatColor, steps = 16): Array<[number, string]> {
  const stops: Array<[number, string]> = [];
  for (let i = 0; i <= steps; i++) {
    const h = Math.max(i / steps, 1e-3);
    stops.push([h, colorOf(h)]);
  }
  return stops;
}

/**
 * Legend ticks: the floor (10), the powers of ten up to `max` with a 300 (3,000...) between where
 * there is room, and `max` itself if it is not one. The 3s matter: the ramp separates 300 from
 * 2,500, so the key must too.
 */
export function legendTicks(max: number): number[] {
  const ticks: number[] = [floorOf(max)];
  for (let decade = ticks[0]! * 10; decade <= max; decade *= 10) {
    ticks.push(decade);
    // A 3 only where its label has room before the next tick's (about a sixth of the ramp).
    const three = decade * 3;
    if (decade >= 100 && three < max && heatOf(Math.min(decade * 10, max), max) - heatOf(three, max) >= 0.15) ticks.push(three);
  }
  if (ticks[ticks.length - 1] !== max) ticks.push(max);
  return ticks;
}

/** Radius of a country's proportional circle relative to the largest: its area is its count. */
export function circleScale(count: number, max: number): number {
  if (!(count > 0)) return 0;
  return Math.sqrt(Math.min(1, count / Math.max(max, 1)));
}
