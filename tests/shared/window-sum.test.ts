import { describe, expect, it } from 'vitest';
import { minuteOf, minuteStart, windowMinutes } from '../../shared/time.ts';
import { rollingSums, windowSum } from '../../shared/window-sum.ts';

describe('time buckets', () => {
  it('puts an instant in the epoch minute that contains it', () => {
    const t = Date.UTC(2022, 11, 29, 0, 45, 59, 999);
    expect(minuteStart(minuteOf(t))).toBe(Date.UTC(2022, 11, 29, 0, 45));
    expect(minuteOf(Date.UTC(2022, 11, 29, 0, 46))).toBe(minuteOf(t) + 1);
  });

  it('ends the trailing window with the minute of the data time', () => {
    const t = Date.UTC(2022, 11, 29, 1, 0, 30);
    const { from, to } = windowMinutes(t, 15);
    expect(to).toBe(minuteOf(t));
    expect(to - from + 1).toBe(15);
    expect(minuteStart(from)).toBe(Date.UTC(2022, 11, 29, 0, 46));
  });
});

describe('window sums', () => {
  it('sums each trailing window of a dense series', () => {
    expect(rollingSums([1, 2, 3, 4, 5], 3)).toEqual([1, 3, 6, 9, 12]);
    expect(rollingSums([5, 0, 0, 7], 1)).toEqual([5, 0, 0, 7]);
  });

  it('refuses a window that is not a positive integer', () => {
    expect(() => rollingSums([1], 0)).toThrow(RangeError);
    expect(() => rollingSums([1], 1.5)).toThrow(RangeError);
  });

  it('sums only buckets inside [from, to], dense or sparse', () => {
    const buckets = new Map([[10, 1], [11, 2], [14, 4], [30, 100]]);
    expect(windowSum(buckets, 10, 14)).toBe(7);
    expect(windowSum(buckets, 11, 11)).toBe(2);
    expect(windowSum(buckets, 0, 1000)).toBe(107);
    expect(windowSum(buckets, 15, 29)).toBe(0);
  });
});
