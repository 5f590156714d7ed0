/** The SQLite store's schema: its migrations, counted in `PRAGMA user_version`, and how they run. */
import type Database from 'better-sqlite3';
import { SLOT_MINUTES } from './store.ts';

/**
 * Schema migrations, in order; `PRAGMA user_version` records how many have run.
 * Counts are keyed (service, minute, country) in a WITHOUT ROWID table, so a time range of one
 * service is one contiguous index scan and a row costs only its key and count on disk.
 */
export const MIGRATIONS: string[] = [
  `CREATE TABLE services (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
   CREATE TABLE counts (
     service INTEGER NOT NULL, minute INTEGER NOT NULL, country TEXT NOT NULL, count INTEGER NOT NULL,
     PRIMARY KEY (service, minute, country)) WITHOUT ROWID;
   CREATE TABLE slots (
     service INTEGER NOT NULL, slot INTEGER NOT NULL, country TEXT NOT NULL, count INTEGER NOT NULL,
     PRIMARY KEY (service, slot, country)) WITHOUT ROWID;
   -- Slot sums follow the minutes whatever writes them (ingest adds, import replaces).
   CREATE TRIGGER counts_insert AFTER INSERT ON counts BEGIN
     INSERT INTO slots (service, slot, country, count) VALUES (NEW.service, NEW.minute / ${SLOT_MINUTES}, NEW.country, NEW.count)
       ON CONFLICT (service, slot, country) DO UPDATE SET count = count + excluded.count;
   END;
   CREATE TRIGGER counts_update AFTER UPDATE OF count ON counts BEGIN
     UPDATE slots SET count = count + NEW.count - OLD.count
       WHERE service = NEW.service AND slot = NEW.minute / ${SLOT_MINUTES} AND country = NEW.country;
   END;
   CREATE TABLE datasets (
     key TEXT PRIMARY KEY, service TEXT NOT NULL, first_minute INTEGER NOT NULL, last_minute INTEGER NOT NULL,
     rows INTEGER NOT NULL, note TEXT, sources TEXT, loaded_at INTEGER NOT NULL);`,
  `CREATE TABLE channels (name TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at INTEGER NOT NULL);`,
  // Moved by every transaction that touches the service (the writer thread, an import): see rowsAt.
  `ALTER TABLE services ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;`,
  // Idempotency keys of ingest requests, written in the same transaction as their rows, so a
  // retried request whose answer was lost is not counted twice. The probe row is rewritten by
  // /readyz while storage is failing, to learn when writes work again.
  `CREATE TABLE idempotency (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, rows INTEGER NOT NULL, at INTEGER NOT NULL);
   CREATE INDEX idempotency_at ON idempotency (at);
   CREATE TABLE probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL);`,
  // What reports said was broken: per (service, minute, country, problem), each a part of the
  // count in `counts` (which stays the total), written in the same transaction.
  `CREATE TABLE problems (
     service INTEGER NOT NULL, minute INTEGER NOT NULL, country TEXT NOT NULL, problem TEXT NOT NULL, count INTEGER NOT NULL,
     PRIMARY KEY (service, minute, country, problem)) WITHOUT ROWID;`,
];

/** Runs the migrations `db` lacks, each in its own transaction; refuses a file from a newer program. */
export function migrate(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`${file} has schema version ${version}, newer than this program's ${MIGRATIONS.length}: upgrade outage-map`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
