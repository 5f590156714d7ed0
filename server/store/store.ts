import type { MinuteRow } from '../../shared/frame.ts';
import { PROBLEMS, type ChannelState, type Problem } from '../../shared/protocol.ts';

/**
 * Counts of one service, country and epoch minute. With `problem`, the part of it whose reports
 * named that problem: it counts in the minute's total and in the problem's count.
 */
export interface MinuteCount extends MinuteRow {
  service: string;
}

/** Reports of one problem type in one country and minute (a part of that minute's total). */
export interface ProblemRow {
  minute: number;
  country: string;
  problem: Problem;
  count: number;
}

/** 15-minute sums kept beside the minutes for baselines and charts. */
export const SLOT_MINUTES = 15;
export const SLOTS_PER_WEEK = (7 * 24 * 60) / SLOT_MINUTES;

/** One 15-minute slot's count of one country. */
export interface SlotRow {
  slot: number;
  country: string;
  count: number;
}

/** `HistoryStore.rowsAt`: rows and the revision of their service they were read at. */
export interface RowsAt {
  /** Totals, without `problem`. */
  rows: MinuteRow[];
  /** The per-problem counts of the same minutes, from the same snapshot. */
  problems: ProblemRow[];
  rev: number;
}

/** What one commit wrote for one service, in order, and the service's revision after it. */
export interface Commit {
  service: string;
  rev: number;
  /** `add` rows were added to what was stored; `put` rows replaced it. */
  writes: readonly CommitWrite[];
}

/** One write of a commit, in commit order: `add` rows were added, `put` rows replaced. */
export interface CommitWrite {
  mode: 'add' | 'put';
  rows: readonly MinuteCount[];
}

/**
 * The listeners of `HistoryStore.onCommit`, one implementation for every store: after a commit,
 * each service it moved is announced with its new revision and the writes (in order) that touched
 * it. A service moved with no rows of its own (a drop) is announced with no writes: caches of it
 * read again.
 */
export class CommitListeners {
  private readonly listeners = new Set<(commit: Commit) => void>();

