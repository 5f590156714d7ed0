/**
 * Seek: watch at a random minute of a 30-day, 250-country history, to the snapshot on the client,
 * against a bare Socket.IO round trip; and bytes on disk per stored count. (Ingest throughput is
 * measured against a bare server in bench/http.ts.)
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { COUNTRY_CODES } from '../shared/countries.ts';
import { minuteOf } from '../shared/time.ts';
import { openPostgresStore } from '../server/store/postgres.ts';
import { openSqliteStore } from '../server/store/sqlite.ts';
import type { HistoryStore, MinuteCount } from '../server/store/store.ts';
import { connectClient, startServer, tempDataDir, watch } from '../tests/helpers/server.ts';

export interface SeekBench {
  rows: number;
  buildSeconds: number;
  /** The history came from an earlier run's copy (same store code, same size). */
  cached: boolean;
  bytesPerCount: number;
  seekP50: number;
  seekP99: number;
  roundTripP50: number;
  roundTripP99: number;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const CACHE_DIR = path.join(tmpdir(), 'outage-map-bench-cache');

/**
 * Building 10.8M rows takes a minute on a quiet machine and several on a busy one, and is not
 * what is measured: a copy is kept between runs. The store migrates an older copy when it opens
 * it, as it would a user's file; one it cannot open is built again.
 */
const CACHE_VERSION = 1;

interface BuiltHistory {
  start: number;
  end: number;
  rows: number;
  buildSeconds: number;
}

/** One row per country per minute over `days` up to `end`, the same for every store (a fixed seed). */
async function fill(store: HistoryStore, days: number, end: number, label = ''): Promise<BuiltHistory> {
  const start = end - days * 1440;
  const built = Date.now();
  let rows = 0;
  let seed = 1;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  for (let day = 0; day < days; day++) {
    const batch: MinuteCount[] = [];
    for (let m = start + day * 1440; m < start + (day + 1) * 1440; m++) {
      for (const country of COUNTRY_CODES) batch.push({ service: 'bench', minute: m, country, count: 1 + Math.floor(random() * 40) });
    }
    await store.put(batch);
    rows += batch.length;
    process.stderr.write(`\r  building the ${days}-day history${label}: day ${day + 1}/${days}, ${rows.toLocaleString('en')} rows`);
  }
  process.stderr.write('\n');
  return { start, end, rows, buildSeconds: (Date.now() - built) / 1000 };
}

async function buildHistory(dataDir: string, days: number): Promise<BuiltHistory & { cached: boolean }> {
  const cachedFile = path.join(CACHE_DIR, `seek-v${CACHE_VERSION}-${days}d.sqlite`);
  const metaFile = `${cachedFile}.json`;
  const target = path.join(dataDir, 'history.sqlite');
  if (existsSync(cachedFile) && existsSync(metaFile)) {
    copyFileSync(cachedFile, target);
    try {
      await openSqliteStore(dataDir).close();
      return { ...(JSON.parse(readFileSync(metaFile, 'utf8')) as BuiltHistory), cached: true };
    } catch (error) {
      console.error(`  the kept history does not open (${(error as Error).message}); building it again`);
      rmSync(target, { force: true });
    }
  }
  const store = openSqliteStore(dataDir);
  const meta = await fill(store, days, minuteOf(Date.now()) - 60);
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  await store.close();
  mkdirSync(CACHE_DIR, { recursive: true });
  copyFileSync(target, cachedFile);
  writeFileSync(metaFile, JSON.stringify(meta));
  return { ...meta, cached: false };
}

/** `seeks` watches at random moments of [start, end], each followed by a bare round trip (an unknown channel). */
async function seekOn(url: string, start: number, end: number, seeks: number, random: () => number): Promise<{ seekMs: number[]; roundTripMs: number[] }> {
  const socket = connectClient(url);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const seekMs: number[] = [];
  const roundTripMs: number[] = [];
  try {
    for (let i = 0; i < seeks; i++) {
      const t = (start + 60 + Math.floor(random() * (end - start - 60))) * 60_000 + Math.floor(random() * 60_000);
      let began = performance.now();
      const ack = await watch(socket, { service: 'bench', t, speed: 60, playing: false });
      seekMs.push(performance.now() - began);
      if (!ack.ok || Object.keys(ack.data.countries).length < 200) throw new Error('seek returned no frame');
      began = performance.now();
      await watch(socket, { channel: 'none' });
      roundTripMs.push(performance.now() - began);
    }
  } finally {
    socket.disconnect();
  }
  return { seekMs, roundTripMs };
}

