import { describe, expect, it } from 'vitest';
import { applyChanges } from '../../shared/frame.ts';
import type { CountryStates, Frame, Snapshot } from '../../shared/protocol.ts';
import { useServers } from '../helpers/per-test.ts';
import { postJson, waitFor, watch, type RunningServer, type TestSocket } from '../helpers/server.ts';

const servers = useServers();
let server: RunningServer | undefined;

function ingest(rows: Array<{ country: string; count: number; problem?: string; at?: number }>) {
  const at = Date.now();
  return postJson(`${server!.url}/api/ingest`, rows.map((r) => ({ service: 'twitter', at, ...r })));
}

async function liveSnapshot(): Promise<{ socket: TestSocket; snapshot: Snapshot }> {
  const socket = servers.client(server!);
  const ack = await watch(socket, { service: 'twitter' });
  if (!ack.ok) throw new Error(ack.error.message);
  return { socket, snapshot: ack.data };
}

describe('problem types', () => {
  it('stores the problem a report names, and refuses one not in the list, naming the field', async () => {
    server = await servers.start();
    const counted = await postJson(`${server.url}/api/reports`, { service: 'twitter', country: 'JP', problem: 'app' });
    expect(counted.status).toBe(201);
    const bad = await postJson(`${server.url}/api/reports`, { service: 'twitter', country: 'JP', problem: 'wifi' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/problem: must be one of website, app, login, server-connection, other/);
    const res = await fetch(`${server.url}/api/history?service=twitter&format=ndjson`);
    const rows = (await res.text()).trim().split('\n').map((line) => JSON.parse(line));
    expect(rows).toEqual([{ time: expect.any(String), service: 'twitter', country: 'JP', count: 1, problem: 'app' }]);
  });

  it('puts each country\'s shares and the service\'s in the snapshot, of the reports that named one', async () => {
    server = await servers.start();
    await ingest([
      { country: 'US', count: 82, problem: 'website' },
      { country: 'US', count: 10, problem: 'app' },
      { country: 'US', count: 8, problem: 'server-connection' },
      { country: 'US', count: 50 },
      { country: 'JP', count: 100, problem: 'app' },
      { country: 'FR', count: 5 },
    ]);
    const { snapshot } = await liveSnapshot();
    expect(snapshot.countries.US).toMatchObject({ count: 150, problems: { website: 82, app: 10, 'server-connection': 8 } });
    expect(snapshot.countries.JP).toMatchObject({ count: 100, problems: { app: 100 } });
    // No report from France named a problem: it has no breakdown.
    expect(snapshot.countries.FR).toEqual({ count: 5, baseline: 10, level: 'normal' });
    expect(snapshot.problems).toEqual({ website: 41, app: 55, 'server-connection': 4 });
  });

  it('replays the bundled Twitter outage with Downdetector\'s US shares, and says the rest is assumed', async () => {
    server = await servers.start({}, { bundled: true });
    const socket = servers.client(server);
    const ack = await watch(socket, { service: 'twitter', t: '2022-12-29T00:45:00Z', playing: false });
    if (!ack.ok) throw new Error(ack.error.message);
    const us = ack.data.countries.US!.problems!;
    expect(Object.keys(us).sort()).toEqual(['app', 'server-connection', 'website']);
    expect(us.website).toBeGreaterThanOrEqual(80);
    expect(us.website).toBeLessThanOrEqual(84);
    expect(Math.abs(us.app! - 10)).toBeLessThanOrEqual(2);
    expect(Math.abs(us['server-connection']! - 8)).toBeLessThanOrEqual(2);
    expect(ack.data.problems!.website).toBeGreaterThanOrEqual(80);
    const incidents = (await (await fetch(`${server.url}/api/incidents?service=twitter`)).json()) as { data: Array<{ note?: string }> };
    expect(incidents.data.at(-1)!.note).toMatch(/split for other countries is assumed/);
  });

  it('follows a put that replaces a minute\'s breakdown, as an import beside the live map does', async () => {
    server = await servers.start();
    const at = Date.now();
    await ingest([{ country: 'US', count: 9, problem: 'website', at }, { country: 'US', count: 1, problem: 'app', at }]);
    const { socket, snapshot } = await liveSnapshot();
    expect(snapshot.countries.US!.problems).toEqual({ website: 90, app: 10 });
    let states: CountryStates = snapshot.countries;
    socket.on('frame', (frame) => (states = applyChanges(states, frame.changes)));
    // The same minute put again: its total and its whole breakdown are replaced, not added to.
    const minute = Math.floor(at / 60_000);
    await server.store.put([{ service: 'twitter', country: 'US', minute, count: 3, problem: 'login' }, { service: 'twitter', country: 'US', minute, count: 1 }]);
    await waitFor('US at 4', () => (states.US?.count === 4 ? true : undefined));
    expect(states.US!.problems).toEqual({ login: 100 });
  });

  it('lets a producer show the breakdown on a channel\'s screens, and refuses anything but true or false', async () => {
    const token = 'a-long-secret-for-producers';
    server = await servers.start({ controlToken: token });
    const put = (body: unknown) =>
      fetch(`${server!.url}/api/channels/wall`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const created = await put({ service: 'twitter', problems: true });
    expect(created.status).toBe(200);
    expect(((await created.json()) as { data: { problems: boolean } }).data.problems).toBe(true);
    const socket = servers.client(server);
    const ack = await watch(socket, { channel: 'wall' });
    expect(ack.ok && ack.data.channel?.problems).toBe(true);
    const bad = await put({ problems: 'yes' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/problems: must be true or false/);
  });

  it('sends shares in a frame only where they changed', async () => {
    server = await servers.start();
    await ingest([{ country: 'US', count: 8, problem: 'website' }, { country: 'US', count: 2, problem: 'app' }]);
    const { socket, snapshot } = await liveSnapshot();
    expect(snapshot.problems).toEqual({ website: 80, app: 20 });
    const frames: Frame[] = [];
    let states: CountryStates = snapshot.countries;
    socket.on('frame', (frame) => {
      frames.push(frame);
      states = applyChanges(states, frame.changes);
    });

    // More reports in the same mix: counts move, shares do not, so neither is sent again.
    await ingest([{ country: 'US', count: 16, problem: 'website' }, { country: 'US', count: 4, problem: 'app' }]);
    const same = await waitFor('a frame with US at 30', () => frames.find((f) => f.changes.US?.count === 30));
    expect(same.changes.US).toMatchObject({ count: 30, baseline: 10 });
    expect(same.changes.US).not.toHaveProperty('problems');
    expect(same).not.toHaveProperty('problems');
    expect(states.US!.problems).toEqual({ website: 80, app: 20 });

    // Now the mix moves: the country's shares and the service's come with the frame.
    await ingest([{ country: 'US', count: 10, problem: 'login' }]);
    const moved = await waitFor('a frame with US at 40', () => frames.find((f) => f.changes.US?.count === 40));
    expect(moved.changes.US!.problems).toEqual({ website: 60, app: 15, login: 25 });
    expect(moved.problems).toEqual({ website: 60, app: 15, login: 25 });
    expect(states.US!.problems).toEqual({ website: 60, app: 15, login: 25 });
    // Each frame is a delta: the country that did not move is not in it.
    await ingest([{ country: 'GB', count: 3 }]);
    const other = await waitFor('a frame with GB', () => frames.find((f) => f.changes.GB));
    expect(Object.keys(other.changes)).toEqual(['GB']);
    expect(other).not.toHaveProperty('problems');
  });
});
