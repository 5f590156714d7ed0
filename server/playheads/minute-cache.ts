import type { Commit, HistoryStore } from '../store/store.ts';

interface Minute {
  /** The service revision these counts were read at: announced commits up to it are in them. */
  rev: number;
  counts: Map<string, number>;
}

interface Key {
  minutes: Map<number, Minute>;
  /** Highest revision whose commit this cache has seen (announced or polled); -1 before any. */
  seen: number;
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

  /**
   * Applies a commit of this process. Returns the minutes it changed, or 'all' when the key's
   * minutes were dropped (a gap), or undefined when nothing cached moved.
   */
  apply(commit: Commit): { from: number; to: number } | 'all' | undefined {
    const key = this.keys.get(commit.service);
    if (!key) return undefined;
    if (commit.rev <= key.seen) return undefined;
    if (key.seen >= 0 && commit.rev > key.seen + 1) {
      this.drop(commit.service);
      return 'all';
    }
    key.seen = commit.rev;
    let from = Infinity;
    let to = -Infinity;
    for (const row of commit.rows) {
      from = Math.min(from, row.minute);
      to = Math.max(to, row.minute);
      const minute = key.minutes.get(row.minute);
      if (!minute || minute.rev >= commit.rev) continue;
      const before = minute.counts.get(row.country) ?? 0;
      const after = commit.mode === 'add' ? before + row.count : row.count;
      if (after > 0) minute.counts.set(row.country, after);
      else minute.counts.delete(row.country);
    }
    return from <= to ? { from, to } : undefined;
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

  /** Per country, the counts of `key`'s minutes `from..to`, reading only the minutes not held. */
  async series(name: string, from: number, to: number): Promise<Map<string, Float64Array>> {
    const key = await this.hold(name, from, to);
    const series = new Map<string, Float64Array>();
    for (let m = from; m <= to; m++) {
      const minute = key.minutes.get(m);
      if (!minute) continue;
      this.touch(name, m);
      for (const [country, count] of minute.counts) {
        let s = series.get(country);
        if (!s) series.set(country, (s = new Float64Array(to - from + 1)));
        s[m - from] = count;
      }
    }
    return series;
  }

  /** Makes sure every minute of `[from, to]` is held, reading the missing span once. */
  private async hold(name: string, from: number, to: number): Promise<Key> {
    let key = this.keys.get(name);
    if (!key) this.keys.set(name, (key = { minutes: new Map(), seen: -1 }));
    let first = from;
    while (first <= to && key.minutes.has(first)) first++;
    let last = to;
    while (last >= first && key.minutes.has(last)) last--;
    if (first <= last) await this.load(name, key, first, last);
    return key;
  }

  get size(): number {
    return this.lru.size;
  }

  private async load(name: string, key: Key, from: number, to: number): Promise<void> {
    for (;;) {
      const { rows, rev } = await this.store.rowsAt(name, from, to);
      // A read older than an announced commit (an asynchronous store) would miss it: read again.
      if (rev < key.seen) continue;
      if (key.seen < 0 || key.minutes.size === 0) key.seen = rev;
      const read = new Map<number, Map<string, number>>();
      for (let m = from; m <= to; m++) read.set(m, new Map());
      for (const row of rows) if (row.count > 0) read.get(row.minute)?.set(row.country, row.count);
      for (const [m, counts] of read) {
        const held = key.minutes.get(m);
        if (held && held.rev >= rev) continue;
        key.minutes.set(m, { rev, counts });
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
      this.keys.get(name)?.minutes.delete(minute);
    }
  }

  private drop(name: string): void {
    const key = this.keys.get(name);
    if (!key) return;
    for (const m of key.minutes.keys()) this.lru.delete(`${name}\0${m}`);
    this.keys.delete(name);
  }
}
