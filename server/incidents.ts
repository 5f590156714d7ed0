import { nextLevel } from '../shared/levels.ts';
import type { Incident, Level } from '../shared/protocol.ts';
import { isSimulationKey, serviceOfKey } from '../shared/simulation.ts';
import { MINUTE_MS, minuteOf } from '../shared/time.ts';
import { rollingSums } from '../shared/window-sum.ts';
import type { Clocks } from './clocks.ts';
import type { Config } from './config.ts';
import type { FrameSource } from './frames.ts';
import { SLOT_MINUTES, type HistoryStore } from './store/store.ts';

/** Slots (15 minutes each) an incident must last, unless it reaches `outage`. */
const MIN_SLOTS = 2;
/** Quiet slots that may separate two runs and still make one incident. */
const MAX_GAP_SLOTS = 1;
const MAX_COUNTRIES = 10;
/** Live ingest changes the data every second; incidents are recomputed at most this often. */
const REFRESH_MS = 5_000;

const RANK: Record<Level, number> = { normal: 0, elevated: 1, outage: 2 };

interface Run {
  first: number;
  last: number;
  level: Exclude<Level, 'normal'>;
  countries: Set<string>;
}

/**
 * Incidents from the levels, with persistence: walking the service's 15-minute slots, each
 * country's level follows the same rule and hysteresis as the map (slot count against its
 * baseline); an incident is a run of slots in which some country is above normal, lasting at
 * least two slots (or reaching `outage`), with gaps of one quiet slot bridged. Its peak is then
 * found at minute resolution: the minute whose trailing window holds the most reports.
 */
/** Services whose incidents are kept (oldest computed goes first). */
const MAX_CACHED_SERVICES = 256;

export class IncidentFinder {
  private readonly cache = new Map<string, { generation: string; at: number; incidents: Incident[] }>();

  constructor(
    private readonly store: HistoryStore,
    private readonly frames: FrameSource,
    private readonly clocks: Clocks,
    private readonly config: Config,
  ) {}

  /** Services held in the cache (for tests of the memory bound). */
  get size(): number {
    return this.cache.size;
  }

  async find(service: string): Promise<Incident[]> {
    // The key's rows and its service's baselines: a commit to either may change the incidents.
    const revisions = await this.store.revisions();
    const generation = `${revisions.get(service) ?? 0}:${revisions.get(serviceOfKey(service)) ?? 0}`;
    const hit = this.cache.get(service);
    if (hit && hit.generation === generation) return hit.incidents;
    // Within the refresh period a growing history may be answered from the cache, a dropped one
    // (a simulation run removed) may not.
    if (hit && Date.now() - hit.at < REFRESH_MS && (await this.store.range(service)) !== null) return hit.incidents;
    const incidents = await this.detect(service);
    this.cache.delete(service);
    this.cache.set(service, { generation, at: Date.now(), incidents });
    // Callers check the service exists first; the bound holds whatever they do.
    if (this.cache.size > MAX_CACHED_SERVICES) this.cache.delete(this.cache.keys().next().value!);
    return incidents;
  }

