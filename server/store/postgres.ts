/**
 * The history on PostgreSQL (`DATABASE_URL=postgres://...`), for several nodes sharing one
 * history. The same contract as SQLite (tests/server/store-contract.test.ts runs both): writes go
 * through postgres-writer.ts (group commit, revisions, announcements), slot sums are kept in step
 * by triggers whoever writes (postgres-schema.ts), and the reads are here.
 */
import pg from 'pg';
import { migrate } from './postgres-schema.ts';
import { PostgresWriter } from './postgres-writer.ts';
import type { MinuteRow } from '../../shared/frame.ts';
import type { ChannelState, Problem } from '../../shared/protocol.ts';
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
  private readonly commitListeners = new CommitListeners();
  private readonly writer: PostgresWriter;

  constructor(private readonly pool: pg.Pool) {
    this.writer = new PostgresWriter(pool, this.commitListeners);
  }

  async add(rows: readonly MinuteCount[]): Promise<void> {
    if (rows.length > 0) await this.writer.write('add', rows);
  }

  async put(rows: readonly MinuteCount[]): Promise<void> {
    if (rows.length > 0) await this.writer.write('put', rows);
  }

  async addOnce(rows: readonly MinuteCount[], idempotency: IdempotencyKey): Promise<IdempotentResult> {
    return (await this.writer.write('add', rows, idempotency)) ?? { replayed: false, rows: rows.length };
  }

  async dropService(service: string): Promise<void> {
    await this.writer.drop(service);
  }

  health(): Promise<StorageHealth> {
    return this.writer.health();
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
    return this.writer.unannounced(new Map(rows.map((r) => [r.name, Number(r.rev)])));
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
    await this.writer.close();
    await this.pool.end();
  }
}
