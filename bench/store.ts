/**
 * History store benchmarks, each beside its baseline in the same run:
 * - ingest throughput: SQLite with group commit, SQLite committing each request, and no store;
 * - seek: watch at a random minute of a 30-day, 250-country history, to the snapshot on the
 *   client, against a bare Socket.IO round trip;
 * - bytes on disk per stored count.
 */
import { spawn } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import type { MinuteRow } from '../shared/frame.ts';
import { COUNTRY_CODES } from '../shared/countries.ts';
import { minuteOf } from '../shared/time.ts';
import { openSqliteStore } from '../server/store/sqlite.ts';
import type { ChannelStore, Dataset, HistoryStore, IdempotentResult, MinuteCount, ProblemRow, RowsAt, SlotRow, StorageHealth } from '../server/store/store.ts';
import type { ChannelState } from '../shared/protocol.ts';
import { connectClient, startServer, tempDataDir, watch } from '../tests/helpers/server.ts';

/** The baseline for ingest: a store that keeps nothing, so only HTTP and validation are left. */
class NoStore implements HistoryStore, ChannelStore {
  async add(_rows: readonly MinuteCount[]): Promise<void> {}
  async put(_rows: readonly MinuteCount[]): Promise<void> {}
  async addOnce(rows: readonly MinuteCount[]): Promise<IdempotentResult> { return { replayed: false, rows: rows.length }; }
  async health(): Promise<StorageHealth> { return { writable: true }; }
  async rows(): Promise<MinuteRow[]> { return []; }
  async problems(): Promise<ProblemRow[]> { return []; }
  async slots(): Promise<SlotRow[]> { return []; }
  async slotRange(): Promise<SlotRow[]> { return []; }
  async range(): Promise<null> { return null; }
  async services(): Promise<string[]> { return []; }
  async *iterate(): AsyncIterable<MinuteRow[]> {}
  async markDataset(_d: Dataset): Promise<boolean> { return true; }
  async datasets(): Promise<Dataset[]> { return []; }
  async rowsAt(): Promise<RowsAt> { return { rows: [], problems: [], rev: 0 }; }
  async revisions(): Promise<Map<string, number>> { return new Map(); }
  onCommit(): () => void { return () => {}; }
  async dropService(): Promise<void> {}
  async channels(): Promise<ChannelState[]> { return []; }
  async saveChannel(_state: ChannelState): Promise<void> {}
  async deleteChannel(_name: string): Promise<boolean> { return false; }
  async close(): Promise<void> {}
}

function load(url: string, seconds: number, concurrency: number): Promise<{ ok: number; failed: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load-worker.ts', url, String(seconds), String(concurrency)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load worker exited ${code}`))));
  });
}

export interface IngestBench {
  groupCommit: number;
  perRequest: number;
  noStore: number;
}

/** Requests per second of one-row ingests, 50 concurrent, each variant twice, interleaved. */
export async function benchIngest(seconds = 5, concurrency = 50): Promise<IngestBench> {
  const totals = { groupCommit: 0, perRequest: 0, noStore: 0 };
  for (let round = 0; round < 2; round++) {
    for (const variant of ['groupCommit', 'perRequest', 'noStore'] as const) {
      const dataDir = tempDataDir();
      const store = variant === 'noStore' ? new NoStore() : openSqliteStore(dataDir, { groupCommit: variant === 'groupCommit' });
      const server = await startServer({}, { store, dataDir });
      const { ok } = await load(server.url, seconds, concurrency);
      totals[variant] += ok / seconds / 2;
      await server.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return totals;
}

export interface SeekBench {
  rows: number;
  buildSeconds: number;
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

/** Seeks over a dense 30-day history of every country (one row per country per minute). */
export async function benchSeek(days = 30, seeks = 300): Promise<SeekBench> {
  const dataDir = tempDataDir();
  const store = openSqliteStore(dataDir);
  const end = minuteOf(Date.now()) - 60;
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
    process.stderr.write(`\r  building the 30-day history: day ${day + 1}/${days}, ${rows.toLocaleString('en')} rows`);
  }
  process.stderr.write('\n');
  const buildSeconds = (Date.now() - built) / 1000;
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = statSync(store.file).size;

  const server = await startServer({}, { store, dataDir });
  const socket = connectClient(server.url);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const seekMs: number[] = [];
  const roundTripMs: number[] = [];
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
  socket.disconnect();
  await server.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    rows,
    buildSeconds,
    bytesPerCount: bytes / rows,
    seekP50: quantile(seekMs, 0.5),
    seekP99: quantile(seekMs, 0.99),
    roundTripP50: quantile(roundTripMs, 0.5),
    roundTripP99: quantile(roundTripMs, 0.99),
  };
}
