import { EventEmitter } from 'node:events';
import { frameOfSeries, frameSpan, LEVEL_LOOKBACK_MINUTES } from '../shared/frame.ts';
import { sharesOf, sumProblems, type ProblemShares } from '../shared/problems.ts';
import type { CountryStates } from '../shared/protocol.ts';
import { minuteOf } from '../shared/time.ts';
import { MinuteCache } from './playheads/minute-cache.ts';
import { commitSpan, SLOT_MINUTES, SLOTS_PER_WEEK, type Commit, type HistoryStore } from './store/store.ts';

export interface FrameSettings {
  windowMinutes: number;
  baselineFloor: number;
  baselineWeeks: number;
}

export type SlotBaselines = Map<string, number>;

/** A frame's full state: every country's, and the service's problem shares over all of them. */
export interface FrameState {
  countries: CountryStates;
  /** `{}` when no report in the window named a problem. */
  problems: ProblemShares;
}

interface ServiceBaselines {
  /** First minute with counts; weeks before it are unknown, not quiet. */
  first: Promise<number | undefined> | undefined;
  slots: Map<number, SlotBaselines>;
}

// Enough for every slot of a week of a few busy services; old entries go first.
const BASELINE_SLOTS_LIMIT = 20_000;
// Frames of recent minutes, shared by every room at the same (service, minute).
const FRAME_CACHE_LIMIT = 2_000;

/** Minutes of history whose change can alter the frame at `minute` (the frame's span). */
const span = (windowMinutes: number) => windowMinutes + LEVEL_LOOKBACK_MINUTES;

/**
 * Frames from the history: the one path live, replay, channels and tests share.
 *
 * The baseline of a country at a minute is the mean count of the same 15-minute slot of the week
 * over the trailing `baselineWeeks` weeks that have history for the service (scaled to the
 * window), never below `baselineFloor`; with no such week, it is the floor.
 *
 * Counts come from a MinuteCache kept in step with the store's commits, and a computed frame is
 * kept per (store key, service, minute), so rooms at the same moment share one computation.
 * Emits `change(key, from, to)` after a commit or another process changed minutes of a key
 * (`from = -Infinity` when all of them may have changed).
 */
