import { afterEach, describe, expect, it } from 'vitest';
import { applyChanges } from '../../shared/frame.ts';
import { decodeFrame, type CountryStates, type Frame } from '../../shared/protocol.ts';
import { connectClient, postJson, startServer, waitFor, watch, type RunningServer, type TestSocket } from '../helpers/server.ts';

let server: RunningServer | undefined;
const sockets: TestSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  await server?.close();
  server = undefined;
});

function client(reconnectionDelay?: number): TestSocket {
  const socket = connectClient(server!.url, reconnectionDelay);
  sockets.push(socket);
  return socket;
}

function ingest(rows: Array<{ country: string; count: number; at?: number; service?: string }>) {
  return postJson(`${server!.url}/api/ingest`, rows.map((r) => ({ service: r.service ?? 'twitter', country: r.country, at: r.at ?? Date.now(), count: r.count })));
}

/** Collects frames and keeps the state they build on top of a snapshot. */
function follow(socket: TestSocket, base: CountryStates) {
  const frames: Frame[] = [];
  let states = base;
  socket.on('frame', (json) => {
    const frame = decodeFrame(json);
    frames.push(frame);
    states = applyChanges(states, frame.changes);
  });
  return { frames, states: () => states };
}

describe('live frames', () => {
  it('acks watch with the full snapshot, then sends exact counts as deltas', async () => {
    server = await startServer();
    await ingest([{ country: 'US', count: 10_000 }]);
    const socket = client();
    const ack = await watch(socket, { service: 'twitter' });
    if (!ack.ok) throw new Error(ack.error);
    expect(ack.data.countries).toEqual({ US: { count: 10_000, baseline: 10, level: 'outage' } });
    expect(ack.data).toMatchObject({ service: 'twitter', mode: 'live', windowMinutes: 15, heatMax: 10_000, clock: { speed: 1, simulated: false } });

    const feed = follow(socket, ack.data.countries);
    await ingest([{ country: 'JP', count: 2500 }, { country: 'GB', count: 2499 }]);
    await postJson(`${server.url}/api/reports`, { service: 'twitter', country: 'GB' });
    await waitFor('GB at 2500', () => (feed.states().GB?.count === 2500 ? true : undefined));
    expect(feed.states()).toEqual({
      US: { count: 10_000, baseline: 10, level: 'outage' },
      JP: { count: 2500, baseline: 10, level: 'outage' },
      GB: { count: 2500, baseline: 10, level: 'outage' },
    });
    for (const frame of feed.frames) expect(frame.changes.US).toBeUndefined();
  });

  it('sends nothing while nothing changes', async () => {
    server = await startServer({ frameMs: 50 });
    await ingest([{ country: 'US', count: 3 }]);
    const socket = client();
    const ack = await watch(socket, { service: 'twitter' });
    const feed = follow(socket, ack.ok ? ack.data.countries : {});
    await new Promise((r) => setTimeout(r, 400));
    expect(feed.frames).toEqual([]);
  });

  it('keeps services apart: a watcher gets only its own service', async () => {
    server = await startServer();
    const socket = client();
    const ack = await watch(socket, { service: 'youtube' });
    const feed = follow(socket, ack.ok ? ack.data.countries : {});
    await ingest([{ country: 'US', count: 50 }]);
    await ingest([{ country: 'DE', count: 4, service: 'youtube' }]);
    await waitFor('DE frame', () => (feed.states().DE ? true : undefined));
    expect(feed.frames.every((f) => f.service === 'youtube')).toBe(true);
    expect(feed.states()).toEqual({ DE: { count: 4, baseline: 10, level: 'normal' } });
  });

  it('gives a reconnecting client a fresh snapshot with what it missed', async () => {
    server = await startServer();
    // Slow enough to reconnect that the reports below land while it is away.
    const socket = client(500);
    const snapshots: CountryStates[] = [];
    socket.on('connect', async () => {
      const ack = await watch(socket, { service: 'twitter' });
      if (ack.ok) snapshots.push(ack.data.countries);
    });
    await waitFor('first snapshot', () => (snapshots.length === 1 ? true : undefined));
    await waitFor('disconnect', () => {
      if (socket.connected) socket.io.engine.close(); // a network blip, not a deliberate disconnect
      return socket.connected ? undefined : true;
    });
    await ingest([{ country: 'BR', count: 321 }]);
    await waitFor('second snapshot', () => (snapshots.length === 2 ? true : undefined));
    expect(snapshots[0]).toEqual({});
    expect(snapshots[1]!.BR?.count).toBe(321);
  });

  it('sends a country back to zero when its reports leave the window', async () => {
    let now = Date.now();
    server = await startServer({ windowMinutes: 15 });
    // Data time moves on through a clock lease, as the simulator does, rather than by waiting 16 minutes.
    await ingest([{ country: 'IT', count: 8, at: now }]);
    const socket = client();
    const ack = await watch(socket, { service: 'twitter' });
    const feed = follow(socket, ack.ok ? ack.data.countries : {});
    expect(feed.states().IT?.count).toBe(8);
    now += 16 * 60_000;
    const resynced = new Promise<string>((resolve) => socket.once('resync', resolve));
    const res = await fetch(`${server.url}/api/simulation/twitter`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ t: now, speed: 1 }) });
    expect(res.status).toBe(200);
    expect(await resynced).toBe('clock');
    const again = await watch(socket, { service: 'twitter' });
    if (!again.ok) throw new Error(again.error);
    expect(again.data.countries).toEqual({});
    expect(again.data.clock).toMatchObject({ simulated: true, speed: 1 });
    expect(Math.abs(again.data.t - now)).toBeLessThan(5_000);
  });

  it('answers a malformed watch with ok:false and the reason', async () => {
    server = await startServer();
    const socket = client();
    const ack = await watch(socket, { service: 'Not A Service!' });
    expect(ack).toEqual({ ok: false, error: expect.stringMatching(/^invalid watch: service: must be 1-40 letters/) });
  });
});

describe('simulation clock', () => {
  it('runs the live data time at the simulator speed, and returns to the wall clock when it ends', async () => {
    server = await startServer();
    const t0 = Date.now() - 6 * 3600_000;
    const put = await fetch(`${server.url}/api/simulation/twitter`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ t: t0, speed: 60 }) });
    expect((await put.json()).data).toMatchObject({ simulated: true, speed: 60 });
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    const snap = (await (await fetch(`${server.url}/api/live?service=twitter`)).json()).data;
    const elapsed = Date.now() - started;
    expect(snap.t - t0).toBeGreaterThanOrEqual(300 * 60 * 0.9);
    expect(snap.t - t0).toBeLessThanOrEqual((elapsed + 50) * 60);
    const services = (await (await fetch(`${server.url}/api/services`)).json()).data;
    expect(services.find((s: { id: string }) => s.id === 'twitter').simulated).toBe(true);
    await fetch(`${server.url}/api/simulation/twitter`, { method: 'DELETE' });
    const after = (await (await fetch(`${server.url}/api/live?service=twitter`)).json()).data;
    expect(Math.abs(after.t - Date.now())).toBeLessThan(1000);
    expect(after.clock.simulated).toBe(false);
  });

  it('ends a simulation whose lease is not renewed', async () => {
    server = await startServer({ frameMs: 50 });
    await fetch(`${server.url}/api/simulation/twitter`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ t: Date.now() - 3600_000, speed: 10, ttlMs: 1000 }) });
    expect(server.app.clocks.simulated('twitter')).toBe(true);
    await waitFor('lease expiry', () => (server!.app.clocks.simulated('twitter') ? undefined : true), 3000);
  });
});