  private async detect(service: string): Promise<Incident[]> {
    const range = await this.store.range(service);
    if (!range) return [];
    const firstSlot = Math.floor(range.from / SLOT_MINUTES);
    const lastSlot = Math.floor(range.to / SLOT_MINUTES);
    const counts = new Map<number, Map<string, number>>();
    for (const row of await this.store.slotRange(service, firstSlot, lastSlot)) {
      let m = counts.get(row.slot);
      if (!m) counts.set(row.slot, (m = new Map()));
      m.set(row.country, row.count);
    }
    // A simulation run is measured against its service's real baselines, as its live map was.
    const baselines = await this.frames.slotBaselines(serviceOfKey(service), [...counts.keys()]);
    const scale = this.config.windowMinutes / SLOT_MINUTES;
    const floor = this.config.baselineFloor;

    const levels = new Map<string, Level>();
    const runs: Run[] = [];
    let run: Run | undefined;
    for (let slot = firstSlot; slot <= lastSlot; slot++) {
      const here = counts.get(slot);
      const active = new Map<string, Level>();
      for (const country of new Set([...levels.keys(), ...(here?.keys() ?? [])])) {
        const level = nextLevel(levels.get(country) ?? 'normal', (here?.get(country) ?? 0) * scale, baselines.get(slot)?.get(country) ?? floor);
        if (level === 'normal') levels.delete(country);
        else {
          levels.set(country, level);
          active.set(country, level);
        }
      }
      if (active.size > 0) {
        if (!run || slot - run.last > MAX_GAP_SLOTS + 1) runs.push((run = { first: slot, last: slot, level: 'elevated', countries: new Set() }));
        run.last = slot;
        for (const [country, level] of active) {
          run.countries.add(country);
          if (RANK[level] > RANK[run.level]) run.level = level as Run['level'];
        }
      }
    }

    const kept = runs.filter((r) => r.last - r.first + 1 >= MIN_SLOTS || r.level === 'outage');
    const datasets = await this.store.datasets(service);
    const liveEdge = this.liveEdge(service);
    const incidents: Incident[] = [];
    for (const r of kept) {
      const startMinute = r.first * SLOT_MINUTES;
      const endMinute = (r.last + 1) * SLOT_MINUTES - 1;
      const peak = await this.peak(service, startMinute, endMinute, r.countries);
      // The latest loaded dataset with a note describes the span: a bundled reconstruction's new
      // version (datasets come in load order within a start) says what the old one did not.
      const covering = datasets.filter((d) => d.from <= endMinute && d.to >= startMinute);
      const dataset = covering.filter((d) => d.note).at(-1) ?? covering[0];
      incidents.push({
        id: `${service}-${startMinute * MINUTE_MS}`,
        service,
        start: startMinute * MINUTE_MS,
        peak: peak.minute * MINUTE_MS,
        // Still above normal in the last slot that has data, and that slot is the present.
        end: r.last === lastSlot && endMinute >= liveEdge - this.config.windowMinutes ? null : endMinute * MINUTE_MS,
        peakCount: peak.total,
        level: r.level,
        countries: peak.countries,
        ...(dataset?.note ? { note: dataset.note } : {}),
        ...(dataset?.sources ? { sources: dataset.sources } : {}),
        ...(isSimulationKey(service) ? { simulated: true } : {}),
      });
    }
    return incidents.reverse();
  }

  /**
   * The present of a store key's rows, epoch minute: the live map's rows run on its clock (a
   * simulation's while it runs), a real history on the wall clock, and a kept run is over.
   */
  private liveEdge(key: string): number {
    const service = serviceOfKey(key);
    if (this.clocks.source(service) === key) return minuteOf(this.clocks.now(service));
    return isSimulationKey(key) ? Infinity : minuteOf(this.clocks.state(service).at);
  }

  /** The minute with the largest trailing-window total in `[from, to]`, and each country's own peak. */
  private async peak(service: string, from: number, to: number, countries: Set<string>) {
    const w = this.config.windowMinutes;
    const start = from - w + 1;
    const length = to - start + 1;
    const totals = new Float64Array(length);
    const series = new Map<string, Float64Array>();
    for (const row of await this.store.rows(service, start, to)) {
      totals[row.minute - start]! += row.count;
      if (!countries.has(row.country)) continue;
      let s = series.get(row.country);
      if (!s) series.set(row.country, (s = new Float64Array(length)));
      s[row.minute - start]! += row.count;
    }
    const sums = rollingSums(totals, w);
    let best = w - 1;
    for (let i = w - 1; i < length; i++) if (sums[i]! > sums[best]!) best = i;
    const perCountry = [...series.entries()]
      .map(([country, s]) => ({ country, peakCount: Math.max(...rollingSums(s, w).slice(w - 1)) }))
      .sort((a, b) => b.peakCount - a.peakCount)
      .slice(0, MAX_COUNTRIES);
    return { minute: start + best, total: sums[best] ?? 0, countries: perCountry };
  }
}
