import { describe, expect, it } from 'vitest';
import { applyChanges, diffStates, frameAt, type MinuteRow } from '../../shared/frame.ts';
import { sharesOf, sumProblems } from '../../shared/problems.ts';
import type { CountryStates } from '../../shared/protocol.ts';

describe('problem shares', () => {
  it('gives whole percents that add up to exactly 100', () => {
    expect(sharesOf({ website: 1, app: 1, 'server-connection': 1 })).toEqual({ website: 34, app: 33, 'server-connection': 33 });
    expect(sharesOf({ website: 820, app: 100, 'server-connection': 80 })).toEqual({ website: 82, app: 10, 'server-connection': 8 });
    expect(sharesOf({})).toEqual({});
    // A type with a sliver of the reports rounds away rather than breaking the sum.
    expect(sharesOf({ website: 999, login: 1 })).toEqual({ website: 100 });
  });

  it('sums countries into their service', () => {
    expect(sumProblems([{ website: 2 }, { website: 1, app: 3 }])).toEqual({ website: 3, app: 3 });
  });

  it('puts shares in a frame from the rows that named a problem in the window', () => {
    const T = Date.UTC(2022, 11, 29, 0, 45);
    const M = T / 60_000;
    const rows: MinuteRow[] = [
      { minute: M, country: 'US', count: 8, problem: 'website' },
      { minute: M, country: 'US', count: 2, problem: 'app' },
      { minute: M, country: 'US', count: 5 },
      { minute: M, country: 'JP', count: 3 },
      // Before the window: counts toward the level's lookback only, not the shares.
      { minute: M - 20, country: 'US', count: 9, problem: 'login' },
    ];
    const states = frameAt(rows, T, { windowMinutes: 15, baseline: () => 10 });
    expect(states.US).toEqual({ count: 15, baseline: 10, level: 'normal', problems: { website: 80, app: 20 } });
    expect(states.JP).toEqual({ count: 3, baseline: 10, level: 'normal' });
  });

  it('sends a country\'s shares in a delta only when they moved', () => {
    const prev: CountryStates = { US: { count: 10, baseline: 10, level: 'normal', problems: { website: 80, app: 20 } }, GB: { count: 2, baseline: 10, level: 'normal', problems: { app: 100 } } };
    const next: CountryStates = { US: { count: 20, baseline: 10, level: 'elevated', problems: { website: 80, app: 20 } }, GB: { count: 3, baseline: 10, level: 'normal' } };
    const changes = diffStates(prev, next);
    expect(changes.US).toEqual({ count: 20, baseline: 10, level: 'elevated' });
    expect(changes.GB).toEqual({ count: 3, baseline: 10, level: 'normal', problems: {} });
    expect(applyChanges(prev, changes)).toEqual(next);
    // Only the shares moved: the country is in the delta with them.
    const shifted = { ...next, US: { ...next.US!, problems: { website: 70, app: 30 } } };
    expect(diffStates(next, shifted)).toEqual({ US: shifted.US });
    expect(diffStates(next, next)).toEqual({});
  });
});
