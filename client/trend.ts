import type { CountryStates } from '../shared/protocol.ts';
import { MINUTE_MS } from '../shared/time.ts';

export type Trend = 'rising' | 'falling' | 'steady';

/** How far back (in data time) a count is compared with: long enough to see past frame jitter. */
const LOOKBACK_MS = MINUTE_MS;
/** Changes within this share of the earlier count read as steady, so arrows do not flicker. */
const STEADY_SHARE = 0.05;

/**
 * Keeps recent full states by data time to say whether a country's window count is rising or
 * falling compared with about one data-minute earlier. States are immutable, so a sample is a
 * reference, not a copy.
 */
export class TrendTracker {
  private samples: Array<{ t: number; states: CountryStates }> = [];

  reset(): void {
    this.samples = [];
  }

  record(t: number, states: CountryStates): void {
    const last = this.samples[this.samples.length - 1];
    // Time going backwards means a new clock (replay, simulation restart): old samples mislead.
    if (last && t < last.t) this.samples = [];
    this.samples.push({ t, states });
    // Keep exactly one sample at or before the lookback point, drop everything older.
    const cutoff = t - LOOKBACK_MS;
    while (this.samples.length > 1 && this.samples[1]!.t <= cutoff) this.samples.shift();
  }

  trend(code: string, count: number): Trend {
    const reference = this.samples[0];
    if (!reference) return 'steady';
    const before = reference.states[code]?.count ?? 0;
    const threshold = Math.max(1, before * STEADY_SHARE);
    if (count - before >= threshold) return 'rising';
    if (before - count >= threshold) return 'falling';
    return 'steady';
  }
}
