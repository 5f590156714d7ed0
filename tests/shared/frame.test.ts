import { describe, expect, it } from 'vitest';
import { applyChanges, diffStates, frameAt, frameSpan, type MinuteRow } from '../../shared/frame.ts';
import { minuteOf } from '../../shared/time.ts';

const T = Date.UTC(2022, 11, 29, 0, 45, 30);
const M = minuteOf(T);
const params = { windowMinutes: 15, baseline: () => 10 };

describe('frameAt', () => {
  it('counts the trailing window per country, including the current minute', () => {
    const rows: MinuteRow[] = [
      { minute: M, country: 'US', count: 5 },
      { minute: M - 14, country: 'US', count: 7 },
      { minute: M - 15, country: 'US', count: 1000 }, // just outside the window
      { minute: M - 3, country: 'JP', count: 2 },
      { minute: M - 3, country: 'JP', count: 1 },
    ];
    const states = frameAt(rows, T, params);
    expect(states.US?.count).toBe(12);
    expect(states.JP?.count).toBe(3);
    expect(Object.keys(states).sort()).toEqual(['JP', 'US']);
  });

  it('leaves out countries whose reports all lie before the window', () => {
    expect(frameAt([{ minute: M - 20, country: 'GB', count: 9 }], T, params)).toEqual({});
  });

  it('decides the level with hysteresis from the windows before', () => {
    // 100 a minute until 15 minutes ago, then 3 a minute: the window now holds 45 (ratio 4.5),
    // above outage's exit (3.5) after an outage, but only elevated when coming from quiet.
    const rows: MinuteRow[] = [];
    for (let m = M - 44; m <= M; m++) rows.push({ minute: m, country: 'US', count: m <= M - 15 ? 100 : 3 });
    expect(frameAt(rows, T, params).US).toEqual({ count: 45, baseline: 10, level: 'outage' });
    const quiet = rows.filter((r) => r.minute > M - 15);
    expect(frameAt(quiet, T, params).US).toEqual({ count: 45, baseline: 10, level: 'elevated' });
  });

  it('reads only the minutes in its span', () => {
    const { from, to } = frameSpan(T, 15);
    expect(to).toBe(M);
    const outside = frameAt([{ minute: from - 1, country: 'US', count: 1e6 }, { minute: to, country: 'US', count: 12 }], T, params);
    expect(outside.US).toEqual({ count: 12, baseline: 10, level: 'normal' });
  });
});

describe('frame deltas', () => {
  it('sends changed and new countries, and departed ones at zero', () => {
    const prev = { US: { count: 5, baseline: 10, level: 'normal' as const }, JP: { count: 2, baseline: 10, level: 'normal' as const }, GB: { count: 1, baseline: 10, level: 'normal' as const } };
    const next = { US: { count: 6, baseline: 10, level: 'normal' as const }, JP: prev.JP, FR: { count: 1, baseline: 10, level: 'normal' as const } };
    const changes = diffStates(prev, next);
    expect(changes).toEqual({ US: next.US, FR: next.FR, GB: { count: 0, baseline: 10, level: 'normal' } });
    expect(applyChanges(prev, changes)).toEqual(next);
  });
});
