/**
 * The server's wall clock as seen from here, estimated NTP-style over the socket's `time` event.
 * Screens of one channel compute the data time from the server-stamped playhead, so they agree
 * to within their offset errors; one-way latency is assumed symmetric, which bounds each error by
 * half the round trip, hence the sample with the smallest round trip wins.
 */

export interface TimeSample {
  /** Local epoch ms when the request left, and when the answer came back. */
  sent: number;
  received: number;
  /** The server's epoch ms in its answer. */
  server: number;
}

/** Server clock minus ours, from one exchange (the server read its clock halfway through). */
export function offsetOf(sample: TimeSample): number {
  return sample.server - (sample.sent + sample.received) / 2;
}

/** The exchange with the smallest round trip, whose offset is the tightest. */
export function bestSample(samples: readonly TimeSample[]): TimeSample | undefined {
  let best: TimeSample | undefined;
  for (const s of samples) if (!best || s.received - s.sent < best.received - best.sent) best = s;
  return best;
}

/** Asks the server for its clock; rejects on timeout (an old server without `time`). */
export type AskServerTime = () => Promise<number>;

const BURST = 5;
/** Samples of a burst are spread out: a page busy starting up (or drawing) answers late, and one
 * of several spaced samples is likely to fall in a quiet moment. */
const SPACING_MS = 200;
/** A second burst once the page has settled after connecting, then one a minute (clocks drift). */
const SETTLED_MS = 5_000;
const RESAMPLE_MS = 60_000;

export class ClockSync {
  private offset: number | undefined;
  private rtt = Infinity;
  private timer: ReturnType<typeof setInterval> | undefined;
  private settled: ReturnType<typeof setTimeout> | undefined;
  /** Bumped per burst so an answer from before a reconnect cannot replace a newer estimate. */
  private burstSeq = 0;

  constructor(
    private readonly ask: AskServerTime,
    private readonly localNow: () => number = Date.now,
    private readonly spacingMs = SPACING_MS,
  ) {}

  /** Offset in ms (server minus local); undefined until a sample came back. */
  offsetMs(): number | undefined {
    return this.offset;
  }

  roundTripMs(): number {
    return this.rtt;
  }

  /** Samples now (call on every connect) and then every minute, since local clocks drift. */
  start(): void {
    this.stop();
    void this.burst();
    this.settled = setTimeout(() => void this.burst(), SETTLED_MS);
    this.timer = setInterval(() => void this.burst(), RESAMPLE_MS);
  }

  stop(): void {
    clearTimeout(this.settled);
    clearInterval(this.timer);
    this.settled = undefined;
    this.timer = undefined;
    this.burstSeq++;
  }

  /** Several sequential exchanges; the best of this burst replaces the estimate (not the best
   * ever, which would pin an offset the local clock has since drifted away from). */
  async burst(count = BURST): Promise<void> {
    const seq = ++this.burstSeq;
    const samples: TimeSample[] = [];
    for (let i = 0; i < count; i++) {
      const sent = this.localNow();
      try {
        const server = await this.ask();
        samples.push({ sent, received: this.localNow(), server });
      } catch {
        return this.adopt(seq, samples);
      }
      if (seq !== this.burstSeq) return;
      if (i < count - 1 && this.spacingMs > 0) await new Promise((resolve) => setTimeout(resolve, this.spacingMs));
    }
    this.adopt(seq, samples);
  }

  private adopt(seq: number, samples: TimeSample[]): void {
    const best = bestSample(samples);
    if (!best || seq !== this.burstSeq) return;
    this.offset = offsetOf(best);
    this.rtt = best.received - best.sent;
  }
}
