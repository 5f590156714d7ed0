/**
 * Animates each country's numeric feature-state `heat` towards its target on requestAnimationFrame.
 * MapLibre does not transition feature-state paint values, so without this a frame would make the
 * map jump. Only moving countries are written, and the loop stops when every country has arrived.
 */

export const TWEEN_MS = 700;
// Keeps the stats a rolling picture of recent work rather than of the whole session.
const STATS_WINDOW = 600;

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
}

/** Writes one country's heat; the map adapter turns it into `setFeatureState`. */
export type HeatWriter = (code: string, heat: number) => void;

function easeInOutCubic(x: number): number {
  return x < 0.5 ? 4 * x * x * x : 1 - (-2 * x + 2) ** 3 / 2;
}

export class HeatTween {
  private readonly values = new Map<string, number>();
  private readonly moving = new Map<string, Motion>();
  private frame = 0;
  private ticks = 0;
  private readonly durations: number[] = [];
  private writer: HeatWriter | undefined;

  /** Until a writer is attached (the map's source is ready), targets only accumulate. */
  attach(writer: HeatWriter): void {
    this.writer = writer;
    // Motions queued before the map was ready would finish in their first tick; start them now so
    // the first snapshot fades in like any other change.
    const now = performance.now();
    for (const motion of this.moving.values()) motion.start = now;
    for (const [code, value] of this.values) writer(code, value);
    this.schedule();
  }

  /** Heat of a country as currently drawn. */
  value(code: string): number {
    return this.values.get(code) ?? 0;
  }

  /** Sets the targets of the given countries; others keep theirs. */
  setTargets(targets: Iterable<[string, number]>): void {
    const now = performance.now();
    for (const [code, to] of targets) {
      const motion = this.moving.get(code);
      if ((motion ? motion.to : this.value(code)) === to) continue;
      // Restarting from the drawn value keeps a retargeted country from jumping.
      this.moving.set(code, { from: this.currentAt(code, now), to, start: now });
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
    const x = Math.min(1, Math.max(0, (now - m.start) / TWEEN_MS));
    return m.from + (m.to - m.from) * easeInOutCubic(x);
  }

  private schedule(): void {
    if (this.frame === 0 && this.writer && this.moving.size > 0) {
      this.frame = requestAnimationFrame((now) => this.tick(now));
    }
  }

  private tick(now: number): void {
    this.frame = 0;
    const writer = this.writer!;
    const began = performance.now();
    for (const [code, m] of this.moving) {
      const value = this.currentAt(code, now);
      if (now - m.start >= TWEEN_MS) this.moving.delete(code);
      this.values.set(code, value);
      writer(code, value);
    }
    this.ticks++;
    this.durations.push(performance.now() - began);
    if (this.durations.length > STATS_WINDOW) this.durations.shift();
    this.schedule();
  }
}
