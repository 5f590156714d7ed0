/**
 * The PostgreSQL store's writes: one queue and group commit (whatever queued while a transaction
 * ran goes into the next, so batches grow with the load and each pays one commit), idempotency
 * keys and per-service revisions moved in the writing transaction, and each commit announced
 * before its writers are answered.
 */
import type pg from 'pg';
import type { Problem } from '../../shared/protocol.ts';
import type { CommitListeners, IdempotencyKey, IdempotentResult, MinuteCount, StorageHealth } from './store.ts';

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

export class PostgresWriter {
  private readonly serviceIds = new Map<string, number>();
  private queue: Job[] = [];
  /** The jobs of the transaction under way. */
  private inFlight: Job[] = [];
  private committing: Promise<void> | undefined;
  /** Each service's revision after this process's last commit that touched it. */
  private readonly announced = new Map<string, number>();
  private closed = false;
  /** Why the last transaction failed, until one succeeds. */
  private lastFailure: string | undefined;
  private lastProbe = -Infinity;
  private lastExpiry = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly commitListeners: CommitListeners,
  ) {}

  /** Resolves once `rows` are committed; a replayed idempotency key resolves with the first answer. */
  write(mode: 'add' | 'put', rows: readonly MinuteCount[], idempotency?: IdempotencyKey): Promise<IdempotentResult | undefined> {
    return new Promise((resolve, reject) => this.push({ kind: 'write', mode, rows, idempotency, resolve, reject }));
  }

  /** Through the queue, so writes of the key sent before the drop cannot land after it. */
  async drop(service: string): Promise<void> {
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

  /**
   * `revisions` as read from the database, less this process's own commits whose announcement
   * has not been made yet: those are not another node's change.
   */
  unannounced(revisions: Map<string, number>): Map<string, number> {
    for (const job of [...this.inFlight, ...this.queue]) {
      if (job.kind !== 'write') continue;
      for (const row of job.rows) {
        const announced = this.announced.get(row.service);
        if (announced !== undefined && (revisions.get(row.service) ?? 0) > announced) revisions.set(row.service, announced);
      }
    }
    return revisions;
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
      const jobs = (this.inFlight = this.queue);
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
    this.inFlight = [];
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

  /** Refuses new writes and waits for the queued ones to be committed. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.committing) await this.committing;
  }
}
