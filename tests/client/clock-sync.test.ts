import { describe, expect, it } from 'vitest';
import { ClockSync, bestSample, offsetOf } from '../../client/clock-sync.ts';

describe('clock sync', () => {
  it('takes the server clock as read halfway through the round trip', () => {
    expect(offsetOf({ sent: 1000, received: 1040, server: 6020 })).toBe(5000);
  });

  it('trusts the exchange with the smallest round trip', () => {
    const samples = [
      { sent: 0, received: 300, server: 5400 },
      { sent: 1000, received: 1010, server: 6005 },
      { sent: 2000, received: 2100, server: 7000 },
    ];
    expect(bestSample(samples)).toBe(samples[1]);
  });

  it('estimates a 5 s offset within half the best round trip despite asymmetric delays', async () => {
    let local = 1_000_000;
    const trueOffset = 5_000;
    // Each exchange: a request delay then a reply delay; one of them is quick both ways.
    const delays = [[80, 5], [3, 4], [40, 90], [10, 60], [70, 2]];
    let i = 0;
    const sync = new ClockSync(async () => {
      const [up, down] = delays[i++ % delays.length]!;
      local += up!;
      const server = local + trueOffset;
      local += down!;
      return server;
    }, () => local, 0);
    await sync.burst();
    expect(Math.abs(sync.offsetMs()! - trueOffset)).toBeLessThanOrEqual(3.5);
    expect(sync.roundTripMs()).toBe(7);
  });

  it('keeps the previous estimate when the server does not answer', async () => {
    let fail = false;
    const sync = new ClockSync(async () => {
      if (fail) throw new Error('timeout');
      return 2_000;
    }, () => 1_000, 0);
    await sync.burst(2);
    expect(sync.offsetMs()).toBe(1_000);
    fail = true;
    await sync.burst(2);
    expect(sync.offsetMs()).toBe(1_000);
  });
});
