/**
 * The control page's seek field is on the newsroom's clock: a datetime-local value (which has no
 * zone) read and written in the channel's IANA zone, across offsets, half hours and DST changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMON_ZONES, fromZonedInputValue, toZonedInputValue } from '../../client/control/time.ts';

describe('the seek field on the newsroom clock', () => {
  it('reads and writes the Twitter peak (00:53 UTC on 29 December 2022) on several clocks', () => {
    const peak = Date.UTC(2022, 11, 29, 0, 53);
    const walls: Array<[string, string]> = [
      ['UTC', '2022-12-29T00:53'],
      ['America/New_York', '2022-12-28T19:53'],
      ['America/Los_Angeles', '2022-12-28T16:53'],
      ['Asia/Tokyo', '2022-12-29T09:53'],
      ['Asia/Kolkata', '2022-12-29T06:23'],
      ['Australia/Sydney', '2022-12-29T11:53'],
    ];
    for (const [zone, wall] of walls) {
      expect(toZonedInputValue(peak, zone), zone).toBe(wall);
      expect(fromZonedInputValue(wall, zone), zone).toBe(peak);
    }
  });

  it('reads a time the clocks skipped just after the change, and a time that happened twice as the first', () => {
    // New York, 12 March 2023: 02:00 EST became 03:00 EDT, so 02:30 never happened; 03:30 EDT is 07:30 UTC.
    expect(fromZonedInputValue('2023-03-12T02:30', 'America/New_York')).toBe(Date.UTC(2023, 2, 12, 7, 30));
    // New York, 5 November 2023: 01:30 happened at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
    expect(fromZonedInputValue('2023-11-05T01:30', 'America/New_York')).toBe(Date.UTC(2023, 10, 5, 5, 30));
    // London in summer is an hour ahead of UTC.
    expect(fromZonedInputValue('2023-07-01T12:00', 'Europe/London')).toBe(Date.UTC(2023, 6, 1, 11, 0));
  });

  it('refuses values that name no moment', () => {
    for (const value of ['', '2023-02-30T10:00', '2023-01-01T24:00', '2023-13-01T10:00', '29/12/2022 00:53', '2022-12-29']) {
      expect(fromZonedInputValue(value, 'UTC'), value).toBeUndefined();
    }
  });

  it('shows any minute, in any common zone, as a value that reads back to it (the first of a repeated hour)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1) / 60_000, max: Date.UTC(2040, 0, 1) / 60_000 }), fc.constantFrom(...COMMON_ZONES), (minute, zone) => {
        const t = minute * 60_000;
        const wall = toZonedInputValue(t, zone);
        const back = fromZonedInputValue(wall, zone)!;
        expect(toZonedInputValue(back, zone)).toBe(wall);
        // Only a repeated autumn hour reads back to an earlier instant, by that hour.
        expect([t, t - 3_600_000]).toContain(back);
      }),
      { numRuns: 5_000 },
    );
  });
});
