/**
 * Schema versions: a history file written by an older outage-map opens and is migrated with its
 * rows kept; a history from a newer one is refused with a message saying what to do, on both
 * engines, rather than read wrongly.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, expect, inject, it } from 'vitest';
import { MIGRATIONS as POSTGRES_MIGRATIONS } from '../../server/store/postgres-schema.ts';
import { openPostgresStore } from '../../server/store/postgres.ts';
import { MIGRATIONS } from '../../server/store/sqlite-schema.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import { SLOT_MINUTES } from '../../server/store/store.ts';
import { tempDataDir } from '../helpers/server.ts';

const T0 = Math.floor(Date.UTC(2024, 0, 10, 12) / 60_000);
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dataDir(): string {
  const dir = tempDataDir();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

it('migrates a SQLite history written at schema version 1, keeping its counts and slot sums', async () => {
  const dir = dataDir();
  const old = new Database(path.join(dir, 'history.sqlite'));
  old.exec(MIGRATIONS[0]!);
  old.pragma('user_version = 1');
  old.prepare("INSERT INTO services (id, name) VALUES (1, 'twitter')").run();
  old.prepare("INSERT INTO counts (service, minute, country, count) VALUES (1, ?, 'US', 7)").run(T0);
  old.close();

  const store = openSqliteStore(dir);
  cleanups.push(() => store.close());
  expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
  expect(await store.rows('twitter', T0, T0)).toEqual([{ minute: T0, country: 'US', count: 7 }]);
  // Later versions work on the migrated file: revisions move, problem types are kept.
  await store.add([{ service: 'twitter', minute: T0, country: 'US', count: 2, problem: 'app' }]);
  const at = await store.rowsAt('twitter', T0, T0);
  expect(at.rows).toEqual([{ minute: T0, country: 'US', count: 9 }]);
  expect(at.problems).toEqual([{ minute: T0, country: 'US', problem: 'app', count: 2 }]);
  expect(at.rev).toBeGreaterThan(0);
});

it('refuses a SQLite history from a newer outage-map, naming the file', () => {
  const dir = dataDir();
  const file = path.join(dir, 'history.sqlite');
  const newer = new Database(file);
  newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  newer.close();
  expect(() => openSqliteStore(dir)).toThrow(`${file} has schema version ${MIGRATIONS.length + 1}, newer than this program's ${MIGRATIONS.length}: upgrade outage-map`);
});

it('refuses a PostgreSQL history from a newer outage-map', async () => {
  const postgres = inject('postgres');
  if ('error' in postgres) throw new Error(postgres.error);
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const store = await openPostgresStore(postgres.url, { schema });
  await store.close();
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  cleanups.push(async () => {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  });
  const { rows } = await admin.query<{ v: number }>(`SELECT max(version) AS v FROM ${schema}.schema_migrations`);
  await admin.query(`INSERT INTO ${schema}.schema_migrations (version) VALUES ($1)`, [rows[0]!.v + 1]);
  await expect(openPostgresStore(postgres.url, { schema })).rejects.toThrow(`the database has schema version ${rows[0]!.v + 1}, newer than this program's ${rows[0]!.v}: upgrade outage-map`);
});

it('migrates a PostgreSQL history written at schema version 3 (slot sums by a row trigger), keeping its sums in step', async () => {
  const postgres = inject('postgres');
  if ('error' in postgres) throw new Error(postgres.error);
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgres.url, options: `-c search_path=${schema}` });
  await admin.connect();
  cleanups.push(async () => {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  });
  // The database as version 3 left it, with rows its per-row trigger summed into slots.
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
  for (let v = 0; v < 3; v++) {
    await admin.query(POSTGRES_MIGRATIONS[v]!);
    await admin.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v + 1]);
  }
  await admin.query("INSERT INTO services (name) VALUES ('twitter')");
  await admin.query("INSERT INTO counts (service, minute, country, count) VALUES (1, $1, 'US', 5), (1, $2, 'US', 2), (1, $1, 'JP', 4)", [T0, T0 + 1]);

  const store = await openPostgresStore(postgres.url, { schema });
  cleanups.push(() => store.close());
  const { rows } = await admin.query<{ v: number }>('SELECT max(version) AS v FROM schema_migrations');
  expect(rows[0]!.v).toBe(POSTGRES_MIGRATIONS.length);
  const slot = Math.floor(T0 / SLOT_MINUTES);
  // Written at version 3 and after it, added, replaced and dropped: the sums follow every one.
  await store.add([{ service: 'twitter', minute: T0, country: 'US', count: 3 }, { service: 'twitter', minute: T0 + 2, country: 'GB', count: 6 }]);
  await store.put([{ service: 'twitter', minute: T0 + 1, country: 'US', count: 1 }]);
  const sums = (await store.slots('twitter', [slot])).sort((a, b) => a.country.localeCompare(b.country));
  expect(sums).toEqual([
    { slot, country: 'GB', count: 6 },
    { slot, country: 'JP', count: 4 },
    { slot, country: 'US', count: 9 },
  ]);
  await admin.query("DELETE FROM counts WHERE country = 'JP'");
  expect(await store.slots('twitter', [slot])).not.toContainEqual(expect.objectContaining({ country: 'JP' }));
});

it('lets several nodes create and migrate one new PostgreSQL schema at once', async () => {
  const postgres = inject('postgres');
  if ('error' in postgres) throw new Error(postgres.error);
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const opened = await Promise.allSettled([1, 2, 3, 4].map(() => openPostgresStore(postgres.url, { schema })));
  for (const o of opened) if (o.status === 'fulfilled') cleanups.push(() => o.value.close());
  cleanups.push(async () => {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });
  expect(opened.map((o) => (o.status === 'rejected' ? String(o.reason) : 'opened'))).toEqual(['opened', 'opened', 'opened', 'opened']);
});
