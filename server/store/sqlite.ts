import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { MinuteRow } from '../../shared/frame.ts';
import type { ChannelState } from '../../shared/protocol.ts';
import { CommitListeners, splitByProblem, type ChannelStore, type ProblemRow, type Commit, type Dataset, type HistoryStore, type IdempotencyKey, type IdempotentResult, type MinuteCount, type RowsAt, type SlotRow, type StorageHealth } from './store.ts';
import { migrate } from './sqlite-schema.ts';
import type { Durability, WriteJob, WriteResult, WriterData, WriterMessage } from './writer-messages.ts';


interface Pending {
  job: WriteJob;
  resolve: (outcome: IdempotentResult | undefined) => void;
  reject: (error: Error) => void;
}

/** While writes fail, /readyz tries a real write at most this often. */
const PROBE_EVERY_MS = 1_000;

export interface SqliteOptions {
  /** False commits every write on its own (the benchmark's comparison); true by default. */
  groupCommit?: boolean;
  /** Read-only connections (exports) skip migrations and never write. */
  readonly?: boolean;
  /** DURABILITY: `fsync` (the default) or `process`, see the README. */
  durability?: Durability;
}

/** Opens (creating and migrating when needed) the history at `dataDir/history.sqlite`. */
export function openSqliteStore(dataDir: string, options: SqliteOptions = {}): SqliteStore {
  mkdirSync(dataDir, { recursive: true });
  return new SqliteStore(path.join(dataDir, 'history.sqlite'), options);
}

export class SqliteStore implements HistoryStore, ChannelStore {
  readonly db: Database.Database;
  private readonly groupCommit: boolean;
  private readonly durability: Durability;
  private writer: Worker | undefined;
  /** Jobs not yet handed to the writer (see post()). */
  private outbox: WriteJob[] = [];
  /** Jobs handed to the writer and not yet answered. */
  private posted = 0;
  private readonly pending = new Map<number, Pending>();
  private nextJob = 1;
  private readonly serviceIds = new Map<string, number>();
  private readonly statements;
  private drained: (() => void) | undefined;
  private readonly commitListeners = new CommitListeners();
  /** Each service's revision after this process's last commit that touched it. */
  private readonly announced = new Map<string, number>();
  /** The last revisions read, and the data_version they were read at (see revisions()). */
  private revisionCache: { dataVersion: number; revisions: Map<string, number> } | undefined;
  /** Why the last write failed, until one succeeds. */
  private lastFailure: string | undefined;
  private lastProbe = -Infinity;