export class FrameSource extends EventEmitter<{ change: [key: string, from: number, to: number] }> {
  private readonly minutes: MinuteCache;
  private readonly baselineCache = new Map<string, ServiceBaselines>();
  private baselineSlots = 0;
  /** Per store key: `service\0minute` to the frame. */
  private readonly frameCache = new Map<string, Map<string, Promise<FrameState>>>();
  private frameCount = 0;
  private computed = 0;
  /** The latest minute any cached frame is at, so old writes can tell whether they reach one. */
  private latestFrameMinute = -Infinity;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: HistoryStore,
    private readonly settings: FrameSettings,
  ) {
    super();
    this.minutes = new MinuteCache(store);
    this.unsubscribe = store.onCommit((commit) => this.onCommit(commit));
  }

  /**
   * The frame of `service` at data time `t`, counting the rows stored under `source` (the
   * service itself, or a simulation's own key) against the service's real baselines.
   */
  frame(service: string, t: number, source = service): Promise<FrameState> {
    const minute = minuteOf(t);
    const id = `${service}\0${minute}`;
    const hit = this.frameCache.get(source)?.get(id);
    if (hit) return hit;
    // Kept while it is computed too, so rooms woken by the same commit share one computation.
    const computing = this.compute(service, t, source);
    this.remember(source, id, computing);
    computing.catch(() => this.frameCache.get(source)?.get(id) === computing && this.forget(source, id));
    return computing;
  }

  private async compute(service: string, t: number, source: string): Promise<FrameState> {
    const { windowMinutes } = this.settings;
    const { from, to } = frameSpan(t, windowMinutes);
    // The window's problem counts are read in the same step as the series, from the same minutes.
    const held = this.minutes.series(source, from, to).then((series) => ({ series, problems: this.minutes.problems(source, to - windowMinutes + 1, to) }));
    const [{ series, problems }, baseline] = await Promise.all([held, this.baselines(service, from, to)]);
    this.computed++;
    return {
      countries: frameOfSeries(series, t, { windowMinutes, baseline }, problems),
      problems: sharesOf(sumProblems(problems.values())),
    };
  }

  private forget(source: string, id: string): void {
    const frames = this.frameCache.get(source);
    if (frames?.delete(id)) this.frameCount--;
  }

  /** Frames computed so far and minutes held (for tests and benchmarks). */
  stats(): { computed: number; minutes: number } {
    return { computed: this.computed, minutes: this.minutes.size };
  }

  /** Asks the store which keys other processes changed; drops what they made stale. */
  async reconcile(): Promise<void> {
    const revisions = await this.store.revisions();
    for (const key of this.minutes.reconcile(revisions)) this.changed(key, -Infinity, Infinity, true);
  }

  close(): void {
    this.unsubscribe();
  }

  /** A baseline function covering the minutes `[from, to]`. */
  async baselines(service: string, from: number, to: number): Promise<(country: string, minute: number) => number> {
    const slots: number[] = [];
    for (let slot = Math.floor(from / SLOT_MINUTES); slot <= Math.floor(to / SLOT_MINUTES); slot++) slots.push(slot);
    const bySlot = await this.slotBaselines(service, slots);
    const floor = this.settings.baselineFloor;
    return (country, minute) => bySlot.get(Math.floor(minute / SLOT_MINUTES))?.get(country) ?? floor;
  }

  /** Per slot, the baseline of every country that has history for it (others are at the floor). */
  async slotBaselines(service: string, slots: readonly number[]): Promise<Map<number, SlotBaselines>> {
    let cache = this.baselineCache.get(service);
    if (!cache) this.baselineCache.set(service, (cache = { first: undefined, slots: new Map() }));
    const bySlot = new Map<number, SlotBaselines>();
    const missing: number[] = [];
    for (const slot of slots) {
      const hit = cache.slots.get(slot);
      if (hit) bySlot.set(slot, hit);
      else missing.push(slot);
    }
    if (missing.length > 0) {
      for (const [slot, baselines] of await this.computeBaselines(service, cache, missing)) {
        bySlot.set(slot, baselines);
        if (this.baselineCache.get(service) !== cache) continue; // invalidated meanwhile
        if (!cache.slots.has(slot)) this.baselineSlots++;
        cache.slots.set(slot, baselines);
      }
      this.trimBaselines();
    }
    return bySlot;
  }

  private async computeBaselines(service: string, cache: ServiceBaselines, slots: number[]): Promise<Map<number, SlotBaselines>> {
    const { baselineWeeks, baselineFloor, windowMinutes } = this.settings;
    cache.first ??= this.store.range(service).then((r) => r?.from);
    const firstMinute = await cache.first;
    const past: number[] = [];
    for (const slot of slots) for (let w = 1; w <= baselineWeeks; w++) past.push(slot - w * SLOTS_PER_WEEK);
    const sums = new Map<number, Map<string, number>>();
    for (const row of await this.store.slots(service, past)) {
      let countries = sums.get(row.slot);
      if (!countries) sums.set(row.slot, (countries = new Map()));
      countries.set(row.country, row.count);
    }
    const scale = windowMinutes / SLOT_MINUTES;
    const out = new Map<number, SlotBaselines>();
    for (const slot of slots) {
      // Weeks before the service's first count are not "quiet", they are unknown: leave them out.
      const weeks: number[] = [];
      for (let w = 1; w <= baselineWeeks; w++) {
        const s = slot - w * SLOTS_PER_WEEK;
        if (firstMinute !== undefined && s * SLOT_MINUTES >= firstMinute) weeks.push(s);
      }
      const totals = new Map<string, number>();
      for (const s of weeks) for (const [country, n] of sums.get(s) ?? []) totals.set(country, (totals.get(country) ?? 0) + n);
      const baselines: SlotBaselines = new Map();
      // One decimal is plenty for a ratio and keeps frames short.
      for (const [country, total] of totals) baselines.set(country, Math.max(baselineFloor, Math.round((total / weeks.length) * scale * 10) / 10));
      out.set(slot, baselines);
    }
    return out;
  }

  private onCommit(commit: Commit): void {
    const moved = this.minutes.apply(commit);
    const { from, to } = commitSpan(commit);
    this.invalidateBaselines(commit.service, from);
    // Announced even when no cached minute moved: a room may be about to read these minutes.
    if (moved === 'all') this.changed(commit.service, -Infinity, Infinity, false);
    else this.changed(commit.service, from, to, false);
  }

  /**
   * A write at `minute` changes the baselines of the slots one to `baselineWeeks` weeks later, and
   * all of them when it comes before the service's first count (the weeks that count change).
   */
  private invalidateBaselines(service: string, minute: number): void {
    const cache = this.baselineCache.get(service);
    if (!cache) return;
    const first = Math.floor(minute / SLOT_MINUTES) + SLOTS_PER_WEEK;
    void cache.first?.then((known) => {
      if (this.baselineCache.get(service) !== cache) return;
      if (known === undefined || minute < known) this.dropBaselines(service);
    });
    for (const slot of cache.slots.keys()) {
      if (slot >= first) {
        cache.slots.delete(slot);
        this.baselineSlots--;
      }
    }
    // Frames from that slot on were computed with the old baselines (only an old write reaches them).
    const from = first * SLOT_MINUTES;
    if (from > this.latestFrameMinute) return;
    for (const [key, frames] of this.frameCache) {
      for (const id of frames.keys()) {
        const [name, minute] = id.split('\0');
        if (name === service && Number(minute) >= from) frames.delete(id);
      }
      if (frames.size === 0) this.frameCache.delete(key);
    }
    this.frameCount = [...this.frameCache.values()].reduce((n, f) => n + f.size, 0);
  }

  private dropBaselines(service: string): void {
    this.baselineSlots -= this.baselineCache.get(service)?.slots.size ?? 0;
    this.baselineCache.delete(service);
    // Rare (a first count earlier than known, an import beside the server): every cached frame
    // may hold those baselines, under the service's key or a simulation's.
    this.frameCache.clear();
    this.frameCount = 0;
  }

  private trimBaselines(): void {
    for (const [service, cache] of this.baselineCache) {
      if (this.baselineSlots <= BASELINE_SLOTS_LIMIT) return;
      this.baselineSlots -= cache.slots.size;
      this.baselineCache.delete(service);
    }
  }

  /** Minutes `[from, to]` of `key` changed: frames whose span holds them are stale. */
  private changed(key: string, from: number, to: number, foreign: boolean): void {
    const frames = this.frameCache.get(key);
    if (frames) {
      const last = to + span(this.settings.windowMinutes) - 1;
      for (const id of frames.keys()) {
        const minute = Number(id.slice(id.indexOf('\0') + 1));
        if (minute >= from && minute <= last) {
          frames.delete(id);
          this.frameCount--;
        }
      }
    }
    // Another process may have written anything, history included.
    if (foreign) this.dropBaselines(key);
    this.emit('change', key, from, to);
  }

  private remember(key: string, id: string, states: Promise<FrameState>): void {
    let frames = this.frameCache.get(key);
    if (!frames) this.frameCache.set(key, (frames = new Map()));
    if (!frames.has(id)) this.frameCount++;
    this.latestFrameMinute = Math.max(this.latestFrameMinute, Number(id.slice(id.indexOf('\0') + 1)));
    frames.set(id, states);
    while (this.frameCount > FRAME_CACHE_LIMIT) {
      const [oldestKey, oldest] = this.frameCache.entries().next().value!;
      const oldestId = oldest.keys().next().value;
      if (oldestId !== undefined) {
        oldest.delete(oldestId);
        this.frameCount--;
      }
      if (oldest.size === 0) this.frameCache.delete(oldestKey);
    }
  }
}
