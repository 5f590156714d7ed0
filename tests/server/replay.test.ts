import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { applyChanges } from '../../shared/frame.ts';
import type { CountryStates, Incident, Snapshot } from '../../shared/protocol.ts';
import { useServers } from '../helpers/per-test.ts';
import { waitFor, watch, type RunningServer, type TestSocket } from '../helpers/server.ts';

const servers = useServers();
let server: RunningServer | undefined;

function client(): TestSocket {
  return servers.client(server!);
}

async function replayAt(socket: TestSocket, t: number, service = 'twitter'): Promise<Snapshot> {
  const ack = await watch(socket, { service, t, speed: 60, playing: false });
  if (!ack.ok) throw new Error(ack.error.message);
  return ack.data;
}

const PUBLISHED = { US: 10_400, JP: 2_500, GB: 2_500 };

describe('bundled Twitter replay', () => {
  it('shows the published peaks per country, within 10%, between 00:30 and 01:15 UTC', async () => {
    server = await servers.start({}, { bundled: true });
    const socket = client();
    const best: Record<string, number> = { US: 0, JP: 0, GB: 0 };
    let usPeakAt = 0;
    for (let t = Date.UTC(2022, 11, 29, 0, 20); t <= Date.UTC(2022, 11, 29, 1, 30); t += 60_000) {
      const { countries } = await replayAt(socket, t);
      for (const code of Object.keys(best)) {
        const count = countries[code]?.count ?? 0;
        if (count > best[code]!) {
          best[code] = count;
          if (code === 'US') usPeakAt = t;
        }
      }
    }
    for (const [code, published] of Object.entries(PUBLISHED)) {
      expect(Math.abs(best[code]! - published) / published, `${code}: ${best[code]} against ${published}`).toBeLessThan(0.1);
    }
    expect(usPeakAt).toBeGreaterThanOrEqual(Date.UTC(2022, 11, 29, 0, 30));
    expect(usPeakAt).toBeLessThanOrEqual(Date.UTC(2022, 11, 29, 1, 15));
    const quiet = await replayAt(socket, Date.UTC(2022, 11, 28, 22, 14));
    expect(quiet.countries.US?.count ?? 0).toBeLessThan(0.02 * PUBLISHED.US);
  });

  it('lists the outage as an incident with its peak, countries and the reconstruction note', async () => {
    server = await servers.start({}, { bundled: true });
    const res = await (await fetch(`${server.url}/api/incidents?service=twitter`)).json();
    const incidents = res.data as Incident[];
    expect(incidents).toHaveLength(1);
    const [incident] = incidents as [Incident];
    expect(incident.level).toBe('outage');
    expect(incident.start).toBeGreaterThanOrEqual(Date.UTC(2022, 11, 28, 23, 45));
    expect(incident.start).toBeLessThanOrEqual(Date.UTC(2022, 11, 29, 0, 30));
    expect(incident.end).toBeGreaterThan(Date.UTC(2022, 11, 29, 2, 0));
    expect(incident.peak).toBeGreaterThanOrEqual(Date.UTC(2022, 11, 29, 0, 30));
    expect(incident.peak).toBeLessThanOrEqual(Date.UTC(2022, 11, 29, 1, 15));
    expect(incident.countries.slice(0, 3).map((c) => c.country).sort()).toEqual(['GB', 'JP', 'US']);
    expect(incident.note).toMatch(/Reconstructed from press reports, not Downdetector's raw data/);
    expect(incident.sources?.length).toBeGreaterThan(0);
    const rogers = (await (await fetch(`${server.url}/api/incidents?service=rogers`)).json()).data as Incident[];
    expect(rogers[0]?.countries[0]?.country).toBe('CA');
  });
});

describe('replay channel', () => {
  it('plays forward at its speed, pauses, and stops at the live edge', async () => {
    server = await servers.start({}, { bundled: true });
    const socket = client();
    let states: CountryStates = {};
    const frameTimes: number[] = [];
    socket.on('frame', (frame) => {
      expect(frame.mode).toBe('replay');
      frameTimes.push(frame.t);
      states = applyChanges(states, frame.changes);
    });
    const start = Date.UTC(2022, 11, 29, 0, 10);
    const ack = await watch(socket, { service: 'twitter', t: start, speed: 600, playing: true });
    if (!ack.ok) throw new Error(ack.error.message);
    states = ack.data.countries;
    expect(ack.data.clock).toMatchObject({ speed: 600, playing: true });
    await waitFor('five replay frames', () => (frameTimes.length >= 5 ? true : undefined));
    // 100 ms frames at 600x: each frame moves the playhead about one data minute.
    const steps = frameTimes.slice(1).map((t, i) => t - frameTimes[i]!);
    for (const step of steps) expect(step).toBeGreaterThan(30_000);
    const paused = await watch(socket, { service: 'twitter', t: start, speed: 600, playing: false });
    if (!paused.ok) throw new Error(paused.error.message);
    const afterPause = frameTimes.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(frameTimes.length).toBe(afterPause);

    // 30 s behind at 60x: the present is reached in about half a second, after the ack.
    const nearLive = Date.now() - 30_000;
    const pushed = new Promise<Snapshot>((resolve) => socket.once('snapshot', resolve));
    const playing = await watch(socket, { service: 'twitter', t: nearLive, speed: 60, playing: true });
    if (!playing.ok) throw new Error(playing.error.message);
    expect(playing.data.clock.playing).toBe(true);
    // It reached the present and paused there: one whole snapshot says so, numbered next.
    const atPresent = await pushed;
    expect(atPresent.clock).toMatchObject({ playing: false });
    expect(atPresent.seq).toBeGreaterThan(playing.data.seq);
    expect(atPresent.t).toBeLessThanOrEqual(Date.now());
  });

  it('refuses an impossible speed with the reason', async () => {
    server = await servers.start();
    const ack = await watch(client(), { service: 'twitter', t: Date.UTC(2022, 11, 29), speed: 1e6 });
    expect(ack).toEqual({ ok: false, error: { code: 'invalid-request', message: 'invalid watch: speed: must be at most 3600' } });
  });
});

describe('replay equals live', () => {
  it('replays a simulated live run frame for frame', async () => {
    server = await servers.start({ frameMs: 100 });
    const socket = client();
    const recorded: Array<{ t: number; states: CountryStates }> = [];
    let states: CountryStates = {};
    const rewatch = async () => {
      const ack = await watch(socket, { service: 'twitter' });
      if (ack.ok) states = ack.data.countries;
    };
    // The simulation moves the live playhead: the room gets one whole snapshot, then deltas.
    socket.on('snapshot', (snapshot) => (states = snapshot.countries));
    socket.on('frame', (frame) => {
      if (frame.mode !== 'live') return;
      states = applyChanges(states, frame.changes);
      recorded.push({ t: frame.t, states });
    });
    await rewatch();
    const speed = 300;
    const simulator = spawn(process.execPath, ['--import', 'tsx', 'scripts/simulate.ts', '--scenario', 'twitter-2022-12-28', '--speed', String(speed), '--url', server.url, '--keep'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => simulator.on('exit', resolve));
    const nonEmpty = (r: { t: number; states: CountryStates }) => Object.keys(r.states).length > 0;
    await waitFor('60 live frames', () => (recorded.filter(nonEmpty).length >= 60 ? true : undefined), 75_000);
    simulator.kill('SIGINT');
    await exited;

    const comparable = recorded.filter(nonEmpty);
    expect(comparable.length).toBeGreaterThanOrEqual(60);
    // The run was kept apart from the real history, under its own key, and replays from there.
    const replayer = client();
    for (const { t, states: live } of comparable) {
      const replayed = await replayAt(replayer, t, 'twitter~sim');
      expect(replayed.countries, `frame at ${new Date(t).toISOString()}`).toEqual(live);
    }
  }, 90_000);
});
