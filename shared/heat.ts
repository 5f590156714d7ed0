import { interpolateInferno } from 'd3-scale-chromatic';

/** Window count that maps to the hottest colour unless configured (`HEAT_MAX`). */
export const DEFAULT_HEAT_MAX = 10_000;

/** Countries without reports: a quiet slate, clearly apart from the darkest heat. */
export const NO_REPORTS_COLOR = '#283040';

// Inferno's first tenth is near black and vanishes on the dark map; its last sliver is almost
// white and loses its hue. The ramp uses the perceptually uniform part between.
const RAMP_FROM = 0.18;
const RAMP_TO = 0.97;

/**
 * Heat in [0, 1] for a window count on a log scale: 0 means no reports, 1 means `max` or more.
 * `log(1 + count)` keeps a single report visible and distinct from none.
 */
export function heatOf(count: number, max: number): number {
  if (!(count > 0)) return 0;
  return Math.min(1, Math.log1p(count) / Math.log1p(Math.max(max, 1)));
}

/** Inverse of `heatOf`: the count shown at heat `h`. */
export function countAtHeat(h: number, max: number): number {
  return Math.expm1(h * Math.log1p(Math.max(max, 1)));
}

/** CSS colour for heat `h` (0 gives the no-reports colour). */
export function heatColor(h: number): string {
  if (!(h > 0)) return NO_REPORTS_COLOR;
  return interpolateInferno(RAMP_FROM + (RAMP_TO - RAMP_FROM) * Math.min(1, h));
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

/** Legend ticks: 1 and each power of ten up to `max`, then `max` itself if it is not one. */
export function legendTicks(max: number): number[] {
  const ticks: number[] = [];
  for (let v = 1; v <= max; v *= 10) ticks.push(v);
  if (ticks[ticks.length - 1] !== max) ticks.push(max);
  return ticks;
}
