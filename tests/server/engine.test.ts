import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyChanges } from '../../shared/frame.ts';
import type { CountryStates, Snapshot } from '../../shared/protocol.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import type { RowsAt } from '../../server/store/store.ts';
import { useServers } from '../helpers/per-test.ts';
import { postJson, tempDataDir, waitFor, watch, type RunningServer, type TestSocket } from '../helpers/server.ts';

/** A real SQLite store whose reads can be made to fail, as a failing disk would, and are counted. */
class FailingReads extends SqliteStore {
  failing = false;
  reads = 0;
  slotReads = 0;

  override async slots(service: string, slots: readonly number[]) {
    this.slotReads++;
    return super.slots(service, slots);
  }

  override async rowsAt(service: string, from: number, to: number): Promise<RowsAt> {
    this.reads++;
    if (this.failing) throw new Error('SQLITE_IOERR: disk I/O error');
    return super.rowsAt(service, from, to);
  }

  override async revisions(): Promise<Map<string, number>> {
    const revisions = await super.revisions();
    // While failing, the store also claims another process wrote, so cached minutes must be read again.
    if (this.failing) for (const [name, rev] of revisions) revisions.set(name, rev + 1_000);
    return revisions;
  }
}

let server: RunningServer | undefined;
let store: SqliteStore | undefined;
// Registered before useServers(), so the store is closed (and its folder removed) after the server that uses it.
afterEach(async () => {
  await store?.close();
  if (store) rmSync(path.dirname(store.file), { recursive: true, force: true });
  store = undefined;
});
const servers = useServers();

function client(): TestSocket {
  return servers.client(server!);
}

const ingest = (rows: Array<{ country: string; count: number; service?: string; at?: number }>) =>
  postJson(`${server!.url}/api/ingest`, rows.map((r) => ({ service: r.service ?? 'twitter', country: r.country, at: r.at ?? Date.now(), count: r.count })));

/** Polls an asynchronous condition (a metric over HTTP) until it holds. */
async function eventually(what: string, probe: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${server!.url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

describe('playhead engine', () => {
  it('survives a store that fails: the room is logged, counted, retried, and catches up', async () => {
    const dataDir = tempDataDir();
    const failing = new FailingReads(path.join(dataDir, 'history.sqlite'));
    store = failing;
    server = await servers.start({ frameMs: 20 }, { store: failing, dataDir });
    await ingest([{ country: 'US', count: 5 }]);
    const socket = client();
    const ack = await watch(socket, { service: 'twitter' });
    if (!ack.ok) throw new Error(ack.error.message);
    let states: CountryStates = ack.data.countries;
    socket.on('frame', (frame) => (states = applyChanges(states, frame.changes)));

    failing.failing = true;
    // The store now claims another process wrote: the room must read again, and that read fails.
    await eventually('a failed computation', async () => (await metric('outage_room_failures_total')) > 0);
    await ingest([{ country: 'US', count: 7 }]);
    expect(states.US?.count).toBe(5);
    // The process and every other path keep working.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const replay = await watch(client(), { service: 'twitter', t: Date.now() - 86_400_000, playing: false });
    expect(replay).toEqual({ ok: false, error: { code: 'internal', message: 'internal error: try again' } });

    failing.failing = false;
    await waitFor('the room to catch up', () => (states.US?.count === 12 ? true : undefined), 10_000);
  });

  it('shares one computed frame between rooms at the same moment', async () => {
    server = await servers.start({ frameMs: 20 });
    const t = Date.now() - 2 * 3600_000;
    await ingest([{ country: 'JP', count: 2_529, at: t }]);
    const before = server.app.frames.stats();
    const snapshots: Snapshot[] = [];
    for (let i = 0; i < 5; i++) {
      const ack = await watch(client(), { service: 'twitter', t, playing: false });
      if (!ack.ok) throw new Error(ack.error.message);
      snapshots.push(ack.data);
    }
    const after = server.app.frames.stats();
    expect(after.computed - before.computed).toBe(1);
    for (const s of snapshots) expect(s.countries.JP?.count).toBe(2_529);
  });

  it('keeps one service\'s baselines cached while another service is written', async () => {
    const dataDir = tempDataDir();
    const counting = new FailingReads(path.join(dataDir, 'history.sqlite'));
    store = counting;
    server = await servers.start({}, { store: counting, dataDir });
    // The first minute of this slot a week ago: that week counts, having history from its start.
    const weekAgo = Math.floor(Date.now() / 900_000) * 900_000 - 7 * 86_400_000;
    await ingest([{ country: 'US', count: 300, at: weekAgo, service: 'facebook' }]);
    const frames = server.app.frames;
    const slot = Math.floor(Date.now() / 900_000);
    expect((await frames.slotBaselines('facebook', [slot])).get(slot)?.get('US')).toBe(300);
    const before = counting.slotReads;
    for (let i = 0; i < 20; i++) await ingest([{ country: 'JP', count: 1, service: 'twitter' }, { country: 'JP', count: 1, service: 'facebook' }]);
    // Live writes to either service leave facebook's baselines for now as they were: no read.
    expect((await frames.slotBaselines('facebook', [slot])).get(slot)?.get('US')).toBe(300);
    expect(counting.slotReads).toBe(before);
    // A write a week back does change them, and only then is the slot read again.
    await ingest([{ country: 'US', count: 30, at: weekAgo, service: 'facebook' }]);
    expect((await frames.slotBaselines('facebook', [slot])).get(slot)?.get('US')).toBe(330);
    expect(counting.slotReads).toBe(before + 1);
  });

  it('keeps the live window from commits, without reading the store for each frame', async () => {
    const dataDir = tempDataDir();
    const counting = new FailingReads(path.join(dataDir, 'history.sqlite'));
    store = counting;
    server = await servers.start({ frameMs: 10 }, { store: counting, dataDir });
    const socket = client();
    const ack = await watch(socket, { service: 'twitter' });
    if (!ack.ok) throw new Error(ack.error.message);
    let states: CountryStates = ack.data.countries;
    socket.on('frame', (frame) => (states = applyChanges(states, frame.changes)));
    const readsAfterWatch = counting.reads;
    for (let i = 1; i <= 30; i++) await ingest([{ country: 'GB', count: 1 }]);
    await waitFor('30 reports in the frame', () => (states.GB?.count === 30 ? true : undefined));
    // Crossing into a new minute reads that one minute; nothing else reads.
    expect(counting.reads - readsAfterWatch).toBeLessThanOrEqual(1);
  });
});
