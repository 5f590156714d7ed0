export const MINUTE_MS = 60_000;

/** Epoch minute that contains the epoch-ms instant `t`. */
export function minuteOf(t: number): number {
  return Math.floor(t / MINUTE_MS);
}

/** Epoch ms at the start of epoch minute `minute`. */
export function minuteStart(minute: number): number {
  return minute * MINUTE_MS;
}

/**
 * Epoch minutes (inclusive) of the trailing window that ends at data time `t`.
 * The minute containing `t` is the window's last minute, so a report counts from the moment it lands.
 */
export function windowMinutes(t: number, windowLength: number): { from: number; to: number } {
  const to = minuteOf(t);
  return { from: to - windowLength + 1, to };
}

/** A playhead stamped with the wall time `at` it was read at (a ClockState or a ChannelState). */
export interface Playhead {
  t: number;
  at: number;
  speed: number;
  playing: boolean;
}

/** The playhead's data time at wall time `now`: it advances at `speed` while playing. */
export function dataTimeAt(p: Playhead, now: number): number {
  return p.playing ? p.t + (now - p.at) * p.speed : p.t;
}

/** True when the runtime's IANA database knows `zone` ("Europe/London"). */
export function isTimeZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
