import type { Incident, Mode } from '../shared/protocol.ts';
import { MINUTE_MS } from '../shared/time.ts';

const HOUR_MS = 60 * MINUTE_MS;
/** Live (and a rewind within it) shows the last day, the span a newsroom asks about. */
const LIVE_SPAN_MS = 24 * HOUR_MS;
/** A replay outside any incident shows this much either side of the playhead. */
const AROUND_MS = 6 * HOUR_MS;

export interface RangeInput {
  mode: Mode;
  t: number;
  now: number;
  /** First and last stored minute of the service (`snapshot.range`). */
  stored: { from: number; to: number } | null;
  /** The incident around the playhead, if any. */
  incident: Incident | undefined;
}

export interface Range {
  from: number;
  to: number;
  /** Same key, same range: the chart is not refetched when nothing about the choice changed. */
  key: string;
}

/**
 * The timeline's range for the playhead: the last 24 hours when live or rewinding within them; an
 * incident with margins of half its length (at least 30 minutes) each side, so its rise and fall
 * both show; otherwise hours either side of the playhead, clipped to the stored history.
 */
export function chooseRange({ mode, t, now, stored, incident }: RangeInput): Range {
  if (incident) {
    const end = incident.end ?? now;
    const margin = Math.max(30 * MINUTE_MS, (end - incident.start) / 2);
    return { from: incident.start - margin, to: Math.min(end + margin, now), key: `incident:${incident.id}:${incident.end}` };
  }
  if (mode === 'live' || t >= now - LIVE_SPAN_MS) {
    return { from: now - LIVE_SPAN_MS, to: now, key: 'live' };
  }
  let from = t - AROUND_MS;
  let to = Math.min(t + AROUND_MS, now);
  if (stored) {
    // No point charting days of nothing before the first or after the last stored minute.
    from = Math.max(from, Math.min(stored.from - HOUR_MS, t - HOUR_MS));
    to = Math.min(to, Math.max(stored.to + HOUR_MS, t + HOUR_MS));
  }
  // Playing on moves the playhead out of this range sooner or later; `outside` then asks again.
  return { from, to, key: 'around' };
}

/** True when `t` is outside the range (with a little slack), so the chart must follow. */
export function outside(range: { from: number; to: number }, t: number): boolean {
  return t < range.from || t > range.to + MINUTE_MS;
}
