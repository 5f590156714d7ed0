/**
 * The HistoryStore contract: what every store must do, run against each real engine (SQLite
 * files, and a real PostgreSQL server started by tests/setup/postgres.ts). Callers such as the
 * playhead engine rely on every line of it.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { openPostgresStore } from '../../server/store/postgres.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import { SLOT_MINUTES, type Commit, type HistoryStore } from '../../server/store/store.ts';
import { tempDataDir } from '../helpers/server.ts';

interface Engine {
  name: string;
  open(): Promise<{ store: HistoryStore; close(): Promise<void> }>;
}

const ENGINES: Engine[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = tempDataDir();
      const store = openSqliteStore(dir);
      return {
        store,
        async close() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const postgres = inject('postgres');
      if ('error' in postgres) throw new Error(postgres.error);
      // Each store in its own schema of the one test server, dropped after.
      const schema = `t_${randomBytes(6).toString('hex')}`;
      const store = await openPostgresStore(postgres.url, { schema });
      return {
        store,
        async close() {
          await store.close();
          const admin = new pg.Client({ connectionString: postgres.url });
          await admin.connect();
          await admin.query(`DROP SCHEMA ${schema} CASCADE`);
          await admin.end();
        },
      };
    },
  },
];

// A fixed, slot-aligned hour well in the past, so no test depends on the wall clock.
const T0 = Math.floor(Date.UTC(2024, 0, 10, 12) / 60_000);

for (const engine of ENGINES) {
  describe(`history store contract: ${engine.name}`, () => {
    let opened: Awaited<ReturnType<Engine['open']>> | undefined;
    afterEach(async () => {
      await opened?.close();
      opened = undefined;
    });
    const open = async () => (opened = await engine.open()).store;

    it('adds counts to what is stored, and put replaces them', async () => {
      const store = await open();
      await store.add([{ service: 'a', country: 'US', minute: T0, count: 2 }]);
      await store.add([{ service: 'a', country: 'US', minute: T0, count: 3 }, { service: 'a', country: 'JP', minute: T0 + 1, count: 1 }]);
      expect(await store.rows('a', T0, T0 + 1)).toEqual(expect.arrayContaining([{ minute: T0, country: 'US', count: 5 }, { minute: T0 + 1, country: 'JP', count: 1 }]));
      await store.put([{ service: 'a', country: 'US', minute: T0, count: 7 }]);
      expect(await store.rows('a', T0, T0)).toEqual([{ minute: T0, country: 'US', count: 7 }]);
      expect(await store.rows('other', T0, T0)).toEqual([]);
    });

    it('keeps the 15-minute slot sums in step with every add and put', async () => {
      const store = await open();
      await store.add([
        { service: 'a', country: 'GB', minute: T0, count: 4 },
        { service: 'a', country: 'GB', minute: T0 + SLOT_MINUTES - 1, count: 6 },
        { service: 'a', country: 'GB', minute: T0 + SLOT_MINUTES, count: 1 },
      ]);
      await store.put([{ service: 'a', country: 'GB', minute: T0, count: 1 }]);
      const slot = T0 / SLOT_MINUTES;
      expect(await store.slotRange('a', slot, slot + 1)).toEqual(expect.arrayContaining([{ slot, country: 'GB', count: 7 }, { slot: slot + 1, country: 'GB', count: 1 }]));
      expect(await store.slots('a', [slot + 1])).toEqual([{ slot: slot + 1, country: 'GB', count: 1 }]);
    });

    it('knows each service\'s first and last minute, and which services have counts', async () => {
      const store = await open();
      expect(await store.range('a')).toBeNull();
      await store.add([{ service: 'a', country: 'FR', minute: T0 + 5, count: 1 }, { service: 'a', country: 'FR', minute: T0 - 5, count: 1 }, { service: 'b', country: 'FR', minute: T0, count: 1 }]);
      expect(await store.range('a')).toEqual({ from: T0 - 5, to: T0 + 5 });
      expect((await store.services()).sort()).toEqual(['a', 'b']);
    });

    it('iterates buckets in order, summed per country', async () => {
      const store = await open();
      await store.add([
        { service: 'a', country: 'US', minute: T0, count: 1 },
        { service: 'a', country: 'US', minute: T0 + 1, count: 2 },
        { service: 'a', country: 'CA', minute: T0 + 2, count: 3 },
        { service: 'a', country: 'US', minute: T0 + 5, count: 4 },
      ]);
      const chunks: Array<{ minute: number; country: string; count: number }> = [];
      for await (const chunk of store.iterate('a', T0, T0 + 9, 5)) chunks.push(...chunk);
      expect(chunks).toEqual([
        { minute: T0, country: 'CA', count: 3 },
        { minute: T0, country: 'US', count: 3 },
        { minute: T0 + 5, country: 'US', count: 4 },
      ]);
    });

    it('announces each commit, with its rows and the revision after it, before the writer is answered', async () => {
      const store = await open();
      const heard: Commit[] = [];
      const stop = store.onCommit((c) => heard.push(c));
      const write = store.add([{ service: 'a', country: 'US', minute: T0, count: 1 }, { service: 'b', country: 'JP', minute: T0, count: 2 }]);
      expect(heard).toEqual([]);
      await write;
      expect(heard.map((c) => c.service).sort()).toEqual(['a', 'b']);
      const a = heard.find((c) => c.service === 'a')!;
      expect(a.writes).toEqual([{ mode: 'add', rows: [{ service: 'a', country: 'US', minute: T0, count: 1 }] }]);
      await store.put([{ service: 'a', country: 'US', minute: T0, count: 9 }]);
      const put = heard.at(-1)!;
      expect(put.rev).toBe(a.rev + 1);
      expect(put.writes[0]!.mode).toBe('put');
      stop();
      await store.add([{ service: 'a', country: 'US', minute: T0, count: 1 }]);
      expect(heard).toHaveLength(3);
    });

    it('reads rows together with the revision they reflect, and lists every revision', async () => {
      const store = await open();
      expect(await store.rowsAt('a', T0, T0)).toEqual({ rows: [], problems: [], rev: 0 });
      await store.add([{ service: 'a', country: 'US', minute: T0, count: 1 }]);
      const first = await store.rowsAt('a', T0, T0);
      await store.add([{ service: 'a', country: 'US', minute: T0, count: 1 }]);
      const second = await store.rowsAt('a', T0, T0);
      expect(second.rev).toBe(first.rev + 1);
      expect(second.rows).toEqual([{ minute: T0, country: 'US', count: 2 }]);
      expect((await store.revisions()).get('a')).toBe(second.rev);
      // A known service with nothing in the span still says its revision.
      expect(await store.rowsAt('a', T0 + 5, T0 + 9)).toEqual({ rows: [], problems: [], rev: second.rev });
      // Many minutes and countries, each row whole, with a hyphenated problem name.
      const many = [T0 + 1, T0 + 2, T0 + 3].flatMap((minute) => ['GB', 'JP', 'BR'].map((country, i) => ({ service: 'a', country, minute, count: 1000 + minute - T0 + i })));
      await store.add([...many, { service: 'a', country: 'JP', minute: T0 + 2, count: 5, problem: 'server-connection' }]);
      const wide = await store.rowsAt('a', T0 + 1, T0 + 3);
      const byKey = (r: { minute: number; country: string }) => `${r.minute} ${r.country}`;
      expect([...wide.rows].sort((x, y) => byKey(x).localeCompare(byKey(y)))).toEqual(
        many.map(({ minute, country, count }) => ({ minute, country, count: count + (minute === T0 + 2 && country === 'JP' ? 5 : 0) })).sort((x, y) => byKey(x).localeCompare(byKey(y))),
      );
      expect(wide.problems).toEqual([{ minute: T0 + 2, country: 'JP', problem: 'server-connection', count: 5 }]);
    });

    it('drops a key whole (a simulation run), and moves its revision so caches notice', async () => {
      const store = await open();
      await store.add([{ service: 'a~sim', country: 'US', minute: T0, count: 5 }, { service: 'a', country: 'US', minute: T0, count: 1 }]);
      const before = (await store.revisions()).get('a~sim') ?? 0;
      await store.dropService('a~sim');
      expect(await store.rows('a~sim', T0, T0)).toEqual([]);
      expect(await store.range('a~sim')).toBeNull();
      expect(await store.rows('a', T0, T0)).toEqual([{ minute: T0, country: 'US', count: 1 }]);
      expect((await store.revisions()).get('a~sim') ?? Infinity).not.toBe(before);
      // A later run under the same key is stored and read as usual.
      await store.add([{ service: 'a~sim', country: 'JP', minute: T0, count: 2 }]);
      expect(await store.rows('a~sim', T0, T0)).toEqual([{ minute: T0, country: 'JP', count: 2 }]);
    });

    it('adds a request\'s rows once per idempotency key, however often it is retried', async () => {
      const store = await open();
      const rows = [{ service: 'a', country: 'US', minute: T0, count: 3 }];
      expect(await store.addOnce(rows, { key: 'k1', fingerprint: 'f1' })).toEqual({ replayed: false, rows: 1 });
      expect(await store.addOnce(rows, { key: 'k1', fingerprint: 'f1' })).toMatchObject({ replayed: true, rows: 1, fingerprint: 'f1' });
      // Retries racing each other in one group commit count once too.
      const [x, y] = await Promise.all([store.addOnce(rows, { key: 'k2', fingerprint: 'f2' }), store.addOnce(rows, { key: 'k2', fingerprint: 'f2' })]);
      expect([x.replayed, y.replayed].sort()).toEqual([false, true]);
      expect(await store.rows('a', T0, T0)).toEqual([{ minute: T0, country: 'US', count: 6 }]);
      expect(await store.health()).toEqual({ writable: true });
    });

    it('keeps each problem type beside the total, written in the same add', async () => {
      const store = await open();
      await store.add([
        { service: 'a', country: 'US', minute: T0, count: 3, problem: 'website' },
        { service: 'a', country: 'US', minute: T0, count: 1, problem: 'app' },
        { service: 'a', country: 'US', minute: T0, count: 2 },
      ]);
      await store.add([{ service: 'a', country: 'US', minute: T0, count: 4, problem: 'website' }, { service: 'a', country: 'JP', minute: T0 + 1, count: 1, problem: 'login' }]);
      // The total counts every report, with or without a problem.
      expect(await store.rows('a', T0, T0)).toEqual([{ minute: T0, country: 'US', count: 10 }]);
      const problems = await store.problems('a', T0, T0 + 1);
      expect(problems).toHaveLength(3);
      expect(problems).toEqual(expect.arrayContaining([
        { minute: T0, country: 'US', problem: 'website', count: 7 },
        { minute: T0, country: 'US', problem: 'app', count: 1 },
        { minute: T0 + 1, country: 'JP', problem: 'login', count: 1 },
      ]));
      expect(await store.problems('a', T0 + 2, T0 + 9)).toEqual([]);
      expect(await store.problems('other', T0, T0 + 1)).toEqual([]);
      // The same snapshot as the totals, for the minute cache.
      const at = await store.rowsAt('a', T0, T0);
      expect(at.rows).toEqual([{ minute: T0, country: 'US', count: 10 }]);
      expect(at.problems).toEqual(expect.arrayContaining([{ minute: T0, country: 'US', problem: 'website', count: 7 }, { minute: T0, country: 'US', problem: 'app', count: 1 }]));
      expect(at.problems).toHaveLength(2);
    });

    it('puts a minute\'s rows as its new total and its whole new breakdown', async () => {
      const store = await open();
      await store.add([{ service: 'a', country: 'US', minute: T0, count: 5, problem: 'app' }, { service: 'a', country: 'GB', minute: T0, count: 2, problem: 'app' }]);
      await store.put([
        { service: 'a', country: 'US', minute: T0, count: 6, problem: 'website' },
        { service: 'a', country: 'US', minute: T0, count: 1, problem: 'login' },
        { service: 'a', country: 'US', minute: T0, count: 2 },
        // A row without a problem replaces the breakdown with none.
        { service: 'a', country: 'GB', minute: T0, count: 3 },
      ]);
      expect(await store.rows('a', T0, T0)).toEqual(expect.arrayContaining([{ minute: T0, country: 'US', count: 9 }, { minute: T0, country: 'GB', count: 3 }]));
      const problems = await store.problems('a', T0, T0);
      expect(problems).toHaveLength(2);
      expect(problems).toEqual(expect.arrayContaining([{ minute: T0, country: 'US', problem: 'website', count: 6 }, { minute: T0, country: 'US', problem: 'login', count: 1 }]));
      // The slot sums follow the totals.
      expect(await store.slots('a', [T0 / SLOT_MINUTES])).toEqual(expect.arrayContaining([{ slot: T0 / SLOT_MINUTES, country: 'US', count: 9 }]));
    });

    it('iterates a breakdown as rows that add up to the total, and putting them back stores the same', async () => {
      const store = await open();
      await store.add([
        { service: 'a', country: 'US', minute: T0, count: 4 },
        { service: 'a', country: 'US', minute: T0, count: 3, problem: 'website' },
        { service: 'a', country: 'US', minute: T0 + 1, count: 2, problem: 'website' },
        { service: 'a', country: 'US', minute: T0 + 1, count: 1, problem: 'server-connection' },
        { service: 'a', country: 'CA', minute: T0 + 1, count: 5 },
      ]);
      const read = async (service: string) => {
        const rows = [];
        for await (const chunk of store.iterate(service, T0, T0 + 9, 5)) rows.push(...chunk);
        return rows;
      };
      const exported = await read('a');
      expect(exported).toEqual([
        { minute: T0, country: 'CA', count: 5 },
        { minute: T0, country: 'US', count: 4 },
        { minute: T0, country: 'US', count: 5, problem: 'website' },
        { minute: T0, country: 'US', count: 1, problem: 'server-connection' },
      ]);
      await store.put(exported.map((r) => ({ ...r, service: 'b' })));
      expect(await read('b')).toEqual(exported);
      expect(await store.rows('b', T0, T0)).toEqual(expect.arrayContaining([{ minute: T0, country: 'US', count: 10 }]));
    });

    it('drops a key\'s breakdown with its counts', async () => {
      const store = await open();
      await store.add([{ service: 'a~sim', country: 'US', minute: T0, count: 5, problem: 'app' }]);
      await store.dropService('a~sim');
      expect(await store.problems('a~sim', T0, T0)).toEqual([]);
      await store.add([{ service: 'a~sim', country: 'US', minute: T0, count: 1 }]);
      expect(await store.problems('a~sim', T0, T0)).toEqual([]);
    });

    it('records a dataset once per key', async () => {
      const store = await open();
      const dataset = { key: 'bundled:x', service: 'a', from: T0, to: T0 + 10, rows: 3, note: 'reconstructed', sources: ['Reuters'] };
      expect(await store.markDataset(dataset)).toBe(true);
      expect(await store.markDataset(dataset)).toBe(false);
      expect(await store.datasets('a')).toEqual([dataset]);
      expect(await store.datasets('b')).toEqual([]);
    });
  });
}
