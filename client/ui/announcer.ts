import type { CountryStates, Level } from '../../shared/protocol.ts';

/** One country whose level changed since it was last announced (or first seen). */
export interface LevelChange {
  code: string;
  level: Level;
  count: number;
}

export interface AnnouncerOptions {
  /** Turns up to `max` changes (most severe first) and the number left out into one sentence. */
  say(changes: LevelChange[], more: number): string;
  /** Least time between two announcements: a big outage changes dozens of countries in a minute. */
  intervalMs?: number;
  /** How long the first change waits for others to join it, so they are read as one message. */
  gatherMs?: number;
  /** Most countries named in one announcement; the rest are counted. */
  max?: number;
  /** True while announcing would only be noise (the viewer drags the playhead). */
  quiet?: () => boolean;
}

const SEVERITY: Record<Level, number> = { outage: 2, elevated: 1, normal: 0 };

/**
 * The polite live region that tells a screen reader when a country's level changes. The first
 * state of a service or a seek is the starting point and is never read out; changes after it are
 * batched (at most one message per `intervalMs`, the most severe first, at most `max` named), so a
 * big outage is a few sentences, not a flood. A country that flips and flips back before the
 * message goes out is not mentioned.
 */
export class Announcer {
  /** The level each country had when last announced, or when the starting point was taken. */
  private announced = new Map<string, Level>();
  private latest: CountryStates = {};
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSaid = -Infinity;
  private readonly intervalMs: number;
  private readonly gatherMs: number;
  private readonly max: number;

  constructor(
    private readonly region: HTMLElement,
    private readonly options: AnnouncerOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 5_000;
    this.gatherMs = options.gatherMs ?? 1_000;
    this.max = options.max ?? 3;
  }

  /** A new starting point (first snapshot, another service, a seek): remembered, not announced. */
  reset(states: CountryStates): void {
    this.cancel();
    this.latest = states;
    this.announced = new Map(Object.entries(states).map(([code, s]) => [code, s.level]));
  }

  /** The full state after a frame (or a snapshot that continues the same moment, e.g. a reconnect). */
  update(states: CountryStates): void {
    this.latest = states;
    if (this.options.quiet?.()) {
      // Scrubbing: whatever the drag passes over is not news; where it stops becomes the start.
      this.reset(states);
      return;
    }
    if (this.timer === undefined && this.pending().length > 0) {
      const wait = Math.max(this.gatherMs, this.lastSaid + this.intervalMs - Date.now());
      this.timer = setTimeout(() => this.flush(), wait);
    }
  }

  /** Stops a message on its way (the page moved to another service or moment). */
  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pending(): LevelChange[] {
    const changes: LevelChange[] = [];
    const seen = new Set<string>();
    for (const [code, s] of Object.entries(this.latest)) {
      seen.add(code);
      if ((this.announced.get(code) ?? 'normal') !== s.level) changes.push({ code, level: s.level, count: s.count });
    }
    // A country that left the state entirely has no reports: it is back to normal.
    for (const [code, level] of this.announced) if (!seen.has(code) && level !== 'normal') changes.push({ code, level: 'normal', count: 0 });
    return changes;
  }

  private flush(): void {
    this.timer = undefined;
    if (this.options.quiet?.()) return this.reset(this.latest);
    const changes = this.pending().sort((a, b) => SEVERITY[b.level] - SEVERITY[a.level] || b.count - a.count || a.code.localeCompare(b.code));
    if (changes.length === 0) return;
    for (const c of changes) this.announced.set(c.code, c.level);
    const named = changes.slice(0, this.max);
    this.lastSaid = Date.now();
    // Replacing the text of a polite region queues it after whatever the reader is saying.
    this.region.textContent = this.options.say(named, changes.length - named.length);
  }
}
