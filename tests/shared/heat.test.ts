import { describe, expect, it } from 'vitest';
import { NO_REPORTS_COLOR, countAtHeat, heatColor, heatOf, legendTicks, rampStops } from '../../shared/heat.ts';

function luminance(css: string): number {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css);
  if (!hex) throw new Error(`not a #rrggbb colour: ${css}`);
  const [r, g, b] = hex.slice(1).map((h) => parseInt(h, 16)) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

describe('heat scale', () => {
  it('is 0 for no reports and 1 at the maximum and above', () => {
    expect(heatOf(0, 10_000)).toBe(0);
    expect(heatOf(10_000, 10_000)).toBe(1);
    expect(heatOf(50_000, 10_000)).toBe(1);
  });

  it('is logarithmic: each tenfold step adds about the same heat', () => {
    const steps = [heatOf(10, 10_000) - heatOf(1, 10_000), heatOf(100, 10_000) - heatOf(10, 10_000), heatOf(1000, 10_000) - heatOf(100, 10_000)];
    expect(steps[2]! / steps[1]!).toBeCloseTo(1, 1);
    expect(heatOf(1, 10_000)).toBeGreaterThan(0.05);
  });

  it('inverts to the count for the legend', () => {
    for (const n of [1, 10, 250, 10_000]) expect(countAtHeat(heatOf(n, 10_000), 10_000)).toBeCloseTo(n, 6);
  });

  it('gives no reports its own colour and brightens monotonically with heat', () => {
    expect(heatColor(0)).toBe(NO_REPORTS_COLOR);
    const lums = rampStops(heatColor, 10).map(([, c]) => luminance(c));
    for (let i = 1; i < lums.length; i++) expect(lums[i]!).toBeGreaterThan(lums[i - 1]!);
  });

  it('labels the legend with powers of ten up to the maximum', () => {
    expect(legendTicks(10_000)).toEqual([1, 10, 100, 1000, 10_000]);
    expect(legendTicks(5000)).toEqual([1, 10, 100, 1000, 5000]);
  });
});
