import { addProblem, type ProblemCounts } from '../../shared/problems.ts';
import type { Commit, HistoryStore } from '../store/store.ts';

interface Minute {
  /** The service revision these counts were read at: announced commits up to it are in them. */
  rev: number;
  counts: Map<string, number>;
  /** Per country, the parts of its count that named a problem. */
  problems: Map<string, ProblemCounts>;
}

/** The series last handed out for a key, patched in place when only a few minutes changed. */
interface Series {
  from: number;
  to: number;
  byCountry: Map<string, Float64Array>;
  /** Minutes changed since it was built. */
  dirty: Set<number>;
}

interface Key {
  minutes: Map<number, Minute>;
  /** Highest revision whose commit this cache has seen (announced or read); -1 before any. */
  seen: number;
  series: Series | undefined;
}

/** Minutes kept over all keys; old ones go first. A 45-minute frame span of 250 countries is 11k counts. */
const MAX_MINUTES = 20_000;

/**
 * Per-country minute counts of the store keys that playheads read, kept in step with the
 * store from what its commits announce, so a live frame costs no store read; a replay reads
 * only the minutes it has not seen yet (all of them after a seek, then the ones it crosses).
 *
 * Exactness: every commit moves its service's revision, and a read returns the revision it
 * reflects. A minute read at revision r ignores announced commits up to r and applies later
 * ones. A gap in the announced revisions (another process committed) or a poll that finds the
 * store ahead drops the key's minutes, which are then read again: a stale read is never kept.
 */
export class MinuteCache {
  private readonly keys = new Map<string, Key>();
  /** `key\0minute` in least recently used order, for eviction. */
  private readonly lru = new Map<string, [string, number]>();

  constructor(private readonly store: HistoryStore) {}

  /** Applies a commit of this process. Returns 'all' when the key's minutes were dropped (a gap). */
  apply(commit: Commit): 'all' | undefined {
    const key = this.keys.get(commit.service);
    if (!key || commit.rev <= key.seen) return undefined;
    if (key.seen >= 0 && commit.rev > key.seen + 1) {
      this.drop(commit.service);
      return 'all';
    }
    key.seen = commit.rev;
    for (const { mode, rows } of commit.writes) {
      // A put's rows of one minute and country are its new total and breakdown: cleared once, then added.
      const cleared = mode === 'put' ? new Set<string>() : undefined;
      for (const row of rows) {
        const minute = key.minutes.get(row.minute);
        if (!minute || minute.rev >= commit.rev) continue;
        if (cleared && !cleared.has(`${row.minute}\0${row.country}`)) {
          cleared.add(`${row.minute}\0${row.country}`);
          minute.counts.delete(row.country);
          minute.problems.delete(row.country);
        }
        const after = (minute.counts.get(row.country) ?? 0) + row.count;
        if (after > 0) minute.counts.set(row.country, after);
        else minute.counts.delete(row.country);
        if (row.problem) {
          let parts = minute.problems.get(row.country);
          if (!parts) minute.problems.set(row.country, (parts = {}));
          addProblem(parts, row.problem, row.count);
        }
        key.series?.dirty.add(row.minute);
      }
    }
    return undefined;
  }

  /** Drops every key the store has moved past (a commit by another process). Returns those keys. */
  reconcile(revisions: ReadonlyMap<string, number>): string[] {
    const stale: string[] = [];
    for (const [name, key] of this.keys) {
      const rev = revisions.get(name);
      // Gone from the store (a dropped simulation), or moved past what this cache has seen.
      if (rev === undefined ? key.seen > 0 : rev > key.seen) stale.push(name);
    }
    for (const name of stale) this.drop(name);
    return stale;
  }

  /**
   * Per country, the counts of `key`'s minutes `from..to` (index 0 is `from`), reading only the
   * minutes not held. The same span asked again (a live window between two minute boundaries)
   * is patched where commits changed it rather than rebuilt. The map is the cache's own: read it
   * before the next await, never change it.
   */
  async series(name: string, from: number, to: number): Promise<ReadonlyMap<string, Float64Array>> {
    const key = await this.hold(name, from, to);
    const held = key.series;
    if (held && held.from === from && held.to === to) {
      for (const m of held.dirty) this.fillColumn(key, held, m);
      held.dirty.clear();
      return held.byCountry;
    }
    // A new span (a minute boundary, a seek): built whole, and its minutes marked recently used.
    const series: Series = { from, to, byCountry: new Map(), dirty: new Set() };
    for (let m = from; m <= to; m++) {
      this.fillColumn(key, series, m);
      this.touch(name, m);
    }
    key.series = series;
    return series.byCountry;
  }

