/**
 * The history on PostgreSQL (`DATABASE_URL=postgres://...`), for several nodes sharing one
 * history. The same contract as SQLite (tests/server/store-contract.test.ts runs both): group
 * commit, per-service revisions moved in the writing transaction, slot sums kept in step by a
 * trigger whoever writes, and a commit announced before its writers are answered.
 */
import pg from 'pg';
import { migrate } from './postgres-schema.ts';
import type { MinuteRow } from '../../shared/frame.ts';
import type { ChannelState } from '../../shared/protocol.ts';
import {
  CommitListeners,
  type ChannelStore,
  type Commit,
  type Dataset,
  type HistoryStore,
  type IdempotencyKey,
  type IdempotentResult,
  type MinuteCount,
  type ProblemRow,
  type RowsAt,
  type SlotRow,
  type StorageHealth,
  splitByProblem,
} from './store.ts';
import type { Problem } from '../../shared/protocol.ts';


/** Idempotency keys are kept a day: far longer than any client retries an unanswered request. */
const KEEP_KEYS_MS = 24 * 60 * 60 * 1000;
/** While writes fail, health() tries a real write at most this often. */
const PROBE_EVERY_MS = 1_000;


interface Settle {
  resolve: (outcome?: IdempotentResult) => void;
  reject: (e: Error) => void;
}

type Job =
  | ({ kind: 'write'; mode: 'add' | 'put'; rows: readonly MinuteCount[]; idempotency?: IdempotencyKey } & Settle)
  | ({ kind: 'drop'; service: string } & Settle)
  | ({ kind: 'probe' } & Settle);

export interface PostgresOptions {
  /** A schema to keep the tables in (tests give each store its own); `public` otherwise. */
  schema?: string;
  /** Connections in the pool: one writes, the others read. */
  max?: number;
}

/** Connects, creates the schema when needed and migrates it. */
export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<PostgresStore> {
  const schema = options.schema ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`schema "${schema}": use lower-case letters, digits and _`);
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 6, options: `-c search_path=${schema}` });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const client = await pool.connect();
  try {
    await migrate(client, schema);
  } catch (error) {
    client.release();
    await pool.end();
    throw error;
  }
  client.release();
  return new PostgresStore(pool);
}

export class PostgresStore implements HistoryStore, ChannelStore {
  private readonly serviceIds = new Map<string, number>();
  private queue: Job[] = [];
  private committing: Promise<void> | undefined;
  private readonly commitListeners = new CommitListeners();
  /** Each service's revision after this process's last commit that touched it. */
  private readonly announced = new Map<string, number>();
  private closed = false;
  /** Why the last transaction failed, until one succeeds. */
  private lastFailure: string | undefined;
  private lastProbe = -Infinity;
  private lastExpiry = 0;

  constructor(private readonly pool: pg.Pool) {}

  async add(rows: readonly MinuteCount[]): Promise<void> {
    if (rows.length > 0) await new Promise((resolve, reject) => this.push({ kind: 'write', mode: 'add', rows, resolve, reject }));
  }

  async put(rows: readonly MinuteCount[]): Promise<void> {
    if (rows.length > 0) await new Promise((resolve, reject) => this.push({ kind: 'write', mode: 'put', rows, resolve, reject }));
  }

  async addOnce(rows: readonly MinuteCount[], idempotency: IdempotencyKey): Promise<IdempotentResult> {
    const outcome = await new Promise<IdempotentResult | undefined>((resolve, reject) => this.push({ kind: 'write', mode: 'add', rows, idempotency, resolve, reject }));
    return outcome ?? { replayed: false, rows: rows.length };
  }

  async dropService(service: string): Promise<void> {
    // Through the write queue, so writes of the key sent before the drop cannot land after it.
    await new Promise((resolve, reject) => this.push({ kind: 'drop', service, resolve, reject }));
  }

  async health(): Promise<StorageHealth> {
    if (this.lastFailure && Date.now() - this.lastProbe >= PROBE_EVERY_MS) {
      this.lastProbe = Date.now();
      // A real write: the only reliable answer to "can we write now?".
      await new Promise((resolve, reject) => this.push({ kind: 'probe', resolve, reject })).catch(() => {});
    }
    return this.lastFailure ? { writable: false, reason: this.lastFailure } : { writable: true };
  }

