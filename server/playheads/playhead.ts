import type { ClockState, Mode } from '../../shared/protocol.ts';
import { dataTimeAt, MINUTE_MS, minuteOf } from '../../shared/time.ts';
import type { Clocks } from '../clocks.ts';

/**
 * A playhead over one service's history: the design's one idea. `live` follows the service's
 * data clock (the wall clock, or a simulator's lease); `replay` moves from `anchor` at `speed`
 * while playing and stops at the present.
 */
export interface Playhead {
  service: string;
  mode: Mode;
  /** Data time `t` at server wall time `at` (a live playhead re-reads it from the clocks). */
  anchor: { t: number; at: number };
  speed: number;
  playing: boolean;
}

/** Who owns a playhead: the policies of the one engine. */
export type Policy =
  /** The public live map of a service: one room per service, made on the first watch. */
  | { kind: 'live' }
  /** A viewer's private replay: one socket. */
  | { kind: 'replay' }
  /** A named channel: stored, driven by a producer, followed by many screens. */
  | { kind: 'channel'; name: string };

/** Where a playhead is at a wall time, with the store key its counts come from. */
export interface Position {
  t: number;
  clock: ClockState;
  /** The store key to read counts from: the service, or a running simulation's own key. */
  source: string;
  /** True when a playing replay has just reached the present and paused there. */
  reachedPresent: boolean;
}

/** The playhead's position at wall time `now`. */
export function positionOf(p: Playhead, clocks: Clocks, now: number): Position {
  if (p.mode === 'live') {
    const clock = clocks.state(p.service);
    return { t: clock.t, clock, source: clocks.source(p.service), reachedPresent: false };
  }
  const edge = clocks.now(p.service);
  const t = dataTimeAt({ ...p.anchor, speed: p.speed, playing: p.playing }, now);
  const reachedPresent = p.playing && t >= edge;
  const at = reachedPresent ? edge : Math.min(t, edge);
  return {
    t: at,
    clock: { t: at, at: now, speed: p.speed, playing: p.playing && !reachedPresent, simulated: false },
    source: p.service,
    reachedPresent,
  };
}

/**
 * Wall time at which a playhead at `position` next needs a frame by itself: when its data time
 * crosses a minute boundary (the window slides) or, for a replay, reaches the present.
 */
export function nextMoveAt(p: Playhead, position: Position, clocks: Clocks, now: number): number {
  const { clock } = position;
  if (!clock.playing || clock.speed <= 0) return Infinity;
  const boundary = (minuteOf(position.t) + 1) * MINUTE_MS;
  let due = now + (boundary - position.t) / clock.speed;
  if (p.mode === 'replay') {
    const edgeSpeed = clocks.state(p.service).speed;
    if (p.speed > edgeSpeed) due = Math.min(due, now + (clocks.now(p.service) - position.t) / (p.speed - edgeSpeed));
  }
  // A millisecond late, so the minute has really turned when the frame is computed.
  return Math.ceil(due) + 1;
}
