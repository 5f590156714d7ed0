import { describe, expect, it } from 'vitest';
import type { ChannelState, Incident, Snapshot } from '../../shared/protocol.ts';
import { dataTimeAt } from '../../shared/time.ts';
import { useServers } from '../helpers/per-test.ts';
import { waitFor, watch, type RunningServer, type StartOptions, type TestSocket } from '../helpers/server.ts';

const TOKEN = 'producer-token-for-tests';
const servers = useServers();

function start(overrides = {}, options: StartOptions = {}): Promise<RunningServer> {
  return servers.start({ controlToken: TOKEN, ...overrides }, { bundled: true, ...options });
}

function put(server: RunningServer, name: string, body: unknown, token: string | null = TOKEN) {
  return fetch(`${server.url}/api/channels/${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));
}

function screen(server: RunningServer): TestSocket {
  return servers.client(server);
}

/** The data time a screen derives from a snapshot's server-timestamped clock, at server time `now`. */
function screenTime(snapshot: Snapshot, now: number): number {
  return dataTimeAt(snapshot.clock, now);
}

describe('named channels', () => {
  it('refuses changes without the control token, and changes nothing', async () => {
    const server = await start();
    expect((await put(server, 'wall', { service: 'twitter' }, null)).status).toBe(401);
    const wrong = await put(server, 'wall', { service: 'twitter' }, 'not-the-producer-token');
    expect(wrong).toEqual({ status: 401, body: { ok: false, error: 'control: wrong token', code: 'unauthorized' } });
    expect((await (await fetch(`${server.url}/api/channels`)).json()).data).toEqual([]);
  });

  it('refuses every change while no control token is set', async () => {
    const server = await start({ controlToken: undefined });
    const res = await put(server, 'wall', { service: 'twitter' });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/control is disabled/);
  });

  it('names the field of a bad change', async () => {
    const server = await start();
    expect((await put(server, 'wall', { theme: 'neon' })).body.error).toMatch(/^invalid channel: theme: must be one of dark, light/);
    expect((await put(server, 'wall', { timeZone: 'Mars/Olympus' })).body.error).toMatch(/timeZone: "Mars\/Olympus" is not an IANA time zone/);
    expect((await put(server, 'wall', { camera: { mode: 'fixed', bounds: [1, 2] } })).status).toBe(400);
    expect((await put(server, 'bad name!', { theme: 'dark' })).body.error).toMatch(/^invalid path: name/);
    expect((await put(server, 'wall', { peak: 'no-such-incident' })).status).toBe(404);
  });

  it('stores the language of its screens, canonical, clears it with null, and refuses one without a catalogue', async () => {
    const server = await start();
    const set = await put(server, 'wall', { locale: 'ar' });
    expect(set.status).toBe(200);
    expect(set.body.data.locale).toBe('ar');
    const listed = (await (await fetch(`${server.url}/api/channels`)).json()).data as ChannelState[];
    expect(listed.find((c) => c.name === 'wall')?.locale).toBe('ar');
    // Another change leaves it alone; a region is kept in canonical case.
    expect((await put(server, 'wall', { theme: 'light' })).body.data.locale).toBe('ar');
    expect((await put(server, 'wall', { locale: 'en-gb' })).body.data.locale).toBe('en-GB');

    for (const bad of ['de', 'not a tag', 42]) {
      const refused = await put(server, 'wall', { locale: bad });
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('invalid-request');
      expect(refused.body.error).toMatch(/^invalid channel: locale: /);
    }
    expect((await put(server, 'wall', { locale: 'de' })).body.error).toMatch(/"de" is not a supported language tag: en, ar, fr/);
    expect((await (await fetch(`${server.url}/api/channels`)).json()).data[0].locale).toBe('en-GB');

    const cleared = await put(server, 'wall', { locale: null });
    expect(cleared.body.data).not.toHaveProperty('locale');
  });

  it('puts every screen of a channel on the same frame and data time when the producer seeks', async () => {
    const server = await start();
    const created = await put(server, 'wall', { service: 'twitter', headline: 'Twitter is down', timeZone: 'America/New_York' });
    expect(created.status).toBe(200);
    expect(created.body.data).toMatchObject({ name: 'wall', mode: 'live', headline: 'Twitter is down', version: 1 });

    const screens = [screen(server), screen(server)];
    const latest: Snapshot[] = [];
    for (const [i, s] of screens.entries()) {
      const ack = await watch(s, { channel: 'wall' });
      if (!ack.ok) throw new Error(ack.error.message);
      expect(ack.data.channel?.mode).toBe('live');
      s.on('snapshot', (snapshot) => (latest[i] = snapshot));
    }
    const peak = Date.UTC(2022, 11, 29, 0, 45);
    const seek = await put(server, 'wall', { t: peak, speed: 60, playing: true });
    expect(seek.body.data).toMatchObject({ mode: 'replay', speed: 60, playing: true, version: 2 });
    await waitFor('both screens told', () => (latest[0] && latest[1] ? true : undefined));
    const [a, b] = latest as [Snapshot, Snapshot];
    expect(a.channel).toEqual(b.channel);
    expect(a.countries).toEqual(b.countries);
    expect(a.countries.US!.count).toBeGreaterThan(9000);
    const now = Date.now();
    expect(Math.abs(screenTime(a, now) - screenTime(b, now))).toBe(0);
    expect(Math.abs(screenTime(a, now) - peak)).toBeLessThan(60 * 2_000);
  });

  it('pauses a replay that reaches the present for every screen, and stores it', async () => {
    const server = await start();
    // 30 s behind at 60x: the present is reached in about half a second.
    await put(server, 'wall', { service: 'twitter', t: Date.now() - 30_000, speed: 60, playing: true });
    const s = screen(server);
    const ack = await watch(s, { channel: 'wall' });
    if (!ack.ok) throw new Error(ack.error.message);
    expect(ack.data.clock.playing).toBe(true);
    const paused = await new Promise<Snapshot>((resolve) => s.on('snapshot', (snapshot) => !snapshot.clock.playing && resolve(snapshot)));
    expect(paused.seq).toBeGreaterThan(ack.data.seq);
    expect(paused.channel).toMatchObject({ mode: 'replay', playing: false });
    expect(paused.channel!.version).toBeGreaterThan(ack.data.channel!.version);
    expect(paused.t).toBeLessThanOrEqual(Date.now());
    const stored = (await (await fetch(`${server.url}/api/channels/wall`)).json()).data as ChannelState;
    expect(stored).toMatchObject({ playing: false, version: paused.channel!.version });
  });

  it('computes a live channel and the live map of its service once per moment', async () => {
    const server = await start({ frameMs: 20 });
    await put(server, 'wall', { service: 'twitter', mode: 'live' });
    const wall = screen(server);
    const viewer = screen(server);
    const onWall = await watch(wall, { channel: 'wall' });
    const onLive = await watch(viewer, { service: 'twitter' });
    if (!onWall.ok || !onLive.ok) throw new Error('watch refused');
    const before = server.app.frames.stats().computed;
    const seen: Array<Promise<unknown>> = [wall, viewer].map((s) => new Promise((resolve) => s.once('frame', resolve)));
    await fetch(`${server.url}/api/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ service: 'twitter', country: 'JP', at: Date.now(), count: 2529 }]) });
    const [a, b] = (await Promise.all(seen)) as Array<{ changes: Record<string, { count: number }> }>;
    expect(a!.changes.JP!.count).toBe(b!.changes.JP!.count);
    expect(server.app.frames.stats().computed - before).toBe(1);
  });

  it('jumps to an incident peak, paused', async () => {
    const server = await start();
    const [incident] = (await (await fetch(`${server.url}/api/incidents?service=twitter`)).json()).data as Incident[];
    const res = await put(server, 'wall', { service: 'twitter', peak: incident!.id });
    expect(res.body.data).toMatchObject({ mode: 'replay', t: incident!.peak, playing: false });
  });

  it('resumes every channel where it was after a restart', async () => {
    const dataDir = servers.dataDir();
    const first = await start({}, { dataDir });
    const t = Date.UTC(2022, 11, 29, 1, 0);
    await put(first, 'studio', { service: 'twitter', t, playing: false, theme: 'light', camera: { mode: 'fixed', bounds: [-25, 34, 45, 71] } });
    await put(first, 'wall', { service: 'rogers' });
    await first.close();

    const second = await start({}, { dataDir });
    const channels = (await (await fetch(`${second.url}/api/channels`)).json()).data as ChannelState[];
    expect(channels.map((c) => c.name)).toEqual(['studio', 'wall']);
    expect(channels[0]).toMatchObject({ mode: 'replay', t, playing: false, theme: 'light', camera: { mode: 'fixed', bounds: [-25, 34, 45, 71] } });
    expect(channels[1]).toMatchObject({ mode: 'live', service: 'rogers' });
    const ack = await watch(screen(second), { channel: 'studio' });
    expect(ack.ok && ack.data.t).toBe(t);
  });

  it('answers the clock-sync ping with the server clock', async () => {
    const server = await start();
    const socket = screen(server);
    const before = Date.now();
    const serverNow = await socket.timeout(2000).emitWithAck('time');
    expect(serverNow).toBeGreaterThanOrEqual(before);
    expect(serverNow).toBeLessThanOrEqual(Date.now());
  });

  it('answers a watch of an unknown channel with ok:false', async () => {
    const server = await start();
    expect(await watch(screen(server), { channel: 'nowhere' })).toEqual({ ok: false, error: { code: 'unknown-channel', message: 'no channel "nowhere"' } });
  });
});
