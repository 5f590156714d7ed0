import { describe, expect, it } from 'vitest';
import { interpolateInferno } from 'd3-scale-chromatic';
import { NO_REPORTS_COLOR, circleScale, countAtHeat, heatColor, heatOf, legendTicks, rampStops } from '../../shared/heat.ts';
import { LIGHT_PALETTE } from '../../client/map/palette.ts';

function luminance(css: string): number {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css);
  if (!hex) throw new Error(`not a #rrggbb colour: ${css}`);
  const [r, g, b] = hex.slice(1).map((h) => parseInt(h, 16)) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function rgbDistance(a: string, b: string): number {
  const [x, y] = [a, b].map((c) => (c.startsWith('#') ? [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) : c.match(/\d+/g)!.map(Number)));
  return Math.hypot(x![0]! - y![0]!, x![1]! - y![1]!, x![2]! - y![2]!);
}

describe('heat scale', () => {
  it('is 0 for no reports and 1 at the maximum and above', () => {
    expect(heatOf(0, 10_000)).toBe(0);
    expect(heatOf(10_000, 10_000)).toBe(1);
    expect(heatOf(50_000, 10_000)).toBe(1);
  });

  it('gives 1 to 10 reports a short log stretch and spends the ramp on the hundreds and thousands', () => {
    // One report is visible (and apart from none), but 1 to 10 take little of the ramp.
    expect(heatOf(1, 10_000)).toBeGreaterThan(0.05);
    expect(heatOf(10, 10_000)).toBeLessThan(0.15);
    expect(heatOf(2, 10_000)).toBeGreaterThan(heatOf(1, 10_000));
    // Each decade above 10 gets more of the ramp than the one below it.
    const decades = [10, 100, 1000, 10_000].map((n) => heatOf(n, 10_000));
    for (let i = 2; i < decades.length; i++) expect(decades[i]! - decades[i - 1]!).toBeGreaterThan(decades[i - 1]! - decades[i - 2]!);
    // Monotonic all the way.
    let last = 0;
    for (let n = 1; n <= 12_000; n = Math.ceil(n * 1.05)) {
      const h = heatOf(n, 10_000);
      expect(h).toBeGreaterThanOrEqual(last);
      last = h;
    }
  });

  it('separates 300 from 2,500 reports by over a quarter of the ramp, and their colours by far', () => {
    expect(heatOf(2500, 10_000) - heatOf(300, 10_000)).toBeGreaterThan(0.25);
    // Canada against the UK at the Twitter peak (1,125 against 2,598): a visible step, not one orange.
    // (A plain log scale gave 44 and 102.)
    expect(rgbDistance(heatColor(heatOf(1125, 10_000)), heatColor(heatOf(2598, 10_000)))).toBeGreaterThan(50);
    expect(rgbDistance(heatColor(heatOf(300, 10_000)), heatColor(heatOf(2500, 10_000)))).toBeGreaterThan(120);
    // The US (10,231) stands apart from the UK.
    expect(rgbDistance(heatColor(heatOf(10_231, 10_000)), heatColor(heatOf(2598, 10_000)))).toBeGreaterThan(120);
  });

  it('inverts to the count for the legend', () => {
    for (const n of [1, 3, 10, 250, 10_000]) expect(countAtHeat(heatOf(n, 10_000), 10_000)).toBeCloseTo(n, 6);
  });

  it('gives no reports its own colour and brightens monotonically with heat', () => {
    expect(heatColor(0)).toBe(NO_REPORTS_COLOR);
    const lums = rampStops(heatColor, 10).map(([, c]) => luminance(c));
    for (let i = 1; i < lums.length; i++) expect(lums[i]!).toBeGreaterThan(lums[i - 1]!);
  });

  it('runs the same way on the light theme: more reports, brighter and redder-to-amber, never reversed', () => {
    const dark = rampStops(heatColor, 10).map(([, c]) => luminance(c));
    const light = rampStops(LIGHT_PALETTE.heat, 10).map(([, c]) => luminance(c));
    for (let i = 1; i < light.length; i++) expect(light[i]!).toBeGreaterThan(light[i - 1]!);
    // The same hue for the same count up to the light theme's end (it leaves out the palest yellow).
    expect(rgbDistance(LIGHT_PALETTE.heat(heatOf(300, 10_000)), heatColor(heatOf(300, 10_000)))).toBeLessThan(40);
    expect(dark[10]!).toBeGreaterThan(dark[0]!);
    expect(LIGHT_PALETTE.heat(1)).toBe(interpolateInferno(0.86));
  });

  it('labels the legend from the floor by decades, with a 3 between where there is room', () => {
    expect(legendTicks(10_000)).toEqual([10, 100, 300, 1000, 3000, 10_000]);
    expect(legendTicks(5000)).toEqual([10, 100, 300, 1000, 5000]);
  });

  it('sizes circles by area: four times the reports, twice the radius', () => {
    expect(circleScale(0, 10_000)).toBe(0);
    expect(circleScale(10_000, 10_000)).toBe(1);
    expect(circleScale(2500, 10_000)).toBeCloseTo(0.5, 6);
    expect(circleScale(625, 10_000)).toBeCloseTo(0.25, 6);
  });
});
