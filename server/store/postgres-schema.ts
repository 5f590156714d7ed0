/** The PostgreSQL store's schema: its migrations, kept in the database, and how they run. */
import type pg from 'pg';
import { SLOT_MINUTES } from './store.ts';

/** Schema migrations, in order; `schema_migrations` in the database records which have run. */
export const MIGRATIONS: string[] = [
  `CREATE TABLE services (id SERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, rev BIGINT NOT NULL DEFAULT 0);
   CREATE TABLE counts (
     service INTEGER NOT NULL, minute INTEGER NOT NULL, country TEXT NOT NULL, count BIGINT NOT NULL,
     PRIMARY KEY (service, minute, country));
   CREATE TABLE slots (
     service INTEGER NOT NULL, slot INTEGER NOT NULL, country TEXT NOT NULL, count BIGINT NOT NULL,
     PRIMARY KEY (service, slot, country));
   -- Slot sums follow the minutes whatever writes them (ingest adds, import replaces, a drop deletes).
   CREATE FUNCTION counts_to_slots() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'DELETE' THEN
       UPDATE slots SET count = count - OLD.count
         WHERE service = OLD.service AND slot = OLD.minute / ${SLOT_MINUTES} AND country = OLD.country;
       RETURN OLD;
     END IF;
     INSERT INTO slots (service, slot, country, count)
       VALUES (NEW.service, NEW.minute / ${SLOT_MINUTES}, NEW.country,
               NEW.count - CASE WHEN TG_OP = 'UPDATE' THEN OLD.count ELSE 0 END)
       ON CONFLICT (service, slot, country) DO UPDATE SET count = slots.count + excluded.count;
     RETURN NEW;
   END $$;
   CREATE TRIGGER counts_slots AFTER INSERT OR UPDATE OR DELETE ON counts FOR EACH ROW EXECUTE FUNCTION counts_to_slots();
   CREATE TABLE datasets (
     key TEXT PRIMARY KEY, service TEXT NOT NULL, first_minute INTEGER NOT NULL, last_minute INTEGER NOT NULL,
     rows INTEGER NOT NULL, note TEXT, sources JSONB, loaded_at BIGINT NOT NULL);
   CREATE TABLE channels (name TEXT PRIMARY KEY, state JSONB NOT NULL, updated_at BIGINT NOT NULL);`,
  // Idempotency keys of ingest requests, written in the same transaction as their rows; the probe
  // row is rewritten while writes fail, to learn when they work again (as in SQLite).
  `CREATE TABLE idempotency (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, rows INTEGER NOT NULL, at BIGINT NOT NULL);
   CREATE INDEX idempotency_at ON idempotency (at);
   CREATE TABLE probe (id INTEGER PRIMARY KEY, at BIGINT NOT NULL);`,
  // What reports said was broken: per (service, minute, country, problem), each a part of the
  // count in `counts` (which stays the total), written in the same transaction (as in SQLite).
  `CREATE TABLE problems (
     service INTEGER NOT NULL, minute INTEGER NOT NULL, country TEXT NOT NULL, problem TEXT NOT NULL, count BIGINT NOT NULL,
     PRIMARY KEY (service, minute, country, problem));`,
  // Slot sums once per statement, from its transition tables, instead of a PL/pgSQL call and an
  // upsert per row: the row trigger halved ingest (104k rows/s with it, 204k without, 8 writers).
  `DROP TRIGGER counts_slots ON counts;
   DROP FUNCTION counts_to_slots();
   CREATE FUNCTION counts_inserted_to_slots() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO slots (service, slot, country, count)
       SELECT service, minute / ${SLOT_MINUTES}, country, sum(count) FROM inserted GROUP BY 1, 2, 3
       ON CONFLICT (service, slot, country) DO UPDATE SET count = slots.count + excluded.count;
     RETURN NULL;
   END $$;
   -- Old and new rows are matched on their key: the program never changes a row's key (nor should
   -- hand-written SQL; delete and insert instead).
   CREATE FUNCTION counts_updated_to_slots() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO slots (service, slot, country, count)
       SELECT n.service, n.minute / ${SLOT_MINUTES}, n.country, sum(n.count - o.count)
         FROM updated_new n JOIN updated_old o USING (service, minute, country) GROUP BY 1, 2, 3
       ON CONFLICT (service, slot, country) DO UPDATE SET count = slots.count + excluded.count;
     RETURN NULL;
   END $$;
   CREATE FUNCTION counts_deleted_to_slots() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE slots s SET count = s.count - d.count
       FROM (SELECT service, minute / ${SLOT_MINUTES} AS slot, country, sum(count) AS count FROM deleted GROUP BY 1, 2, 3) d
       WHERE s.service = d.service AND s.slot = d.slot AND s.country = d.country;
     RETURN NULL;
   END $$;
   -- An INSERT ... ON CONFLICT DO UPDATE fires both: inserted rows in one, updated rows in the other.
   CREATE TRIGGER counts_slots_insert AFTER INSERT ON counts REFERENCING NEW TABLE AS inserted
     FOR EACH STATEMENT EXECUTE FUNCTION counts_inserted_to_slots();
   CREATE TRIGGER counts_slots_update AFTER UPDATE ON counts REFERENCING OLD TABLE AS updated_old NEW TABLE AS updated_new
     FOR EACH STATEMENT EXECUTE FUNCTION counts_updated_to_slots();
   CREATE TRIGGER counts_slots_delete AFTER DELETE ON counts REFERENCING OLD TABLE AS deleted
     FOR EACH STATEMENT EXECUTE FUNCTION counts_deleted_to_slots();`,
];

// Migrations run under this advisory lock, so nodes starting together migrate once.
const MIGRATION_LOCK = 0x6f6d6170; // "omap"

/**
 * Creates `schema` when needed and runs the migrations it lacks, each in its own transaction,
 * under an advisory lock; `schema_migrations` records which have run.
 */
export async function migrate(client: pg.PoolClient, schema: string): Promise<void> {
  // The lock first: two nodes creating one new schema at once would collide in the catalogue.
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const version = rows[0]?.v ?? 0;
    if (version > MIGRATIONS.length) throw new Error(`the database has schema version ${version}, newer than this program's ${MIGRATIONS.length}: upgrade outage-map`);
    for (let v = version; v < MIGRATIONS.length; v++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[v]!);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
  }
}