  constructor(readonly file: string, options: SqliteOptions = {}) {
    this.groupCommit = options.groupCommit ?? true;
    this.durability = options.durability ?? 'fsync';
    this.db = new Database(file, { readonly: options.readonly ?? false });
    this.db.pragma('busy_timeout = 10000');
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      // This connection writes channels and imports; the writer thread sets the same (see there).
      this.db.pragma(`synchronous = ${this.durability === 'process' ? 'NORMAL' : 'FULL'}`);
      try {
        migrate(this.db, file);
      } catch (error) {
        this.db.close();
        throw error;
      }
    }
    for (const row of this.db.prepare('SELECT id, name FROM services').all() as Array<{ id: number; name: string }>) {
      this.serviceIds.set(row.name, row.id);
    }
    this.statements = {
      rows: this.db.prepare('SELECT minute, country, count FROM counts WHERE service = ? AND minute BETWEEN ? AND ?'),
      problems: this.db.prepare('SELECT minute, country, problem, count FROM problems WHERE service = ? AND minute BETWEEN ? AND ?'),
      slotRange: this.db.prepare('SELECT slot, country, count FROM slots WHERE service = ? AND slot BETWEEN ? AND ?'),
      slots: this.db.prepare('SELECT slot, country, count FROM slots WHERE service = ? AND slot IN (SELECT value FROM json_each(?))'),
      first: this.db.prepare('SELECT minute FROM counts WHERE service = ? ORDER BY minute ASC LIMIT 1').pluck(),
      last: this.db.prepare('SELECT minute FROM counts WHERE service = ? ORDER BY minute DESC LIMIT 1').pluck(),
      serviceId: this.db.prepare('SELECT id FROM services WHERE name = ?').pluck(),
      revision: this.db.prepare('SELECT rev FROM services WHERE id = ?').pluck(),
      revisions: this.db.prepare('SELECT name, rev FROM services'),
    };
    // Started now, so the first request does not wait for the thread to boot.
    if (!options.readonly) this.startWriter();
  }

  private dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  private serviceId(name: string): number | undefined {
    let id = this.serviceIds.get(name);
    if (id === undefined) {
      // The writer thread (or another process) adds services; look again until it has.
      id = this.statements.serviceId.get(name) as number | undefined;
      if (id !== undefined) this.serviceIds.set(name, id);
    }
    return id;
  }

  add(rows: readonly MinuteCount[]): Promise<void> {
    return this.write({ mode: 'add', rows }).then(() => undefined);
  }

  put(rows: readonly MinuteCount[]): Promise<void> {
    return this.write({ mode: 'put', rows }).then(() => undefined);
  }

  async addOnce(rows: readonly MinuteCount[], idempotency: IdempotencyKey): Promise<IdempotentResult> {
    const outcome = await this.write({ mode: 'add', rows, idempotency });
    return outcome ?? { replayed: false, rows: rows.length };
  }

  async health(): Promise<StorageHealth> {
    if (this.lastFailure && Date.now() - this.lastProbe >= PROBE_EVERY_MS) {
      this.lastProbe = Date.now();
      // A real write: the only reliable answer to "can we write now?" (a freed disk, a remount).
      await this.write({ mode: 'probe', rows: [] }).catch(() => {});
    }
    return this.lastFailure ? { writable: false, reason: this.lastFailure } : { writable: true };
  }

  private failed(error: unknown): void {
    this.lastFailure = /full|space/i.test(String((error as Error)?.message)) ? 'the disk is full' : /readonly|read-only|permission|access/i.test(String((error as Error)?.message)) ? 'the data folder is not writable' : 'writes are failing';
  }

  private write(body: Omit<WriteJob, 'id'>): Promise<IdempotentResult | undefined> {
    if (body.rows.length === 0 && body.mode !== 'probe') return Promise.resolve(undefined);
    const id = this.nextJob++;
    const job: WriteJob = { id, ...body };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { job, resolve, reject });
      const writer = this.startWriter();
      // Unanswered writes keep the process alive; an idle writer does not.
      writer.ref();
      if (this.outbox.push(job) === 1 && this.posted === 0) setImmediate(() => this.post());
    });
  }

  /**
   * Hands the writer the jobs waiting, in one message, which it commits in one transaction. A
   * message costs the main thread about as much as a small request (a structured clone, a wake-up
   * of the thread), so there is one per commit, not one per request: an idle writer gets the jobs
   * of one event-loop turn, and while it commits, what arrives waits here for its answer (it would
   * have waited for that commit in the writer's queue anyway).
   */
  private post(): void {
    if (this.posted > 0 || this.outbox.length === 0) return;
    const jobs = this.outbox;
    this.outbox = [];
    this.posted = jobs.length;
    this.startWriter().postMessage({ jobs } satisfies WriterMessage);
  }

  private startWriter(): Worker {
    if (this.writer) return this.writer;
    const writer = new Worker(new URL('./sqlite-writer.js', import.meta.url), { workerData: { file: this.file, groupCommit: this.groupCommit, durability: this.durability } satisfies WriterData });
    writer.on('message', (result: WriteResult) => {
      const jobs = result.ids.flatMap((id) => this.pending.get(id) ?? []);
      for (const id of result.ids) this.pending.delete(id);
      this.posted -= result.ids.length;
      this.post();
      // Listeners (the live frames) hear of a commit before its writers are answered, so a
      // viewer's frame can follow a report's 2xx as closely as possible.
      // Replayed keys wrote nothing; probes write no counts.
      if (!result.error) this.announce(jobs.map((p) => p.job).filter((j) => j.mode !== 'probe' && !result.replays?.[j.id]), result.revisions);
      if (result.error) this.failed(new Error(result.error));
      else this.lastFailure = undefined;
      for (const job of jobs) {
        if (result.error) job.reject(new Error(result.error));
        else job.resolve(result.replays?.[job.job.id]);
      }
      if (this.pending.size === 0) {
        writer.unref();
        this.drained?.();
      }
    });
    const fail = (error: Error) => {
      for (const job of this.pending.values()) job.reject(error);
      this.pending.clear();
      this.outbox = [];
      this.posted = 0;
      this.writer = undefined;
      this.drained?.();
    };
    writer.on('error', fail);
    writer.on('exit', (code) => fail(new Error(`the SQLite writer stopped (exit ${code})`)));
    writer.unref();
    this.writer = writer;
    return writer;
  }

  private announce(jobs: WriteJob[], revisions: WriteResult['revisions']): void {
    for (const [service, rev] of revisions) this.announced.set(service, rev);
    this.commitListeners.announce(revisions, jobs.flatMap((j) => (j.mode === 'probe' ? [] : [{ mode: j.mode, rows: j.rows }])));
  }

  onCommit(listener: (commit: Commit) => void): () => void {
    return this.commitListeners.add(listener);
  }

  async rowsAt(service: string, from: number, to: number): Promise<RowsAt> {
    const id = this.serviceId(service);
    if (id === undefined) return { rows: [], problems: [], rev: 0 };
    // One read transaction: the rows and the revision come from the same snapshot of the WAL.
    return this.readSnapshot(() => ({
      rev: this.statements.revision.get(id) as number,
      rows: this.statements.rows.all(id, from, to) as MinuteRow[],
      problems: this.statements.problems.all(id, from, to) as ProblemRow[],
    }));
  }

  async revisions(): Promise<Map<string, number>> {
    // data_version moves only when another connection commits: skip the query while it stands still.
    const dataVersion = this.dataVersion();
    if (this.revisionCache?.dataVersion !== dataVersion) {
      const rows = this.statements.revisions.all() as Array<{ name: string; rev: number }>;
      this.revisionCache = { dataVersion, revisions: new Map(rows.map((r) => [r.name, r.rev])) };
    }
    const revisions = new Map(this.revisionCache.revisions);
    // A commit of ours whose answer is still on its way from the writer is not another process's
    // change: report the revision last announced, so caches wait for the announcement.
    for (const { job } of this.pending.values()) {
      for (const row of job.rows) {
        const announced = this.announced.get(row.service);
        if (announced !== undefined && (revisions.get(row.service) ?? 0) > announced) revisions.set(row.service, announced);
      }
    }
    return revisions;
  }

  private readSnapshot<T>(read: () => T): T {
    this.db.exec('BEGIN');
    try {
      return read();
    } finally {
      this.db.exec('COMMIT');
    }
  }

  async rows(service: string, from: number, to: number): Promise<MinuteRow[]> {
    const id = this.serviceId(service);
    if (id === undefined) return [];
    return this.statements.rows.all(id, from, to) as MinuteRow[];
  }

  async problems(service: string, from: number, to: number): Promise<ProblemRow[]> {
    const id = this.serviceId(service);
    if (id === undefined) return [];
    return this.statements.problems.all(id, from, to) as ProblemRow[];
  }

  async slots(service: string, slots: readonly number[]): Promise<SlotRow[]> {
    const id = this.serviceId(service);
    if (id === undefined || slots.length === 0) return [];
    return this.statements.slots.all(id, JSON.stringify(slots)) as SlotRow[];
  }

  async slotRange(service: string, from: number, to: number): Promise<SlotRow[]> {
    const id = this.serviceId(service);
    if (id === undefined) return [];
    return this.statements.slotRange.all(id, from, to) as SlotRow[];
  }

  async range(service: string): Promise<{ from: number; to: number } | null> {
    const id = this.serviceId(service);
    if (id === undefined) return null;
    const from = this.statements.first.get(id) as number | undefined;
    if (from === undefined) return null;
    return { from, to: this.statements.last.get(id) as number };
  }

  async services(): Promise<string[]> {
    return (this.db.prepare('SELECT name FROM services s WHERE EXISTS (SELECT 1 FROM counts c WHERE c.service = s.id) ORDER BY id').pluck().all() as string[]);
  }

  async *iterate(service: string, from: number, to: number, stepMinutes: number): AsyncIterable<MinuteRow[]> {
    const id = this.serviceId(service);
    if (id === undefined) return;
    const step = Math.max(1, Math.floor(stepMinutes));
    // `%` works in integers whatever the binding (better-sqlite3 binds a number as REAL, and
    // `minute / 5.0` would not bucket anything).
    const query = this.db.prepare(`SELECT minute - minute % @step AS minute, country, SUM(count) AS count FROM counts
      WHERE service = @id AND minute BETWEEN @from AND @to GROUP BY 1, 2 ORDER BY 1, 2`);
    const parts = this.db.prepare(`SELECT minute - minute % @step AS minute, country, problem, SUM(count) AS count FROM problems
      WHERE service = @id AND minute BETWEEN @from AND @to GROUP BY 1, 2, 3 ORDER BY 1, 2`);
    const nextMinute = this.db.prepare('SELECT MIN(minute) FROM counts WHERE service = ? AND minute >= ?').pluck();
    // Whole buckets per chunk, about a day of minutes each, so a bucket never straddles two chunks.
    const chunk = Math.max(1, Math.round(1440 / step)) * step;
    for (let start = Math.floor(from / step) * step; start <= to; start += chunk) {
      // Queries are synchronous: an export from 2000 to now was 9,500 empty-day queries in one
      // blocking run (over 100 ms). Gaps are skipped with one index seek, and every chunk yields.
      const next = nextMinute.get(id, Math.max(from, start)) as number | null;
      if (next === null || next > to) return;
      if (next >= start + chunk) start = next - (next % step);
      const span = { step, id, from: Math.max(from, start), to: Math.min(to, start + chunk - 1) };
      const rows = splitByProblem(query.all(span) as MinuteRow[], parts.all(span) as ProblemRow[]);
      if (rows.length > 0) yield rows;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async markDataset(d: Dataset): Promise<boolean> {
    const result = this.db
      .prepare(`INSERT INTO datasets (key, service, first_minute, last_minute, rows, note, sources, loaded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`)
      .run(d.key, d.service, d.from, d.to, d.rows, d.note ?? null, d.sources ? JSON.stringify(d.sources) : null, Date.now());
    return result.changes > 0;
  }

  async datasets(service?: string): Promise<Dataset[]> {
    const rows = this.db
      .prepare(`SELECT key, service, first_minute AS "from", last_minute AS "to", rows, note, sources FROM datasets
        WHERE @service IS NULL OR service = @service ORDER BY first_minute, loaded_at`)
      .all({ service: service ?? null }) as Array<Omit<Dataset, 'sources' | 'note'> & { note: string | null; sources: string | null }>;
    return rows.map((r) => ({ ...r, note: r.note ?? undefined, sources: r.sources ? (JSON.parse(r.sources) as string[]) : undefined }));
  }

  async channels(): Promise<ChannelState[]> {
    const rows = this.db.prepare('SELECT state FROM channels ORDER BY name').pluck().all() as string[];
    return rows.map((r) => JSON.parse(r) as ChannelState);
  }

  async saveChannel(state: ChannelState): Promise<void> {
    this.onMain(() => this.db
      .prepare('INSERT INTO channels (name, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at')
      .run(state.name, JSON.stringify(state), Date.now()));
  }

  async deleteChannel(name: string): Promise<boolean> {
    return this.onMain(() => this.db.prepare('DELETE FROM channels WHERE name = ?').run(name).changes > 0);
  }

  /** A write on the main connection, whose failure counts against the storage's health too. */
  private onMain<T>(write: () => T): T {
    try {
      const result = write();
      this.lastFailure = undefined;
      return result;
    } catch (error) {
      this.failed(error);
      throw error;
    }
  }

  async dropService(service: string): Promise<void> {
    const id = this.serviceId(service);
    if (id === undefined) return;
    // The services row stays: the writer thread caches its id, and the next run reuses it.
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM counts WHERE service = ?').run(id);
      this.db.prepare('DELETE FROM slots WHERE service = ?').run(id);
      this.db.prepare('DELETE FROM problems WHERE service = ?').run(id);
      this.db.prepare('UPDATE services SET rev = rev + 1 WHERE id = ?').run(id);
    })();
    // data_version does not move for this connection's own commits.
    this.revisionCache = undefined;
  }

  /** Bytes the database files take (main file and write-ahead log). */
  sizeOnDisk(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const size = this.db.pragma('page_size', { simple: true }) as number;
    return pages * size;
  }

  /** Waits for every write to be committed, stops the writer, closes the database. */
  async close(): Promise<void> {
    if (this.pending.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    const writer = this.writer;
    if (writer) {
      writer.ref();
      const exited = new Promise((resolve) => writer.once('exit', resolve));
      writer.postMessage({ close: true } satisfies WriterMessage);
      await exited;
    }
    this.db.close();
  }
}
