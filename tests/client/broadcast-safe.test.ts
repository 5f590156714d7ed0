import { describe, expect, it } from 'vitest';
import { heatColor } from '../../shared/heat.ts';
import { BROADCAST_SAFE_RATE, HeatTween, limitStep, type HeatTweenOptions } from '../../client/map/heat-tween.ts';
import { LIGHT_PALETTE } from '../../client/map/palette.ts';

const TICK_MS = 1000 / 60;

/**
 * Runs a tween on synthetic 60 fps ticks for `seconds`, setting one country's target from
 * `input(ms)` whenever it changes, and returns what was drawn: [ms, heat] per tick.
 */
function drive(options: HeatTweenOptions, input: (ms: number) => number, seconds: number): Array<[number, number]> {
  let now = 0;
  let pending: ((now: number) => void) | undefined;
  const tween = new HeatTween({ ...options, frames: { request: (tick) => (pending = tick), now: () => now } });
  const drawn: Array<[number, number]> = [];
  tween.attach((_code, heat) => drawn.push([now, heat]));
  let last: number | undefined;
  for (let i = 0; i * TICK_MS <= seconds * 1000; i++) {
    now = i * TICK_MS;
    const target = input(now);
    if (target !== last) tween.setTargets([['US', target]]);
    last = target;
    const tick = pending;
    pending = undefined;
    tick?.(now);
  }
  return drawn;
}

/** Times at which the series turns round after moving at least `threshold` one way (zig-zag). */
function reversals(series: Array<[number, number]>, threshold: number): number[] {
  const times: number[] = [];
  if (series.length === 0) return times;
  let dir = 0;
  let lo = series[0]![1];
  let hi = lo;
  let extreme = lo;
  for (const [t, v] of series) {
    if (dir === 0) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      if (v - lo >= threshold) [dir, extreme] = [1, v];
      else if (hi - v >= threshold) [dir, extreme] = [-1, v];
    } else if (dir * (v - extreme) > 0) extreme = v;
    else if (Math.abs(v - extreme) >= threshold) {
      times.push(t);
      [dir, extreme] = [-dir, v];
    }
  }
  return times;
}

/** The most events in any one-second window. */
function perSecond(times: number[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

function luminance(css: string): number {
  const rgb = css.startsWith('#') ? [1, 3, 5].map((i) => parseInt(css.slice(i, i + 2), 16)) : css.match(/\d+/g)!.map(Number);
  const [r, g, b] = rgb.map((c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** Square waves between two heats at a frequency, and a seeded random jump every 33 ms. */
const square = (lo: number, hi: number, hz: number) => (ms: number) => (Math.floor((ms * hz * 2) / 1000) % 2 === 0 ? lo : hi);
function noise(seed: number): (ms: number) => number {
  const values: number[] = [];
  let s = seed;
  for (let i = 0; i < 200; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    values.push(s / 2 ** 31);
  }
  return (ms) => values[Math.floor(ms / (1000 / 30)) % values.length]!;
}

const INPUTS: Array<[string, (ms: number) => number]> = [
  ['0/1 at 30 Hz', square(0, 1, 30)],
  ...[1, 1.5, 2, 2.5, 3, 4, 5, 8, 15].flatMap((hz): Array<[string, (ms: number) => number]> => [
    [`0/1 at ${hz} Hz`, square(0, 1, hz)],
    [`0.4/0.6 at ${hz} Hz`, square(0.4, 0.6, hz)],
    [`0.8/1 at ${hz} Hz`, square(0.8, 1, hz)],
  ]),
  ['random targets at 30 Hz', noise(7)],
];

describe('broadcast-safe heat tween', () => {
  it('limits a step to the rate times the time elapsed', () => {
    expect(limitStep(0.2, 1, 0.25, 400)).toBeCloseTo(0.3);
    expect(limitStep(0.2, 0, 0.25, 400)).toBeCloseTo(0.1);
    expect(limitStep(0.2, 0.25, 0.25, 400)).toBe(0.25);
    expect(limitStep(0.2, 1, Infinity, 16)).toBe(1);
  });

  it('turns alternating targets at 30 Hz for 5 s into at most 3 reversals of 0.1 heat a second', () => {
    const drawn = drive({ maxRatePerSecond: BROADCAST_SAFE_RATE }, square(0, 1, 30), 5);
    expect(drawn.length).toBeGreaterThan(250);
    expect(perSecond(reversals(drawn, 0.1))).toBeLessThanOrEqual(3);
  });

  it.each(INPUTS)('keeps %s under three flashes a second, in heat and in luminance on both themes', (_name, input) => {
    const drawn = drive({ maxRatePerSecond: BROADCAST_SAFE_RATE }, input, 5);
    expect(perSecond(reversals(drawn, 0.1))).toBeLessThanOrEqual(3);
    for (const colour of [heatColor, LIGHT_PALETTE.heat]) {
      // WCAG 2.3.1: a flash is a pair of opposing changes of 10% relative luminance; three a second at most.
      const lum = drawn.map(([t, h]): [number, number] => [t, luminance(colour(h))]);
      expect(Math.floor((perSecond(reversals(lum, 0.1)) + 1) / 2)).toBeLessThanOrEqual(3);
    }
    // Never faster than the cap between two ticks.
    for (let i = 1; i < drawn.length; i++) {
      const [t0, h0] = drawn[i - 1]!;
      const [t1, h1] = drawn[i]!;
      expect(Math.abs(h1 - h0)).toBeLessThanOrEqual((BROADCAST_SAFE_RATE * (t1 - t0)) / 1000 + 1e-9);
    }
  });

  it('flashes without the cap, so the limit is what makes it safe', () => {
    const worst = Math.max(...INPUTS.map(([, input]) => perSecond(reversals(drive({}, input, 5), 0.1))));
    expect(worst).toBeGreaterThan(3);
  });

  it('still arrives at the target and stops ticking', () => {
    const drawn = drive({ maxRatePerSecond: BROADCAST_SAFE_RATE }, (ms) => (ms < 100 ? 0 : 0.8), 5);
    expect(drawn[drawn.length - 1]![1]).toBe(0.8);
    // 0.8 heat at 0.25/s is 3.2 s; after that nothing is drawn (the loop stopped).
    expect(drawn[drawn.length - 1]![0]).toBeLessThan(3600);
  });
});
