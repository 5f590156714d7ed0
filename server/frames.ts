import { frameAt, frameSpan } from '../shared/frame.ts';
import type { CountryStates } from '../shared/protocol.ts';
import { SLOT_MINUTES, SLOTS_PER_WEEK, type HistoryStore } from './store/store.ts';

export interface FrameSettings {
  windowMinutes: number;
  baselineFloor: number;
  baselineWeeks: number;
}

export type SlotBaselines = Map<string, number>;

// Enough for every slot of a week of one busy service; old entries go first.
const CACHE_LIMIT = 20_000;

/**
 * Frames from the history store: the one path live and replay share.
 *
 * The baseline of a country at a minute is the mean count of the same 15-minute slot of the week
 * over the trailing `baselineWeeks` weeks that have history for the service (scaled to the
 * window), never below `baselineFloor`; with no such week, it is the floor.
 */
export class FrameSource {
  private readonly cache = new Map<string, { generation: number; baselines: SlotBaselines }>();
  private readonly firsts = new Map<string, { generation: number; first: number | undefined }>();

  constructor(
    private readonly store: HistoryStore,
    private readonly settings: FrameSettings,
  ) {}

  async frame(service: string, t: number): Promise<CountryStates> {
    const { from, to } = frameSpan(t, this.settings.windowMinutes);
    const [rows, baseline] = await Promise.all([this.store.rows(service, from, to), this.baselines(service, from, to)]);
    return frameAt(rows, t, { windowMinutes: this.settings.windowMinutes, baseline });
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
    const bySlot = new Map<number, SlotBaselines>();
    const missing: number[] = [];
    const generation = this.store.generation();
    for (const slot of slots) {
      const hit = this.cache.get(`${service}:${slot}`);
      if (hit && hit.generation === generation) bySlot.set(slot, hit.baselines);
      else missing.push(slot);
    }
    if (missing.length > 0) {
      for (const [slot, baselines] of await this.compute(service, missing, generation)) {
        bySlot.set(slot, baselines);
        this.remember(`${service}:${slot}`, generation, baselines);
      }
    }
    return bySlot;
  }

  private async compute(service: string, slots: number[], generation: number): Promise<Map<number, SlotBaselines>> {
    const { baselineWeeks, baselineFloor, windowMinutes } = this.settings;
    const firstMinute = await this.firstMinute(service, generation);
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

  private async firstMinute(service: string, generation: number): Promise<number | undefined> {
    const hit = this.firsts.get(service);
    if (hit && hit.generation === generation) return hit.first;
    const first = (await this.store.range(service))?.from;
    this.firsts.set(service, { generation, first });
    return first;
  }

  private remember(key: string, generation: number, baselines: SlotBaselines): void {
    this.cache.delete(key);
    this.cache.set(key, { generation, baselines });
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
  }
}