  add(listener: (commit: Commit) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  announce(revisions: Iterable<readonly [string, number]>, writes: readonly CommitWrite[]): void {
    if (this.listeners.size === 0) return;
    for (const [service, rev] of revisions) {
      const mine = writes.flatMap((w) => {
        const rows = w.rows.filter((r) => r.service === service);
        return rows.length > 0 ? [{ mode: w.mode, rows }] : [];
      });
      const commit: Commit = { service, rev, writes: mine };
      for (const listener of this.listeners) listener(commit);
    }
  }
}

/** The first and last minute a commit wrote. */
export function commitSpan(commit: Commit): { from: number; to: number } {
  let from = Infinity;
  let to = -Infinity;
  for (const write of commit.writes) {
    for (const row of write.rows) {
      if (row.minute < from) from = row.minute;
      if (row.minute > to) to = row.minute;
    }
  }
  return { from, to };
}

/** A named batch of history loaded once (a bundled replay, an imported file). */
export interface Dataset {
  key: string;
  service: string;
  /** Epoch minutes covered. */
  from: number;
  to: number;
  rows: number;
  note?: string;
  sources?: string[];
}

/** A client's `Idempotency-Key` and what the request carried, so a reused key with other rows is caught. */
export interface IdempotencyKey {
  key: string;
  fingerprint: string;
}

/** `replayed`: the key was already committed, nothing was added now; `rows` is what it accepted then. */
export interface IdempotentResult {
  replayed: boolean;
  rows: number;
  /** The fingerprint stored with the key (a different one means the key was reused for other rows). */
  fingerprint?: string;
}

export interface StorageHealth {
  writable: boolean;
  /** Why not, in words a person can act on. */
  reason?: string;
}

/**
 * The history of counts. SQLite is the embedded default; another engine (PostgreSQL) implements
 * the same interface, so callers never see which one they have.
 *
 * Writes resolve only once the rows are durably committed: a 2xx may follow.
 */
export interface HistoryStore {
  /**
   * Adds counts to what is stored (live reports and feeds): each row to its minute's total, and
   * a row with `problem` to that problem's count too, in the same transaction.
   */
  add(rows: readonly MinuteCount[]): Promise<void>;
  /**
   * Adds counts unless `idempotency.key` was already committed; the key is stored in the same
   * transaction as the rows, so a crash leaves both or neither.
   */
  addOnce(rows: readonly MinuteCount[], idempotency: IdempotencyKey): Promise<IdempotentResult>;
  /** Whether writes work now (a failing store retries one real write at most once a second). */
  health(): Promise<StorageHealth>;
  /**
   * Sets counts, replacing what is stored (imports): the rows of one service, country and minute
   * are its new total, and those with `problem` its whole new breakdown (none: no breakdown).
   * All rows of one minute and country must come in the same call.
   */
  put(rows: readonly MinuteCount[]): Promise<void>;
  /** Rows of `service` with `from <= minute <= to`: totals, without `problem`. */
  rows(service: string, from: number, to: number): Promise<MinuteRow[]>;
  /** Per-problem counts of `service` with `from <= minute <= to` (each a part of its minute's total). */
  problems(service: string, from: number, to: number): Promise<ProblemRow[]>;
  /** Slot sums of `service` for the given slots. */
  slots(service: string, slots: readonly number[]): Promise<SlotRow[]>;
  /** Slot sums of `service` for `from <= slot <= to`. */
  slotRange(service: string, from: number, to: number): Promise<SlotRow[]>;
  /** First and last epoch minute with counts, or null. */
  range(service: string): Promise<{ from: number; to: number } | null>;
  services(): Promise<string[]>;
  /**
   * Every row of `service` in `[from, to]` summed into buckets of `stepMinutes` (a row's minute is
   * its bucket's first), ordered by minute then country, in chunks so memory stays flat. A bucket
   * with a breakdown comes as its part that named no problem (when there is one) followed by a
   * row per problem in `PROBLEMS` order: the rows of a bucket add up to its total, and `put`
   * of them stores exactly what was read.
   */
  iterate(service: string, from: number, to: number, stepMinutes: number): AsyncIterable<MinuteRow[]>;
  /** Records a dataset as loaded; false when `key` was already there (nothing changes then). */
  markDataset(dataset: Dataset): Promise<boolean>;
  datasets(service?: string): Promise<Dataset[]>;
  /**
   * Rows of `service` with `from <= minute <= to`, read in one transaction together with the
   * service's revision they reflect, so a reader can tell which commits it already holds.
   */
  rowsAt(service: string, from: number, to: number): Promise<RowsAt>;
  /**
   * Every stored service's revision: it moves with each commit that touches the service, by this
   * process or another one (an import run beside the server). Caches compare it to know when
   * they are stale.
   */
  revisions(): Promise<Map<string, number>>;
  /**
   * Calls `listener` after each commit of this process, with what it wrote, before the writers
   * are answered. Returns a function that removes the listener.
   */
  onCommit(listener: (commit: Commit) => void): () => void;
  /** Deletes every row of `service` (a simulation run) and moves its revision. */
  dropService(service: string): Promise<void>;
  /**
   * After a bulk load (an import): brings the engine's statistics and visibility up to date, so
   * the reads right after it are planned and run as they will be once the engine has caught up.
   * Engines that need nothing leave it out.
   */
  afterBulkLoad?(): Promise<void>;
  close(): Promise<void>;
}

/** Named channels' state, kept so a restart resumes every channel where it was. */
export interface ChannelStore {
  channels(): Promise<ChannelState[]>;
  saveChannel(state: ChannelState): Promise<void>;
  deleteChannel(name: string): Promise<boolean>;
}

/**
 * Export rows of one chunk (see `HistoryStore.iterate`) from its totals and per-problem counts,
 * both ordered by minute then country: for each total, the part that named no problem (when
 * there is one), then a row per problem in `PROBLEMS` order.
 */
export function splitByProblem(totals: readonly MinuteRow[], problems: readonly ProblemRow[]): MinuteRow[] {
  if (problems.length === 0) return totals as MinuteRow[];
  const byKey = new Map<string, ProblemRow[]>();
  for (const p of problems) {
    const key = `${p.minute}\0${p.country}`;
    const list = byKey.get(key);
    if (list) list.push(p);
    else byKey.set(key, [p]);
  }
  const out: MinuteRow[] = [];
  for (const total of totals) {
    const parts = byKey.get(`${total.minute}\0${total.country}`);
    if (!parts) {
      out.push(total);
      continue;
    }
    parts.sort((a, b) => PROBLEMS.indexOf(a.problem) - PROBLEMS.indexOf(b.problem));
    const named = parts.reduce((n, p) => n + p.count, 0);
    if (total.count - named > 0) out.push({ minute: total.minute, country: total.country, count: total.count - named });
    for (const p of parts) if (p.count > 0) out.push({ minute: total.minute, country: total.country, count: p.count, problem: p.problem });
  }
  return out;
}
