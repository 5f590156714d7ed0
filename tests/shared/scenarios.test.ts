import { describe, expect, it } from 'vitest';
import { isCountryCode } from '../../shared/countries.ts';
import type { MinuteRow } from '../../shared/frame.ts';
import { peakWindow, scenarioInfo, scenarioRows, SCENARIOS } from '../../shared/scenarios.ts';
import { minuteOf } from '../../shared/time.ts';

const utcMinute = (month: number, day: number, hour: number, minute: number, year = 2022) =>
  minuteOf(Date.UTC(year, month - 1, day, hour, minute));

/** Sum of `country`'s counts in the epoch minutes `[from, to]`. */
function sumBetween(rows: readonly MinuteRow[], country: string, from: number, to: number): number {
  return rows.filter((r) => r.country === country && r.minute >= from && r.minute <= to).reduce((n, r) => n + r.count, 0);
}

/** Last minute of the first 15-minute window whose sum reaches `fraction` of the country's peak. */
function riseMinute(rows: readonly MinuteRow[], country: string, fraction: number): number {
  const target = fraction * peakWindow(rows, country).count;
  const minutes = rows.filter((r) => r.country === country).map((r) => r.minute);
  for (let m = Math.min(...minutes); m <= Math.max(...minutes); m++) {
    if (sumBetween(rows, country, m - 14, m) >= target) return m;
  }
  throw new Error(`${country} never reaches ${fraction} of its peak`);
}

describe('peakWindow', () => {
  it('finds the largest trailing-window sum and the minute that ends it', () => {
    const rows: MinuteRow[] = [
      { minute: 100, country: 'US', count: 1 },
      { minute: 101, country: 'US', count: 5 },
      { minute: 103, country: 'US', count: 4 },
      { minute: 104, country: 'US', count: 1 },
      { minute: 102, country: 'JP', count: 50 },
    ];
    expect(peakWindow(rows, 'US', 3)).toEqual({ minute: 103, count: 9 });
    expect(peakWindow(rows, 'US', 1)).toEqual({ minute: 101, count: 5 });
  });

  it('answers a count of 0 for a country without rows', () => {
    expect(peakWindow([], 'US').count).toBe(0);
  });
});