  /**
   * Per country, the reports of each problem type in `key`'s minutes `from..to`, from the minutes
   * held: call it right after `series` over a span that covers these minutes, before any await.
   */
  problems(name: string, from: number, to: number): Map<string, ProblemCounts> {
    const out = new Map<string, ProblemCounts>();
    const key = this.keys.get(name);
    if (!key) return out;
    for (let m = from; m <= to; m++) {
      for (const [country, parts] of key.minutes.get(m)?.problems ?? []) {
        let sum = out.get(country);
        if (!sum) out.set(country, (sum = {}));
        for (const [problem, count] of Object.entries(parts) as Array<[keyof ProblemCounts, number]>) addProblem(sum, problem, count);
      }
    }
    return out;
  }

  get size(): number {
    return this.lru.size;
  }

  /** Writes minute `m`'s counts into the series (zeroing countries that have none there). */
  private fillColumn(key: Key, series: Series, m: number): void {
    if (m < series.from || m > series.to) return;
    const i = m - series.from;
    for (const s of series.byCountry.values()) s[i] = 0;
    const counts = key.minutes.get(m)?.counts;
    if (!counts) return;
    for (const [country, count] of counts) {
      let s = series.byCountry.get(country);
      if (!s) series.byCountry.set(country, (s = new Float64Array(series.to - series.from + 1)));
      s[i] = count;
    }
  }

  /** Makes sure every minute of `[from, to]` is held, reading the missing span once. */
  private async hold(name: string, from: number, to: number): Promise<Key> {
    let key = this.keys.get(name);
    if (!key) this.keys.set(name, (key = { minutes: new Map(), seen: -1, series: undefined }));
    let first = from;
    while (first <= to && key.minutes.has(first)) first++;
    let last = to;
    while (last >= first && key.minutes.has(last)) last--;
    if (first <= last) await this.load(name, key, first, last);
    return key;
  }

  private async load(name: string, key: Key, from: number, to: number): Promise<void> {
    for (;;) {
      const { rows, problems, rev } = await this.store.rowsAt(name, from, to);
      // A read older than an announced commit (an asynchronous store) would miss it: read again.
      if (rev < key.seen) continue;
      if (key.seen < 0 || key.minutes.size === 0) key.seen = rev;
      const read = new Map<number, Omit<Minute, 'rev'>>();
      for (let m = from; m <= to; m++) read.set(m, { counts: new Map(), problems: new Map() });
      for (const row of rows) if (row.count > 0) read.get(row.minute)?.counts.set(row.country, row.count);
      for (const row of problems) {
        const minute = read.get(row.minute);
        if (!minute || !(row.count > 0)) continue;
        let parts = minute.problems.get(row.country);
        if (!parts) minute.problems.set(row.country, (parts = {}));
        addProblem(parts, row.problem, row.count);
      }
      for (const [m, { counts, problems: parts }] of read) {
        const held = key.minutes.get(m);
        if (held && held.rev >= rev) continue;
        key.minutes.set(m, { rev, counts, problems: parts });
        key.series?.dirty.add(m);
        this.touch(name, m);
      }
      this.evict();
      return;
    }
  }

  private touch(name: string, minute: number): void {
    const id = `${name}\0${minute}`;
    this.lru.delete(id);
    this.lru.set(id, [name, minute]);
  }

  private evict(): void {
    while (this.lru.size > MAX_MINUTES) {
      const [id, [name, minute]] = this.lru.entries().next().value!;
      this.lru.delete(id);
      const key = this.keys.get(name);
      key?.minutes.delete(minute);
      key?.series?.dirty.add(minute);
    }
  }

  private drop(name: string): void {
    const key = this.keys.get(name);
    if (!key) return;
    for (const m of key.minutes.keys()) this.lru.delete(`${name}\0${m}`);
    this.keys.delete(name);
  }
}