/** Seeks over a dense 30-day history of every country (one row per country per minute). */
export async function benchSeek(days = 30, seeks = 300): Promise<SeekBench> {
  const dataDir = tempDataDir();
  const { start, end, rows, buildSeconds, cached } = await buildHistory(dataDir, days);
  const store = openSqliteStore(dataDir);
  const bytes = statSync(store.file).size;
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);

  const server = await startServer({}, { store, dataDir });
  const { seekMs, roundTripMs } = await seekOn(server.url, start, end, seeks, random);
  await server.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    rows,
    buildSeconds,
    cached,
    bytesPerCount: bytes / rows,
    seekP50: quantile(seekMs, 0.5),
    seekP99: quantile(seekMs, 0.99),
    roundTripP50: quantile(roundTripMs, 0.5),
    roundTripP99: quantile(roundTripMs, 0.99),
  };
}

export interface SeekEngines {
  rows: number;
  /** Seconds to put the history into PostgreSQL (day by day, as an import would). */
  postgresBuildSeconds: number;
  rounds: number;
  seeksPerRound: number;
  /** Per round (alternated, SQLite and PostgreSQL in turn): p50 and p99 of that round's seeks, ms. */
  sqlite: Array<{ p50: number; p99: number }>;
  postgres: Array<{ p50: number; p99: number }>;
  /** Over every round's seeks: a p99 needs hundreds of them (of one round's 100 it is the slowest). */
  pooled: { sqlite: { p50: number; p99: number }; postgres: { p50: number; p99: number } };
}

/**
 * The same seeks over the same history on SQLite and on PostgreSQL (DATABASE_URL's store), in
 * alternated rounds of one run: the PostgreSQL store's seek against the embedded default's.
 * PostgreSQL is a private server of this run (or BENCH_DATABASE_URL's), its history put day by day.
 */
export async function benchSeekEngines(days = 30, seeksPerRound = 150, rounds = 4): Promise<SeekEngines> {
  const { Processes } = await import('../tests/cluster/nodes.ts');
  const processes = new Processes();
  const dataDir = tempDataDir();
  try {
    const built = await buildHistory(dataDir, days);
    const sqlite = openSqliteStore(dataDir);
    const serverUrl = process.env.BENCH_DATABASE_URL ?? (await processes.postgres()).url;
    const postgres = await openPostgresStore(await processes.database(serverUrl));
    const filled = await fill(postgres, days, built.end, ' in PostgreSQL');
    // As `npm run import` leaves it: a 30-day history is read after autovacuum has been by, not
    // in the minutes after its bulk load.
    await postgres.afterBulkLoad();
    const servers = {
      sqlite: await startServer({}, { store: sqlite, dataDir }),
      postgres: await startServer({}, { store: postgres, dataDir: tempDataDir() }),
    };
    const summary = (ms: number[]) => ({ p50: quantile(ms, 0.5), p99: quantile(ms, 0.99) });
    const perRound = { sqlite: [] as Array<{ p50: number; p99: number }>, postgres: [] as Array<{ p50: number; p99: number }> };
    const all = { sqlite: [] as number[], postgres: [] as number[] };
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    // A warm-up round each, not counted: the first reads fill the engines' caches.
    for (const engine of ['sqlite', 'postgres'] as const) await seekOn(servers[engine].url, built.start, built.end, 20, random);
    for (let r = 0; r < rounds; r++) {
      for (const engine of r % 2 === 0 ? (['sqlite', 'postgres'] as const) : (['postgres', 'sqlite'] as const)) {
        const { seekMs } = await seekOn(servers[engine].url, built.start, built.end, seeksPerRound, random);
        const round = summary(seekMs);
        perRound[engine].push(round);
        all[engine].push(...seekMs);
        process.stderr.write(`  seek round ${r + 1}/${rounds} on ${engine}: p50 ${round.p50.toFixed(1)} ms, p99 ${round.p99.toFixed(1)} ms\n`);
      }
    }
    const out: SeekEngines = {
      rows: built.rows,
      postgresBuildSeconds: filled.buildSeconds,
      rounds,
      seeksPerRound,
      ...perRound,
      pooled: { sqlite: summary(all.sqlite), postgres: summary(all.postgres) },
    };
    await servers.sqlite.close();
    await servers.postgres.close();
    await sqlite.close();
    await postgres.close();
    return out;
  } finally {
    await processes.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
