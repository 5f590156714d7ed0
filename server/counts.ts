import type { MinuteRow } from '../shared/frame.ts';

/** Counts of one service, country and epoch minute, added to what is there. */
export interface MinuteCount extends MinuteRow {
  service: string;
}

/**
 * Where per-minute counts live. The in-memory implementation holds the recent hours that live
 * frames read; a persistent store sits behind the same interface.
 */
export interface CountStore {
  add(rows: readonly MinuteCount[]): void;
  /** Rows of `service` with `from <= minute <= to`, in no particular order. */
  rows(service: string, from: number, to: number): MinuteRow[];
  /** Services that have any counts. */
  services(): string[];
}

/** Per-minute counts in memory, dropping minutes older than `retainMinutes` behind the newest seen. */
export class MemoryCountStore implements CountStore {
  private readonly byService = new Map<string, Map<number, Map<string, number>>>();
  private newest = Number.NEGATIVE_INFINITY;

  constructor(private readonly retainMinutes: number) {}

  add(rows: readonly MinuteCount[]): void {
    for (const { service, minute, country, count } of rows) {
      if (!(count > 0)) continue;
      let minutes = this.byService.get(service);
      if (!minutes) this.byService.set(service, (minutes = new Map()));
      let countries = minutes.get(minute);
      if (!countries) minutes.set(minute, (countries = new Map()));
      countries.set(country, (countries.get(country) ?? 0) + count);
      if (minute > this.newest) this.newest = minute;
    }
  }

  rows(service: string, from: number, to: number): MinuteRow[] {
    const minutes = this.byService.get(service);
    const out: MinuteRow[] = [];
    if (!minutes) return out;
    const visit = (minute: number, countries: Map<string, number>) => {
      for (const [country, count] of countries) out.push({ minute, country, count });
    };
    if (to - from + 1 <= minutes.size) {
      for (let m = from; m <= to; m++) {
        const countries = minutes.get(m);
        if (countries) visit(m, countries);
      }
    } else {
      for (const [m, countries] of minutes) if (m >= from && m <= to) visit(m, countries);
    }
    return out;
  }

  services(): string[] {
    return [...this.byService.keys()];
  }

  /** Drops minutes older than the retention; returns how many minute buckets went. */
  prune(): number {
    const cutoff = this.newest - this.retainMinutes;
    let dropped = 0;
    for (const minutes of this.byService.values()) {
      for (const m of minutes.keys()) {
        if (m < cutoff) {
          minutes.delete(m);
          dropped++;
        }
      }
    }
    return dropped;
  }
}
