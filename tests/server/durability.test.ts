import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import type { Durability } from '../../server/store/writer-messages.ts';
import { freePort } from '../helpers/free-port.ts';
import { tempDataDir, waitFor } from '../helpers/server.ts';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The real server as `npm start` runs it, in its own process, so it can really be killed. */
async function startProcess(dataDir: string, port: number, durability: Durability): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, BUILD_CLIENT: '0', BUNDLED_REPLAYS: '0', LOG_LEVEL: 'warn', DURABILITY: durability },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  let up = false;
  const poll = setInterval(() => {
    fetch(`http://127.0.0.1:${port}/healthz`).then((r) => (up = r.ok), () => {});
  }, 100);
  try {
    await waitFor('server up', () => (up ? true : undefined), 30_000);
  } finally {
    clearInterval(poll);
  }
  return child;
}

describe('DURABILITY', () => {
  it.each([['fsync', 2], ['process', 1]] as const)('%s sets synchronous to %i (FULL or NORMAL) on the WAL store', async (durability, synchronous) => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const store = openSqliteStore(dataDir, { durability });
    try {
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.pragma('synchronous', { simple: true })).toBe(synchronous);
    } finally {
      await store.close();
    }
  });
});

// Both settings survive a killed process (`process` only gives up a power loss): the same tests hold for each.
describe.each(['fsync', 'process'] as const)('durability (DURABILITY=%s)', (durability) => {
  it('loses no acknowledged count when killed with SIGKILL right after answering', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = await startProcess(dataDir, port, durability);

    const base = Date.UTC(2026, 0, 1);
    const acked: number[] = [];
    const wanted = 150;
    let killed = false;
    // Requests keep flowing; the process dies the moment the 150th acknowledgement arrives,
    // with others still in flight.
    const send = async (i: number) => {
      const res = await fetch(`${url}/api/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ service: 'durable', country: 'US', at: base + i * 60_000, count: i + 1 }]),
      }).catch(() => undefined);
      if (res?.status === 200 && !killed) {
        acked.push(i);
        if (acked.length >= wanted) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    };
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < 400 && !killed; i++) {
      inFlight.push(send(i));
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(inFlight);
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode ? resolve(null) : child.once('exit', resolve)));
    expect(child.signalCode).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(wanted);

    await startProcess(dataDir, port, durability);
    const rows = (await (await fetch(`${url}/api/history?service=durable&format=json`)).json()) as Array<{ time: string; count: number }>;
    const stored = new Map(rows.map((r) => [(Date.parse(r.time) - base) / 60_000, r.count]));
    const lost = acked.filter((i) => stored.get(i) !== i + 1);
    expect(lost).toEqual([]);
  }, 60_000);

  it('restores the live window from the store after a restart', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = await startProcess(dataDir, port, durability);
    const res = await fetch(`${url}/api/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ service: 'twitter', country: 'JP', at: Date.now(), count: 2500 }]),
    });
    expect(res.status).toBe(200);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await startProcess(dataDir, port, durability);
    const live = (await (await fetch(`${url}/api/live?service=twitter`)).json()).data;
    expect(live.countries.JP).toEqual({ count: 2500, baseline: 10, level: 'outage' });
  }, 60_000);
});
