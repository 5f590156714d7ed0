import { describe, expect, it } from 'vitest';
import { LEVEL_RULE, levelAfter, nextLevel } from '../../shared/levels.ts';

describe('levels', () => {
  it('maps the ratio to baseline to normal, elevated and outage', () => {
    expect(nextLevel('normal', 10, 10)).toBe('normal');
    expect(nextLevel('normal', 20, 10)).toBe('elevated');
    expect(nextLevel('normal', 50, 10)).toBe('outage');
  });

  it('keeps a level until the ratio falls below its exit threshold', () => {
    const baseline = 100;
    const justBelowEnter = (LEVEL_RULE.outage.enter - 0.1) * baseline;
    expect(nextLevel('outage', justBelowEnter, baseline)).toBe('outage');
    expect(nextLevel('elevated', justBelowEnter, baseline)).toBe('elevated');
    expect(nextLevel('outage', (LEVEL_RULE.outage.exit - 0.1) * baseline, baseline)).toBe('elevated');
    expect(nextLevel('elevated', (LEVEL_RULE.elevated.exit - 0.1) * baseline, baseline)).toBe('normal');
    expect(nextLevel('elevated', LEVEL_RULE.elevated.exit * baseline, baseline)).toBe('elevated');
  });

  it('does not flicker when the count oscillates around a threshold', () => {
    const baseline = 10;
    const around = [19, 21, 19, 21, 19, 21, 19];
    const levels: string[] = [];
    let level = nextLevel('normal', around[0]!, baseline);
    for (const count of around) levels.push((level = nextLevel(level, count, baseline)));
    expect(levels).toEqual(['normal', 'elevated', 'elevated', 'elevated', 'elevated', 'elevated', 'elevated']);
  });

  it('folds a sequence of windows from normal', () => {
    expect(levelAfter([60, 45, 40], [10, 10, 10])).toBe('outage');
    expect(levelAfter([45, 40], [10, 10])).toBe('elevated');
    expect(levelAfter([], [])).toBe('normal');
  });
});
