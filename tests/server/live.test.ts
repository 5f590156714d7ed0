import { describe, expect, it } from 'vitest';
import type { CountryStates, Snapshot } from '../../shared/protocol.ts';
import { useServers } from '../helpers/per-test.ts';
import { follow, postJson, waitFor, watch, type RunningServer, type TestSocket } from '../helpers/server.ts';

const servers = useServers();
let server: RunningServer | undefined;

function client(reconnectionDelay?: number): TestSocket {
  return servers.client(server!, reconnectionDelay);
}

function ingest(rows: Array<{ country: string; count: number; at?: number; service?: string }>) {
  return postJson(`${server!.url}/api/ingest`, rows.map((r) => ({ service: r.service ?? 'twitter', country: r.country, at: r.at ?? Date.now(), count: r.count })));
}

function data<T>(ack: { ok: true; data: T } | { ok: false; error: { message: string } }): T {
  if (!ack.ok) throw new Error(ack.error.message);
  return ack.data;
}

describe('live frames', () => {
  it('acks watch with the full snapshot, then sends exact counts as deltas', async () => {
    server = await servers.start();
    await ingest([{ country: 'US', count: 10_000 }]);
    const socket = client();
    const feed = await follow(socket, { service: 'twitter' });
    const { snapshot } = feed;
    expect(snapshot.countries).toEqual({ US: { count: 10_000, baseline: 10, level: 'outage' } });
    expect(snapshot).toMatchObject({ protocol: 2, service: 'twitter', mode: 'live', seq: expect.any(Number), windowMinutes: 15, heatMax: 10_000, clock: { speed: 1, simulated: false } });

    await ingest([{ country: 'JP', count: 2500 }, { country: 'GB', count: 2499 }]);
    await postJson(`${server.url}/api/reports`, { service: 'twitter', country: 'GB' });
    await waitFor('GB at 2500', () => (feed.states().GB?.count === 2500 ? true : undefined));
    expect(feed.states()).toEqual({
      US: { count: 10_000, baseline: 10, level: 'outage' },
      JP: { count: 2500, baseline: 10, level: 'outage' },
      GB: { count: 2500, baseline: 10, level: 'outage' },
    });
    for (const frame of feed.frames) {
      expect(frame.changes.US).toBeUndefined();
      // A plain object on the wire, never a pre-stringified payload.
      expect(typeof frame).toBe('object');
      expect(frame).toMatchObject({ service: 'twitter', mode: 'live', t: expect.any(Number), seq: expect.any(Number) });
    }
  });

  it('gives a late watcher the state and seq the room is at, so deltas continue from it exactly', async () => {
    server = await servers.start({ frameMs: 20 });
    const first = client();
    const feedA = await follow(first, { service: 'twitter' });
    const countries = ['US', 'JP', 'GB', 'DE', 'FR', 'BR', 'IN', 'CA'];
    const writes: Array<Promise<unknown>> = [];
    let late: Awaited<ReturnType<typeof follow>> | undefined;
    for (let i = 0; i < 40; i++) {
      writes.push(ingest([{ country: countries[i % countries.length]!, count: 1 + i }]));
      if (i === 20) {
        const second = client();
        late = await follow(second, { service: 'twitter' });
      }
    }
    await Promise.all(writes);
    const total = (s: CountryStates) => Object.values(s).reduce((n, c) => n + c.count, 0);
    const expected = (40 * 41) / 2;
    await waitFor('all counts at both watchers', () => (total(feedA.states()) === expected && total(late!.states()) === expected ? true : undefined));
    expect(late!.states()).toEqual(feedA.states());
  });

  it('sends nothing while nothing changes', async () => {
    server = await servers.start({ frameMs: 50 });
    await ingest([{ country: 'US', count: 3 }]);
    const socket = client();
    const feed = await follow(socket, { service: 'twitter' });
    // Nothing is expected, so there is no event to wait for: eight frame intervals of silence.
    await new Promise((r) => setTimeout(r, 400));
    expect(feed.frames).toEqual([]);
  });

  it('keeps services apart: a watcher gets only its own service', async () => {
    server = await servers.start();
    const socket = client();
    const feed = await follow(socket, { service: 'youtube' });
    await ingest([{ country: 'US', count: 50 }]);
    await ingest([{ country: 'DE', count: 4, service: 'youtube' }]);
    await waitFor('DE frame', () => (feed.states().DE ? true : undefined));
    expect(feed.frames.every((f) => f.service === 'youtube')).toBe(true);
    expect(feed.states()).toEqual({ DE: { count: 4, baseline: 10, level: 'normal' } });
  });

  it('gives a reconnecting client a fresh snapshot with what it missed', async () => {
    server = await servers.start();
    const socket = client();
    const snapshots: CountryStates[] = [];
    const snapshotArrived = () => new Promise<void>((resolve) => {
      socket.once('connect', async () => {
        const ack = await watch(socket, { service: 'twitter' });
        if (ack.ok) snapshots.push(ack.data.countries);
        resolve();
      });
    });
    await snapshotArrived();
    // A network blip, not a deliberate disconnect; the client stays away until the report is stored.
    socket.io.reconnection(false);
    const gone = new Promise((resolve) => socket.once('disconnect', resolve));
    socket.io.engine.close();
    await gone;
    await ingest([{ country: 'BR', count: 321 }]);
    const again = snapshotArrived();
    socket.connect();
    await again;
    expect(snapshots[0]).toEqual({});
    expect(snapshots[1]!.BR?.count).toBe(321);
  });

  it('sends a country back to zero when its reports leave the window', async () => {
    let now = Date.now();
    server = await servers.start({ windowMinutes: 15 });
    // Data time moves on through a clock lease, as the simulator does, rather than by waiting 16 minutes.
    await ingest([{ country: 'IT', count: 8, at: now }]);
    const socket = client();
    const first = data(await watch(socket, { service: 'twitter' }));
    expect(first.countries.IT?.count).toBe(8);
    now += 16 * 60_000;
    // The playhead jumped: the room gets one whole snapshot at the new position, numbered next.
    const pushed = new Promise<Snapshot>((resolve) => socket.once('snapshot', resolve));
    const res = await fetch(`${server.url}/api/simulation/twitter`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ t: now, speed: 1 }) });
    expect(res.status).toBe(200);
    const again = await pushed;
    expect(again.countries).toEqual({});
    expect(again.seq).toBe(first.seq + 1);
    expect(again.clock).toMatchObject({ simulated: true, speed: 1 });
    expect(Math.abs(again.t - now)).toBeLessThan(5_000);
  });

  it('answers a malformed watch with a stable code and the reason', async () => {
    server = await servers.start();
    const socket = client();
    const ack = await watch(socket, { service: 'Not A Service!' });
    expect(ack).toEqual({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/^invalid watch: service: must be 1-40 letters/) } });
    const raw = (request: unknown) => socket.timeout(5000).emitWithAck('watch', request as never);
    expect(await raw({ protocol: 1, service: 'twitter' })).toMatchObject({ ok: false, error: { code: 'unsupported-protocol' } });
    expect(await raw({ service: 'twitter' })).toMatchObject({ ok: false, error: { code: 'unsupported-protocol', message: expect.stringMatching(/reload/) } });
    expect(await raw('twitter')).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await raw({ protocol: 2, service: 'twitter', t: 'yesterday' })).toMatchObject({ ok: false, error: { code: 'invalid-time' } });
    expect(await raw({ protocol: 2, service: 'twitter', t: Date.now() + 3600_000 })).toMatchObject({ ok: false, error: { code: 'invalid-time', message: expect.stringMatching(/future/) } });
    expect(await raw({ protocol: 2, channel: 'no-such-wall' })).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    expect(server.app.engine.counts()).toEqual({ live: 0, replay: 0, channel: 0 });
  });

  it('refuses a watch of an unknown service and creates nothing for it', async () => {
    server = await servers.start();
    const socket = client();
    for (let i = 0; i < 20; i++) {
      expect(await watch(socket, { service: `invented-${i}` })).toEqual({ ok: false, error: { code: 'unknown-service', message: `unknown service "invented-${i}"` } });
    }
    expect(server.app.engine.counts().live).toBe(0);
    const res = await fetch(`${server.url}/api/live?service=invented-1`);
    expect(res.status).toBe(404);
    // A service fed by trusted ingest is known from then on, though not configured.
    await ingest([{ country: 'US', count: 2, service: 'mastodon' }]);
    expect(data(await watch(socket, { service: 'mastodon' })).countries.US?.count).toBe(2);
    expect(server.app.engine.counts().live).toBe(1);
  });
});

describe('simulation clock', () => {
  it('runs the live data time at the simulator speed, and returns to the wall clock when it ends', async () => {
    server = await servers.start();
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
    server = await servers.start({ frameMs: 50 });
    await fetch(`${server.url}/api/simulation/twitter`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ t: Date.now() - 3600_000, speed: 10, ttlMs: 1000 }) });
    expect(server.app.clocks.simulated('twitter')).toBe(true);
    await waitFor('lease expiry', () => (server!.app.clocks.simulated('twitter') ? undefined : true), 3000);
  });
});