  private push(job: Job): void {
    if (this.closed) return job.reject(new Error('the store is closed'));
    this.queue.push(job);
    this.committing ??= this.drain();
  }

  /**
   * Group commit: whatever queued while a transaction ran goes into the next one, so batches
   * grow with the load and each pays one round of commit latency.
   */
  private async drain(): Promise<void> {
    // Let every write of this event-loop turn join the first transaction.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const jobs = this.queue;
      this.queue = [];
      const replays = new Map<Job, IdempotentResult>();
      try {
        const revisions = await this.commit(jobs, replays);
        this.lastFailure = undefined;
        for (const [service, rev] of revisions) this.announced.set(service, rev);
        this.announce(jobs.filter((j) => !replays.has(j)), revisions);
        for (const job of jobs) job.resolve(replays.get(job));
      } catch (error) {
        const message = String((error as Error)?.message);
        this.lastFailure = /space|full/i.test(message) ? 'the database disk is full' : /read-only|permission/i.test(message) ? 'the database is not writable' : 'writes to PostgreSQL are failing';
        for (const job of jobs) job.reject(error as Error);
      }
    }
    this.committing = undefined;
  }

  private async commit(jobs: Job[], replays: Map<Job, IdempotentResult>): Promise<Map<string, number>> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const now = Date.now();
      if (now - this.lastExpiry > 60_000) {
        this.lastExpiry = now;
        await client.query('DELETE FROM idempotency WHERE at < $1', [now - KEEP_KEYS_MS]);
      }
      // In this transaction: a key and its rows are committed together or not at all.
      for (const job of jobs) {
        if (job.kind !== 'write' || !job.idempotency) continue;
        const { key, fingerprint } = job.idempotency;
        const inserted = await client.query('INSERT INTO idempotency (key, fingerprint, rows, at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING', [key, fingerprint, job.rows.length, now]);
        if (inserted.rowCount === 0) {
          const { rows } = await client.query<{ fingerprint: string; rows: number }>('SELECT fingerprint, rows FROM idempotency WHERE key = $1', [key]);
          replays.set(job, { replayed: true, rows: rows[0]?.rows ?? 0, fingerprint: rows[0]?.fingerprint });
        }
      }
      const names = new Set<string>();
      for (const job of jobs) {
        if (job.kind === 'drop') names.add(job.service);
        else if (job.kind === 'write' && !replays.has(job)) for (const r of job.rows) names.add(r.service);
      }
      const ids = await this.ensureServices(client, [...names]);
      // Several nodes write the same rows: each transaction first locks its services' rows, in
      // one order, so writers of a service take turns instead of deadlocking on counts rows
      // upserted in different orders (PostgreSQL would abort one: a 503 for its whole batch).
      await client.query('SELECT id FROM services WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE', [[...ids.values()]]);
      // Adds in a row go as one statement per table (a sum is a sum in any order); a put or a drop
      // between them keeps its place, as a put replaces what the adds before it made.
      let adds: MinuteCount[] = [];
      const flushAdds = async () => {
        if (adds.length > 0) await this.writeRows(client, 'add', adds, ids);
        adds = [];
      };
      for (const job of jobs) {
        if (job.kind === 'write' && job.mode === 'add') {
          if (!replays.has(job)) for (const row of job.rows) adds.push(row);
          continue;
        }
        await flushAdds();
        if (job.kind === 'probe') await client.query('INSERT INTO probe (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at', [now]);
        else if (job.kind === 'drop') {
          // The services row stays (its revision moves), as in SQLite: a later run reuses it.
          // Slots first: deleting the counts then finds no slot sums for its trigger to lower.
          await client.query('DELETE FROM slots WHERE service = $1', [ids.get(job.service)]);
          await client.query('DELETE FROM counts WHERE service = $1', [ids.get(job.service)]);
          await client.query('DELETE FROM problems WHERE service = $1', [ids.get(job.service)]);
        } else if (!replays.has(job)) await this.writeRows(client, job.mode, job.rows, ids);
      }
      await flushAdds();
      const touched = [...names].map((n) => ids.get(n)!);
      const { rows } = await client.query<{ name: string; rev: string }>('UPDATE services SET rev = rev + 1 WHERE id = ANY($1::int[]) RETURNING name, rev', [touched]);
      await client.query('COMMIT');
      return new Map(rows.map((r) => [r.name, Number(r.rev)]));
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      // Ids cached inside a rolled-back transaction may not exist.
      this.serviceIds.clear();
      throw error;
    } finally {
      client.release();
    }
  }

  private async ensureServices(client: pg.PoolClient, names: string[]): Promise<Map<string, number>> {
    const missing = names.filter((n) => !this.serviceIds.has(n));
    if (missing.length > 0) {
      // No row lock here (DO NOTHING, then read): the services' rows are locked next, in id order.
      await client.query('INSERT INTO services (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING', [missing]);
      const { rows } = await client.query<{ id: number; name: string }>('SELECT id, name FROM services WHERE name = ANY($1::text[])', [missing]);
      for (const r of rows) this.serviceIds.set(r.name, r.id);
    }
    return new Map(names.map((n) => [n, this.serviceIds.get(n)!]));
  }

  /**
   * One multi-row statement per job and table; a key twice in a job is merged first (ON CONFLICT
   * may touch a row once): rows of one minute and country add up to its total in a put too.
   */
  private async writeRows(client: pg.PoolClient, mode: 'add' | 'put', rows: readonly MinuteCount[], ids: Map<string, number>): Promise<void> {
    const merged = new Map<string, [number, number, string, number]>();
    const parts = new Map<string, [number, number, string, Problem, number]>();
    for (const r of rows) {
      const key = `${r.service}\0${r.minute}\0${r.country}`;
      const held = merged.get(key);
      if (held) held[3] += r.count;
      else merged.set(key, [ids.get(r.service)!, r.minute, r.country, r.count]);
      if (!r.problem) continue;
      const part = parts.get(`${key}\0${r.problem}`);
      if (part) part[4] += r.count;
      else parts.set(`${key}\0${r.problem}`, [ids.get(r.service)!, r.minute, r.country, r.problem, r.count]);
    }
    const columns: [number[], number[], string[], number[]] = [[], [], [], []];
    for (const [service, minute, country, count] of merged.values()) {
      columns[0].push(service);
      columns[1].push(minute);
      columns[2].push(country);
      columns[3].push(count);
    }
    const update = mode === 'add' ? 'count = counts.count + excluded.count' : 'count = excluded.count';
    await client.query(
      `INSERT INTO counts (service, minute, country, count)
       SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::bigint[])
       ON CONFLICT (service, minute, country) DO UPDATE SET ${update}`,
      columns,
    );
    // A put replaces a minute's whole breakdown: the parts it carries, or none.
    if (mode === 'put') {
      await client.query(
        `DELETE FROM problems p USING unnest($1::int[], $2::int[], $3::text[]) AS k(service, minute, country)
         WHERE p.service = k.service AND p.minute = k.minute AND p.country = k.country`,
        columns.slice(0, 3),
      );
    }
    const named = [...parts.values()].filter((p) => p[4] > 0);
    if (named.length === 0) return;
    await client.query(
      `INSERT INTO problems (service, minute, country, problem, count)
       SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::bigint[])
       ON CONFLICT (service, minute, country, problem) DO UPDATE SET count = problems.count + excluded.count`,
      [named.map((p) => p[0]), named.map((p) => p[1]), named.map((p) => p[2]), named.map((p) => p[3]), named.map((p) => p[4])],
    );
  }

  private announce(jobs: Job[], revisions: Map<string, number>): void {
    // A drop is announced as nothing written: the revision moved, so caches of the key read again.
    this.commitListeners.announce(revisions, jobs.flatMap((j) => (j.kind === 'write' ? [{ mode: j.mode, rows: j.rows }] : [])));
  }

  onCommit(listener: (commit: Commit) => void): () => void {
    return this.commitListeners.add(listener);
  }

  async rowsAt(service: string, from: number, to: number): Promise<RowsAt> {
    // One statement is one snapshot: the revision and the rows agree. A seek reads 11k rows (45
    // minutes of 250 countries): as one space-separated string each they cost a third of what
    // 11k result rows do to send and parse (bench/store.ts, seek-postgres). Country codes and
    // problem names hold no spaces.
    const { rows } = await this.pool.query<{ rev: string; counts: string | null; problems: string | null }>(
      `SELECT s.rev,
         (SELECT string_agg(minute || ' ' || country || ' ' || count, ' ') FROM counts
            WHERE service = s.id AND minute BETWEEN $2 AND $3) AS counts,
         (SELECT string_agg(minute || ' ' || country || ' ' || problem || ' ' || count, ' ') FROM problems
            WHERE service = s.id AND minute BETWEEN $2 AND $3) AS problems
       FROM services s WHERE s.name = $1`,
      [service, from, to],
    );
    const found = rows[0];
    if (!found) return { rows: [], problems: [], rev: 0 };
    const counts: MinuteRow[] = [];
    const words = found.counts?.split(' ') ?? [];
    const parts = found.problems?.split(' ') ?? [];
    if (words.length % 3 !== 0 || parts.length % 4 !== 0) throw new Error(`the rows of ${service} from minute ${from} to ${to} did not read back whole`);
    for (let i = 0; i < words.length; i += 3) counts.push({ minute: Number(words[i]), country: words[i + 1]!, count: Number(words[i + 2]) });
    const problems: ProblemRow[] = [];
    for (let i = 0; i < parts.length; i += 4) {
      problems.push({ minute: Number(parts[i]), country: parts[i + 1]!, problem: parts[i + 2] as Problem, count: Number(parts[i + 3]) });
    }
    return { rev: Number(found.rev), rows: counts, problems };
  }

  async revisions(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ name: string; rev: string }>('SELECT name, rev FROM services');
    const revisions = new Map(rows.map((r) => [r.name, Number(r.rev)]));
    // Our own commit whose announcement has not been made yet is not another node's change.
    for (const job of this.queue) {
      if (job.kind !== 'write') continue;
      for (const row of job.rows) {
        const announced = this.announced.get(row.service);
        if (announced !== undefined && (revisions.get(row.service) ?? 0) > announced) revisions.set(row.service, announced);
      }
    }
    return revisions;
  }

  async rows(service: string, from: number, to: number): Promise<MinuteRow[]> {
    const { rows } = await this.pool.query<{ minute: number; country: string; count: string }>(
      'SELECT c.minute, c.country, c.count FROM counts c JOIN services s ON s.id = c.service WHERE s.name = $1 AND c.minute BETWEEN $2 AND $3',
      [service, from, to],
    );
    return rows.map((r) => ({ minute: r.minute, country: r.country, count: Number(r.count) }));
  }

  async problems(service: string, from: number, to: number): Promise<ProblemRow[]> {
    const { rows } = await this.pool.query<{ minute: number; country: string; problem: Problem; count: string }>(
      'SELECT p.minute, p.country, p.problem, p.count FROM problems p JOIN services s ON s.id = p.service WHERE s.name = $1 AND p.minute BETWEEN $2 AND $3',
      [service, from, to],
    );
    return rows.map((r) => ({ minute: r.minute, country: r.country, problem: r.problem, count: Number(r.count) }));
  }

  async slots(service: string, slots: readonly number[]): Promise<SlotRow[]> {
    if (slots.length === 0) return [];
    const { rows } = await this.pool.query<{ slot: number; country: string; count: string }>(
      'SELECT l.slot, l.country, l.count FROM slots l JOIN services s ON s.id = l.service WHERE s.name = $1 AND l.slot = ANY($2::int[]) AND l.count <> 0',
      [service, slots],
    );
    return rows.map((r) => ({ slot: r.slot, country: r.country, count: Number(r.count) }));
  }

  async slotRange(service: string, from: number, to: number): Promise<SlotRow[]> {
    const { rows } = await this.pool.query<{ slot: number; country: string; count: string }>(
      'SELECT l.slot, l.country, l.count FROM slots l JOIN services s ON s.id = l.service WHERE s.name = $1 AND l.slot BETWEEN $2 AND $3 AND l.count <> 0',
      [service, from, to],
    );
    return rows.map((r) => ({ slot: r.slot, country: r.country, count: Number(r.count) }));
  }

  async range(service: string): Promise<{ from: number; to: number } | null> {
    // Two index probes at the ends of the service's part of the primary key (service, minute, ...):
    // min/max over a join on the name read every row of the service (1.5 s on a 30-day history).
    const { rows } = await this.pool.query<{ from: number | null; to: number | null }>(
      `WITH s AS (SELECT id FROM services WHERE name = $1)
       SELECT (SELECT minute FROM counts WHERE service = (SELECT id FROM s) ORDER BY minute LIMIT 1) AS "from",
              (SELECT minute FROM counts WHERE service = (SELECT id FROM s) ORDER BY minute DESC LIMIT 1) AS "to"`,
      [service],
    );
    const r = rows[0];
    return r && r.from !== null && r.to !== null ? { from: r.from, to: r.to } : null;
  }

  async services(): Promise<string[]> {
    const { rows } = await this.pool.query<{ name: string }>('SELECT name FROM services s WHERE EXISTS (SELECT 1 FROM counts c WHERE c.service = s.id) ORDER BY id');
    return rows.map((r) => r.name);
  }

  async *iterate(service: string, from: number, to: number, stepMinutes: number): AsyncIterable<MinuteRow[]> {
    const step = Math.max(1, Math.floor(stepMinutes));
    // Whole buckets per chunk, about a day of minutes each, so a bucket never straddles two chunks.
    const chunk = Math.max(1, Math.round(1440 / step)) * step;
    for (let start = Math.floor(from / step) * step; start <= to; start += chunk) {
      const span = [service, Math.max(from, start), Math.min(to, start + chunk - 1), step];
      const [{ rows }, { rows: parts }] = await Promise.all([
        this.pool.query<{ minute: number; country: string; count: string }>(
          `SELECT c.minute - c.minute % $4 AS minute, c.country, sum(c.count) AS count
           FROM counts c JOIN services s ON s.id = c.service
           WHERE s.name = $1 AND c.minute BETWEEN $2 AND $3 GROUP BY 1, 2 ORDER BY 1, 2`,
          span,
        ),
        this.pool.query<{ minute: number; country: string; problem: Problem; count: string }>(
          `SELECT p.minute - p.minute % $4 AS minute, p.country, p.problem, sum(p.count) AS count
           FROM problems p JOIN services s ON s.id = p.service
           WHERE s.name = $1 AND p.minute BETWEEN $2 AND $3 GROUP BY 1, 2, 3 ORDER BY 1, 2`,
          span,
        ),
      ]);
      const totals = rows.map((r) => ({ minute: r.minute, country: r.country, count: Number(r.count) }));
      const split = splitByProblem(totals, parts.map((r) => ({ minute: r.minute, country: r.country, problem: r.problem, count: Number(r.count) })));
      if (split.length > 0) yield split;
    }
  }

  async markDataset(d: Dataset): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO datasets (key, service, first_minute, last_minute, rows, note, sources, loaded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (key) DO NOTHING`,
      [d.key, d.service, d.from, d.to, d.rows, d.note ?? null, d.sources ? JSON.stringify(d.sources) : null, Date.now()],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async datasets(service?: string): Promise<Dataset[]> {
    const { rows } = await this.pool.query<{ key: string; service: string; from: number; to: number; rows: number; note: string | null; sources: string[] | null }>(
      `SELECT key, service, first_minute AS "from", last_minute AS "to", rows, note, sources FROM datasets
       WHERE $1::text IS NULL OR service = $1 ORDER BY first_minute, loaded_at`,
      [service ?? null],
    );
    return rows.map((r) => ({ key: r.key, service: r.service, from: r.from, to: r.to, rows: r.rows, note: r.note ?? undefined, sources: r.sources ?? undefined }));
  }

  async channels(): Promise<ChannelState[]> {
    const { rows } = await this.pool.query<{ state: ChannelState }>('SELECT state FROM channels ORDER BY name');
    return rows.map((r) => r.state);
  }

  async saveChannel(state: ChannelState): Promise<void> {
    await this.pool.query(
      'INSERT INTO channels (name, state, updated_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
      [state.name, JSON.stringify(state), Date.now()],
    );
  }

  async deleteChannel(name: string): Promise<boolean> {
    const result = await this.pool.query('DELETE FROM channels WHERE name = $1', [name]);
    return (result.rowCount ?? 0) > 0;
  }

  async afterBulkLoad(): Promise<void> {
    // Autovacuum would get there minutes later; until it does, a freshly loaded table is read
    // with no statistics and every row's visibility checked (a seek stalled 963 ms once).
    await this.pool.query('VACUUM (ANALYZE) counts, problems, slots');
  }

  /** Waits for every queued write to be committed, then closes the pool. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.committing) await this.committing;
    await this.pool.end();
  }
}