describe('twitter-2022-12-28 scenario', () => {
  const rows = scenarioRows('twitter-2022-12-28');

  it('covers 22:00 UTC on 28 December to 04:00 UTC on 29 December', () => {
    const info = scenarioInfo('twitter-2022-12-28');
    expect(info.start).toBe(Date.UTC(2022, 11, 28, 22, 0));
    expect(info.minutes).toBe(360);
    expect(info.service).toBe('twitter');
    expect(info.note).toMatch(/not Downdetector's raw data/);
    expect(info.sources).toContain('NetBlocks');
    for (const r of rows) {
      expect(r.minute).toBeGreaterThanOrEqual(utcMinute(12, 28, 22, 0));
      expect(r.minute).toBeLessThan(utcMinute(12, 29, 4, 0));
    }
  });

  it.each([
    ['US', 10_400],
    ['JP', 2_500],
    ['GB', 2_500],
  ])('peaks in %s within 10%% of the published 15-minute figure %i', (country, published) => {
    const { count } = peakWindow(rows, country);
    expect(count).toBeGreaterThan(published * 0.9);
    expect(count).toBeLessThan(published * 1.1);
  });

  it('keeps every other country clearly below the published peaks', () => {
    const others = new Set(rows.map((r) => r.country).filter((c) => !['US', 'JP', 'GB'].includes(c)));
    expect(others.size).toBeGreaterThanOrEqual(5);
    for (const country of others) expect(peakWindow(rows, country).count).toBeLessThan(2_000);
  });

  it('puts the US peak between 00:30 and 01:15 UTC on 29 December', () => {
    const { minute } = peakWindow(rows, 'US');
    expect(minute).toBeGreaterThanOrEqual(utcMinute(12, 29, 0, 30));
    expect(minute).toBeLessThanOrEqual(utcMinute(12, 29, 1, 15));
  });

  it('is near zero two hours before the start', () => {
    for (const country of ['US', 'JP', 'GB']) {
      const quiet = sumBetween(rows, country, utcMinute(12, 28, 22, 0), utcMinute(12, 28, 22, 14));
      expect(quiet).toBeLessThan(0.02 * peakWindow(rows, country).count);
    }
  });

  it('has the US rising before Japan and the UK', () => {
    const us = riseMinute(rows, 'US', 0.1);
    expect(us).toBeGreaterThanOrEqual(utcMinute(12, 29, 0, 0));
    expect(us).toBeLessThan(riseMinute(rows, 'JP', 0.1));
    expect(us).toBeLessThan(riseMinute(rows, 'GB', 0.1));
  });

  it('has fallen to a fraction of the peak by 03:15 UTC', () => {
    const late = sumBetween(rows, 'US', utcMinute(12, 29, 3, 1), utcMinute(12, 29, 3, 15));
    expect(late).toBeLessThan(0.05 * peakWindow(rows, 'US').count);
  });

  it('gives identical rows for the same seed and different rows for another', () => {
    expect(scenarioRows('twitter-2022-12-28', { seed: 7 })).toEqual(scenarioRows('twitter-2022-12-28', { seed: 7 }));
    expect(scenarioRows('twitter-2022-12-28', { seed: 8 })).not.toEqual(scenarioRows('twitter-2022-12-28', { seed: 7 }));
  });
});

describe('twitter-2022-12-28 problem types', () => {
  const totals = scenarioRows('twitter-2022-12-28');
  const split = scenarioRows('twitter-2022-12-28', { problems: true });
  const sum = (rows: typeof split, country: string, problem?: string) => rows.filter((r) => r.country === country && (!problem || r.problem === problem)).reduce((n, r) => n + r.count, 0);

  it('splits every minute into problem types that add up to the same totals', () => {
    expect(split.every((r) => r.problem !== undefined)).toBe(true);
    for (const country of ['US', 'JP', 'GB']) expect(sum(split, country)).toBe(sum(totals, country));
    expect(peakWindow(split, 'US')).toEqual(peakWindow(totals, 'US'));
  });

  it('carries Downdetector\'s US shares: website 82%, app 10%, server connection 8%', () => {
    const us = sum(split, 'US');
    expect(sum(split, 'US', 'website') / us).toBeCloseTo(0.82, 2);
    expect(sum(split, 'US', 'app') / us).toBeCloseTo(0.1, 2);
    expect(sum(split, 'US', 'server-connection') / us).toBeCloseTo(0.08, 2);
  });

  it('says in its note that the split outside the US is assumed', () => {
    expect(scenarioInfo('twitter-2022-12-28', { problems: true }).note).toMatch(/^Reconstructed from press reports.*Problem types: Downdetector's US split.*other countries is assumed/);
  });
});

describe('rogers-2022-07-08 scenario', () => {
  const rows = scenarioRows('rogers-2022-07-08');
  const total = (country?: string) => rows.filter((r) => !country || r.country === country).reduce((n, r) => n + r.count, 0);

  it('is Canada-dominated', () => {
    expect(total('CA') / total()).toBeGreaterThan(0.95);
    expect(peakWindow(rows, 'CA').count).toBeGreaterThan(50 * peakWindow(rows, 'US').count);
  });

  it('spikes from 08:30 UTC and is over by 04:30 UTC the next day', () => {
    const peak = peakWindow(rows, 'CA');
    const before = sumBetween(rows, 'CA', utcMinute(7, 8, 8, 0), utcMinute(7, 8, 8, 14));
    const spike = sumBetween(rows, 'CA', utcMinute(7, 8, 8, 45), utcMinute(7, 8, 8, 59));
    const after = sumBetween(rows, 'CA', utcMinute(7, 9, 4, 30), utcMinute(7, 9, 4, 44));
    expect(before).toBeLessThan(0.02 * peak.count);
    expect(spike).toBeGreaterThan(0.05 * peak.count);
    expect(after).toBeLessThan(0.02 * peak.count);
    expect(peak.minute).toBeGreaterThan(utcMinute(7, 8, 8, 30));
  });
});

describe('random scenario', () => {
  it('is a seeded outage in 3 to 8 countries lasting 2 to 4 hours', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const info = scenarioInfo('random', { seed });
      const rows = scenarioRows('random', { seed });
      expect(info.minutes).toBeGreaterThanOrEqual(120);
      expect(info.minutes).toBeLessThanOrEqual(240);
      const countries = new Set(rows.map((r) => r.country));
      expect(countries.size).toBeGreaterThanOrEqual(3);
      expect(countries.size).toBeLessThanOrEqual(8);
      expect(rows).toEqual(scenarioRows('random', { seed }));
    }
    expect(scenarioRows('random', { seed: 1 })).not.toEqual(scenarioRows('random', { seed: 2 }));
  });

  it('files under the given service, or "example"', () => {
    expect(scenarioInfo('random').service).toBe('example');
    expect(scenarioInfo('random', { service: 'acme' }).service).toBe('acme');
  });
});

describe('every scenario', () => {
  it.each(SCENARIOS)('%s uses valid alpha-2 codes and positive counts within its span', (id) => {
    for (const seed of [undefined, 5, 99]) {
      const info = scenarioInfo(id, { seed });
      const first = minuteOf(info.start);
      for (const r of scenarioRows(id, { seed })) {
        expect(isCountryCode(r.country), r.country).toBe(true);
        expect(Number.isInteger(r.count) && r.count > 0).toBe(true);
        expect(r.minute - first).toBeGreaterThanOrEqual(0);
        expect(r.minute - first).toBeLessThan(info.minutes);
      }
    }
  });
});
