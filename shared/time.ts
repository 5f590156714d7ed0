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
