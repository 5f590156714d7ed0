/**
 * Animates each country's numeric feature-state `heat` towards its target on requestAnimationFrame.
 * MapLibre does not transition feature-state paint values, so without this a frame would make the
 * map jump. Only moving countries are written, and the loop stops when every country has arrived.
 */

export const TWEEN_MS = 700;
// Keeps the stats a rolling picture of recent work rather than of the whole session.
const STATS_WINDOW = 600;

/**
 * Broadcast-safe rate limit in heat units per second. On the steepest part of the ramp (inferno's
 * orange-to-yellow, either theme) 0.045 heat is already a 10% step in relative luminance, which is
 * what WCAG 2.3.1 counts as half a flash. At 0.25/s such a step takes at least 0.18 s, an opposing
 * pair at least 0.36 s: fewer than three flashes in any second, whatever the frames do. It also
 * bounds reversals of 0.1 heat to 2.5 per second. A full 0-to-1 change takes 4 s on a screen.
 */
export const BROADCAST_SAFE_RATE = 0.25;

export interface TweenStats {
  /** Animation ticks since the page loaded. */
  ticks: number;
  /** Main-thread milliseconds a tick took, over the recent ticks. */
  meanMs: number;
  p95Ms: number;
  maxMs: number;
}

interface Motion {
  from: number;
  to: number;
  start: number;
  /** Last value drawn and when (only the rate limit needs them). */
  drawn: number;
  at: number;
}

/** Writes one country's heat; the map adapter turns it into `setFeatureState`. */
export type HeatWriter = (code: string, heat: number) => void;

/** Where ticks come from: the page uses requestAnimationFrame; tests drive synthetic timestamps. */
export interface FrameSource {
  request(tick: (now: number) => void): void;
  now(): number;
}

export interface HeatTweenOptions {
  /** Most heat a drawn value may change per second; unset, only the easing applies (the main page). */
  maxRatePerSecond?: number;
  frames?: FrameSource;
}

const animationFrames: FrameSource = {
  request: (tick) => requestAnimationFrame(tick),
  now: () => performance.now(),
};

function easeInOutCubic(x: number): number {
  return x < 0.5 ? 4 * x * x * x : 1 - (-2 * x + 2) ** 3 / 2;
}

export class HeatTween {
  private readonly values = new Map<string, number>();
  private readonly moving = new Map<string, Motion>();
  private scheduled = false;
  private ticks = 0;
  private readonly durations: number[] = [];
  private writer: HeatWriter | undefined;
  private readonly maxRate: number;
  private readonly frames: FrameSource;

  constructor(options: HeatTweenOptions = {}) {
    this.maxRate = options.maxRatePerSecond ?? Infinity;
    this.frames = options.frames ?? animationFrames;
  }

  /** Until a writer is attached (the map's source is ready), targets only accumulate. */
  attach(writer: HeatWriter): void {
    this.writer = writer;
    // Motions queued before the map was ready would finish in their first tick; start them now so
    // the first snapshot fades in like any other change.
    const now = this.frames.now();
    for (const motion of this.moving.values()) {
      motion.start = now;
      motion.at = now;
    }
    for (const [code, value] of this.values) writer(code, value);
    this.schedule();
  }

  /** Heat of a country as currently drawn. */
  value(code: string): number {
    return this.values.get(code) ?? 0;
  }

  /** Sets the targets of the given countries; others keep theirs. */
  setTargets(targets: Iterable<[string, number]>): void {
    const now = this.frames.now();
    for (const [code, to] of targets) {
      const motion = this.moving.get(code);
      if ((motion ? motion.to : this.value(code)) === to) continue;
      // Restarting from the drawn value keeps a retargeted country from jumping.
      const from = this.currentAt(code, now);
      this.moving.set(code, { from, to, start: now, drawn: from, at: now });
    }
    this.schedule();
  }

  /** Countries with a target other than zero (what is, or will be, drawn hot). */
  codes(): string[] {
    const out = new Set<string>();
    for (const [code, v] of this.values) if (v > 0) out.add(code);
    for (const [code, m] of this.moving) if (m.to > 0) out.add(code);
    return [...out];
  }

  stats(): TweenStats {
    const sorted = [...this.durations].sort((a, b) => a - b);
    const n = sorted.length;
    const sum = sorted.reduce((a, b) => a + b, 0);
    return {
      ticks: this.ticks,
      meanMs: n ? sum / n : 0,
      p95Ms: n ? sorted[Math.min(n - 1, Math.floor(n * 0.95))]! : 0,
      maxMs: n ? sorted[n - 1]! : 0,
    };
  }

  private currentAt(code: string, now: number): number {
    const m = this.moving.get(code);
    if (!m) return this.value(code);
    // rAF timestamps are the frame's start, which can precede a target set in the same frame.
    const x = Math.max(0, (now - m.start) / TWEEN_MS);
    // Exactly `to` at the end (from + (to - from) can miss it by a rounding error).
    const eased = x >= 1 ? m.to : m.from + (m.to - m.from) * easeInOutCubic(x);
    return limitStep(m.drawn, eased, this.maxRate, now - m.at);
  }

  private schedule(): void {
    if (!this.scheduled && this.writer && this.moving.size > 0) {
      this.scheduled = true;
      this.frames.request((now) => this.tick(now));
    }
  }

  private tick(now: number): void {
    this.scheduled = false;
    const writer = this.writer!;
    const began = performance.now();
    for (const [code, m] of this.moving) {
      const value = this.currentAt(code, now);
      // With a rate limit the eased curve can finish before the drawn value has caught up.
      if (now - m.start >= TWEEN_MS && value === m.to) this.moving.delete(code);
      else if (now > m.at) {
        m.drawn = value;
        m.at = now;
      }
      this.values.set(code, value);
      writer(code, value);
    }
    this.ticks++;
    this.durations.push(performance.now() - began);
    if (this.durations.length > STATS_WINDOW) this.durations.shift();
    this.schedule();
  }
}

/**
 * Moves from `drawn` towards `desired`, by at most `maxRate` heat per second over `elapsedMs`.
 * Pure so the broadcast-safe rule can be tested without a DOM.
 */
export function limitStep(drawn: number, desired: number, maxRate: number, elapsedMs: number): number {
  if (maxRate === Infinity) return desired;
  const room = (maxRate * Math.max(0, elapsedMs)) / 1000;
  return Math.min(drawn + room, Math.max(drawn - room, desired));
}
