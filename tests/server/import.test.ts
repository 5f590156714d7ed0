import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, inject, it, onTestFinished } from 'vitest';
import { COUNTRY_CODES } from '../../shared/countries.ts';
import { openPostgresStore } from '../../server/store/postgres.ts';
import { postJson, startServer, tempDataDir, type RunningServer } from '../helpers/server.ts';

const TSX = path.resolve('node_modules/.bin/tsx');
const FORMATS = ['csv', 'ndjson', 'json'] as const;

const servers: RunningServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dir(): string {
  const d = tempDataDir();
  dirs.push(d);
  return d;
}

async function serve(dataDir?: string): Promise<RunningServer> {
  const server = await startServer({}, dataDir ? { dataDir } : {});
  servers.push(server);
  return server;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The importer as a user runs it: its own process, its own SQLite connection. */
function runImport(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['scripts/import.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Polls `probe` until `done` holds for its answer (a server notices another process's commit on its next read). */
async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() - started > ms) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function exportText(server: RunningServer, service: string, format: string): Promise<string> {
  const res = await fetch(`${server.url}/api/history?service=${service}&format=${format}`);
  expect(res.status).toBe(200);
  return res.text();
}

const T0 = Date.UTC(2025, 5, 1, 12, 0);
const minute = (n: number) => new Date(T0 + n * 60_000).toISOString();

/**
 * Live ingest at past times: two posts to one minute add up; the export carries their total.
 * Some rows name a problem: they are parts of their minute's total, exported as such.
 */
async function seed(server: RunningServer): Promise<void> {
  const rows = [
    { service: 'twitter', country: 'US', at: minute(0), count: 30, problem: 'website' },
    { service: 'twitter', country: 'US', at: minute(0), count: 5, problem: 'app' },
    { service: 'twitter', country: 'JP', at: minute(2), count: 4, problem: 'server-connection' },
    { service: 'twitter', country: 'US', at: minute(0), count: 812 },
    { service: 'twitter', country: 'US', at: minute(0), count: 8 },
    { service: 'twitter', country: 'JP', at: minute(0), count: 250 },
    { service: 'twitter', country: 'GB', at: minute(1), count: 0 },
    { service: 'twitter', country: 'US', at: minute(2), count: 1_000_000 },
    { service: 'twitter', country: 'JP', at: minute(60 * 24 * 3), count: 3 },
    { service: 'rogers', country: 'CA', at: minute(5), count: 40 },
    { service: 'rogers', country: 'US', at: minute(5), count: 2 },
  ];
  expect((await postJson(`${server.url}/api/ingest`, rows)).status).toBe(200);
}

describe('npm run import', () => {
  it('round-trips an export exactly, in CSV, NDJSON and JSON', async () => {
    const source = await serve();
    await seed(source);
    const files = dir();
    const exported = new Map<string, string>();
    for (const format of FORMATS) {
      for (const service of ['twitter', 'rogers']) {
        const text = await exportText(source, service, format);
        exported.set(`${service}.${format}`, text);
        writeFileSync(path.join(files, `${service}.${format}`), text);
      }
    }
    // US at minute 0 is three rows (the 820 that named nothing, website, app): they add up to its 855.
    expect(exported.get('twitter.csv')!.trim().split('\n')).toHaveLength(1 + 8);
    expect(exported.get('twitter.csv')).toContain(`time,service,country,count,problem\n${minute(0)},twitter,JP,250,\n${minute(0)},twitter,US,820,\n${minute(0)},twitter,US,30,website\n${minute(0)},twitter,US,5,app\n`);
    expect(exported.get('twitter.ndjson')).toContain(`{"time":"${minute(2)}","service":"twitter","country":"JP","count":4,"problem":"server-connection"}`);

    // One fresh folder per format, imported side by side.
    const targets = await Promise.all(FORMATS.map(async (format) => {
      const target = dir();
      for (const service of ['twitter', 'rogers']) {
        const run = await runImport([path.join(files, `${service}.${format}`)], { DATA_DIR: target });
        expect(run.stderr).toMatch(/import sets totals/);
        expect(run.code, run.stderr).toBe(0);
      }
      return [format, target] as const;
    }));
    for (const [format, target] of targets) {
      const server = await serve(target);
      for (const service of ['twitter', 'rogers']) {
        expect(await exportText(server, service, format), `${service}.${format}`).toBe(exported.get(`${service}.${format}`));
      }
    }
  });

  it('keeps problem types when an export goes back in through POST /api/ingest, in CSV, NDJSON and JSON', async () => {
    const source = await serve();
    await seed(source);
    for (const format of FORMATS) {
      const text = await exportText(source, 'twitter', format);
      const target = await serve();
      const type = format === 'csv' ? 'text/csv' : format === 'ndjson' ? 'application/x-ndjson' : 'application/json';
      // Exports write `time`; ingest reads `at` in JSON rows.
      const body = format === 'csv' ? text : format === 'ndjson' ? text.replaceAll('"time":', '"at":') : JSON.stringify((JSON.parse(text) as Array<Record<string, unknown>>).map(({ time, ...r }) => ({ ...r, at: time })));
      const res = await fetch(`${target.url}/api/ingest`, { method: 'POST', headers: { 'content-type': type }, body });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await exportText(target, 'twitter', format), format).toBe(text);
    }
  });

  it('refuses a row whose problem is not one of the types, naming the line and the field', async () => {
    const files = dir();
    const file = path.join(files, 'bad.csv');
    writeFileSync(file, ['time,service,country,count,problem', `${minute(0)},twitter,US,5,website`, `${minute(0)},twitter,US,5,wifi`, `${minute(0)},twitter,JP,1,`, ''].join('\n'));
    const refused = await runImport([file, '--data-dir', dir()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/line 3: problem: must be one of website, app, login, server-connection, other/);
    expect(refused.stderr).toMatch(/1 of 3 rows are invalid/);
  });

  it('sets totals: importing the same file again changes nothing, and rows repeated in a file add up', async () => {
    const files = dir();
    const file = path.join(files, 'counts.csv');
    writeFileSync(file, ['time,service,country,count', `${minute(0)},twitter,US,5`, `${minute(0)},twitter,JP,7`, `${minute(0)},twitter,US,2`, ''].join('\n'));
    const target = dir();
    for (let i = 0; i < 2; i++) {
      const run = await runImport([file, '--data-dir', target]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/imported 2 rows/);
    }
    const server = await serve(target);
    expect(await exportText(server, 'twitter', 'csv')).toBe(`time,service,country,count,problem\n${minute(0)},twitter,JP,7,\n${minute(0)},twitter,US,7,\n`);
  });

  it('writes to PostgreSQL when DATABASE_URL is set, where the nodes read, and to no SQLite file', async () => {
    const postgres = inject('postgres');
    if ('error' in postgres) throw new Error(postgres.error);
    // A database of its own in the test server, dropped after.
    const name = `import_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    onTestFinished(async () => {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    });
    const url = new URL(postgres.url);
    url.pathname = `/${name}`;

    const files = dir();
    const file = path.join(files, 'counts.csv');
    writeFileSync(file, ['time,service,country,count,problem', `${minute(0)},twitter,US,5,`, `${minute(0)},twitter,US,3,app`, `${minute(1)},twitter,JP,7,`, ''].join('\n'));
    const dataDir = dir();
    const run = await runImport([file, '--data-dir', dataDir], { DATABASE_URL: url.toString() });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`PostgreSQL at ${url.host}`);
    expect(existsSync(path.join(dataDir, 'history.sqlite'))).toBe(false);

    const store = await openPostgresStore(url.toString());
    try {
      const first = Date.parse(minute(0)) / 60_000;
      const rows = await store.rows('twitter', first, first + 1);
      expect(rows.map((r) => [r.minute - first, r.country, r.count])).toEqual([
        [0, 'US', 8],
        [1, 'JP', 7],
      ]);
    } finally {
      await store.close();
    }
    // The tables are vacuumed and analysed before the import says it is done: the first seeks do
    // not wait for autovacuum.
    expect(run.stderr).toContain("updating the database's statistics after 3 rows");
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const { rows } = await client.query<{ relname: string }>(
        "SELECT relname FROM pg_stat_user_tables WHERE relname IN ('counts', 'problems', 'slots') AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL ORDER BY relname",
      );
      expect(rows.map((r) => r.relname)).toEqual(['counts', 'problems', 'slots']);
    } finally {
      await client.end();
    }
  });

  it('commits nothing when a row is bad, naming each bad line and field; --skip-invalid imports the rest', async () => {
    const files = dir();
    const file = path.join(files, 'bad.csv');
    writeFileSync(file, [
      'time,country,count',
      `${minute(0)},US,5`,
      `${minute(0)},XX,5`,
      `${minute(1)},US`,
      '',
      `${minute(2)},FR,-1`,
      `${minute(3)},FR,4`,
    ].join('\n'));
    const target = dir();
    const refused = await runImport([file, '--service', 'twitter', '--data-dir', target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/3 of 5 rows are invalid/);
    expect(refused.stderr).toMatch(/line 3: country: "XX" is not an ISO 3166-1 alpha-2 country code/);
    expect(refused.stderr).toMatch(/line 4: expected 3 fields like the header, found 2/);
    expect(refused.stderr).toMatch(/line 6: count: must not be negative/);
    expect(refused.stderr).toMatch(/nothing was imported/);
    // The store was never opened, let alone written.
    expect(existsSync(path.join(target, 'history.sqlite'))).toBe(false);

    const skipped = await runImport([file, '--service', 'twitter', '--data-dir', target, '--skip-invalid']);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).toMatch(/line 3: country: /);
    expect(skipped.stdout).toMatch(/imported 2 rows \(2 valid of 5 read\)/);
    const server = await serve(target);
    expect(await exportText(server, 'twitter', 'csv')).toBe(`time,service,country,count,problem\n${minute(0)},twitter,US,5,\n${minute(3)},twitter,FR,4,\n`);
  });

  it('refuses a missing file and bad flags with exit code 2', async () => {
    const [missing, badFlag, badService] = await Promise.all([
      runImport([path.join(dir(), 'nope.csv')]),
      runImport(['x.csv', '--speed', '3']),
      runImport(['x.csv', '--service', 'Not A Service!']),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.csv: no such file/);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/usage: npm run import/);
    expect(badService.code).toBe(2);
    expect(badService.stderr).toMatch(/--service: must be 1-40 lower-case letters/);
  });

  it('is seen by a server running on the same data folder, without a restart', async () => {
    const server = await serve();
    const live = async () => {
      const res = await fetch(`${server.url}/api/live?service=imported`);
      return res.status === 404 ? undefined : (await res.json()).data.countries;
    };
    // Not a service until something is stored for it.
    expect(await live()).toBeUndefined();
    const file = path.join(dir(), 'recent.ndjson');
    const now = Date.now() - 60_000;
    writeFileSync(file, `{"time":"${new Date(now).toISOString()}","service":"imported","country":"FR","count":42}\n`);
    const run = await runImport([file], { DATA_DIR: server.dataDir });
    expect(run.code, run.stderr).toBe(0);
    expect((await eventually(live, (c) => c?.FR !== undefined)).FR.count).toBe(42);
    // The server still writes to the same file after the import.
    expect((await postJson(`${server.url}/api/ingest`, [{ service: 'imported', country: 'FR', at: now, count: 1 }])).status).toBe(200);
    expect((await live()).FR.count).toBe(43);
  });

  it('streams a large file in bounded memory, with a progress line', async () => {
    const files = dir();
    const write = async (name: string, rows: number) => {
      const file = path.join(files, name);
      const out = createWriteStream(file);
      out.write('time,service,country,count\n');
      const countries = COUNTRY_CODES.slice(0, 200);
      for (let i = 0; i < rows; i++) {
        const line = `${new Date(T0 + Math.floor(i / 200) * 60_000).toISOString()},bench,${countries[i % 200]},${i % 1000}\n`;
        if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      await new Promise<void>((resolve) => out.end(() => resolve()));
      return file;
    };
    const peaks: number[] = [];
    for (const rows of [100_000, 300_000]) {
      const file = await write(`${rows}.csv`, rows);
      // A small heap cap: an importer that held the file's rows would run out of memory.
      const run = await runImport([file, '--data-dir', dir()], { NODE_OPTIONS: '--max-old-space-size=40' });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/read [\d,]+ rows \([\d,]+ rows\/s, \d+% of [\d.]+ MB\)/);
      expect(run.stdout).toMatch(new RegExp(`imported ${rows.toLocaleString('en-US')} rows`));
      peaks.push(Number(/peak RSS (\d+) MB/.exec(run.stdout)![1]));
    }
    expect(peaks[1]).toBeLessThan(300);
    expect(peaks[1]! - peaks[0]!).toBeLessThan(50);
  }, 60_000);
});

describe('GET /api/history', () => {
  it.each([
    ['service=twitter&format=xml', /^invalid query: format: must be one of json, csv, ndjson/],
    ['service=twitter&step=0', /^invalid query: step: /],
    ['service=Not%20A%20Service!', /^invalid query: service: must be 1-40 letters/],
    ['service=twitter&from=yesterday', /^invalid query: from: /],
  ])('refuses %s with 400 naming the field', async (query, message) => {
    const server = await serve();
    const res = await fetch(`${server.url}/api/history?${query}`);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(message);
  });
});
