import { describe, expect, it } from 'vitest';
import type { Incident, Snapshot, Timeline } from '../../shared/protocol.ts';
import { MINUTE_MS } from '../../shared/time.ts';
import { useServers } from '../helpers/per-test.ts';
import { postJson, watch, type RunningServer, type TestSocket } from '../helpers/server.ts';

const servers = useServers();
let server: RunningServer | undefined;

function client(): TestSocket {
  return servers.client(server!);
}

/** What the map shows at data time `t`: the snapshot a paused replay there acks with. */
async function frameAt(socket: TestSocket, service: string, t: number): Promise<Snapshot> {
  // The helper adds the protocol version: the request is {protocol: 2, service, t, playing: false}.
  const ack = await watch(socket, { service, t, playing: false });
  if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

async function timeline(query: Record<string, string | number>): Promise<Timeline> {
  const res = await fetch(`${server!.url}/api/timeline?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`);
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.data as Timeline;
}

function sum(values: Iterable<number>): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/** The chart's figures at point `i` against the frame's: every country, the total, the baseline. */
function expectSameFigures(data: Timeline, i: number, snapshot: Snapshot): void {
  const at = new Date(data.times[i]!).toISOString();
  const states = Object.values(snapshot.countries);
  expect(Object.keys(data.countries).length, at).toBeGreaterThan(0);
  for (const [code, series] of Object.entries(data.countries)) expect(series[i], `${code} at ${at}`).toBe(snapshot.countries[code]?.count ?? 0);
  expect(data.total[i], `total at ${at}`).toBe(sum(states.map((s) => s.count)));
  expect(data.baseline[i], `baseline at ${at}`).toBeCloseTo(sum(states.map((s) => s.baseline)), 5);
}

/** A seeded generator (mulberry32): the "random" moments are the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

// The bundled reconstruction runs from 22:02 on 28 December 2022 to 03:55 the next day (UTC).
const TWITTER = { from: Date.UTC(2022, 11, 28, 21, 0), to: Date.UTC(2022, 11, 29, 4, 30) };

describe('timeline', () => {
  it("equals the map's frame per country and in total at a dozen random moments of the Twitter replay", async () => {
    server = await servers.start({}, { bundled: true });
    const socket = client();
    const data = await timeline({ service: 'twitter', ...TWITTER, points: 1000 });
    expect(data.step).toBe(MINUTE_MS);
    expect(data.windowMinutes).toBe(15);
    expect(Object.keys(data.countries).slice(0, 3).sort()).toEqual(['GB', 'JP', 'US']);
    const next = random(20221229);
    for (let k = 0; k < 12; k++) {
      const i = Math.floor(next() * data.times.length);
      // Any moment inside the point's minute shows that minute's frame.
      const t = data.times[i]! + Math.floor(next() * MINUTE_MS);
      expectSameFigures(data, i, await frameAt(socket, 'twitter', t));
    }
  });

  it("zoomed out to whole slots, each point is still the frame's count at its time", async () => {
    server = await servers.start({}, { bundled: true });
    const socket = client();
    const data = await timeline({ service: 'twitter', ...TWITTER, points: 12 });
    expect(data.step).toBe(60 * MINUTE_MS);
    // Grid points end an hour; the range's own last minute is a point too, so the chart reaches it.
    expect(data.times.at(-1)).toBe(TWITTER.to);
    for (let i = 0; i < data.times.length; i++) expectSameFigures(data, i, await frameAt(socket, 'twitter', data.times[i]!));
  });

  it('keeps the same figure with a window that is not whole slots', async () => {
    server = await servers.start({ windowMinutes: 10 }, { bundled: true });
    const socket = client();
    for (const points of [12, 40]) {
      const data = await timeline({ service: 'twitter', ...TWITTER, points });
      expect(data.windowMinutes).toBe(10);
      expect(data.step % (15 * MINUTE_MS)).toBe(0);
      for (let i = 0; i < data.times.length; i += 3) expectSameFigures(data, i, await frameAt(socket, 'twitter', data.times[i]!));
    }
  });

  it("peaks where the incident's peak is, with the same count, in total and per country", async () => {
    server = await servers.start({}, { bundled: true });
    const socket = client();
    const [incident] = (await (await fetch(`${server.url}/api/incidents?service=twitter`)).json()).data as Incident[];
    expect(incident).toBeDefined();
    const data = await timeline({ service: 'twitter', from: incident!.start, to: incident!.end!, points: 1000 });
    expect(data.step).toBe(MINUTE_MS);
    const top = Math.max(...data.total);
    expect(incident!.peakCount).toBe(top);
    expect(data.total[data.times.indexOf(incident!.peak)]).toBe(top);
    const atPeak = await frameAt(socket, 'twitter', incident!.peak);
    expect(sum(Object.values(atPeak.countries).map((s) => s.count))).toBe(incident!.peakCount);
    for (const [code, series] of Object.entries(data.countries)) {
      expect(incident!.countries.find((c) => c.country === code)?.peakCount, code).toBe(Math.max(...series));
    }
  });

  it('shows a single pushed minute as its own count for one window, then nothing', async () => {
    const token = 'timeline-test-token-0123456789';
    server = await servers.start({ ingestToken: token });
    const socket = client();
    const minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 60 * MINUTE_MS;
    const codes = ['SG', 'US', 'GB', 'JP', 'DE', 'FR', 'IN', 'BR', 'CA', 'AU', 'ES', 'IT', 'NL', 'SE', 'MX', 'KR', 'ID', 'PH', 'MY'];
    const rows = codes.map((country, i) => ({ service: 'feedsvc', country, at: minute + i * 1000, count: i === 0 ? 3_000 : 10 * i }));
    expect(rows).toHaveLength(19);
    const pushed = await postJson(`${server.url}/api/ingest`, rows, { authorization: `Bearer ${token}` });
    expect(pushed.status).toBe(200);

    // The default range ends at the last stored minute.
    const data = await timeline({ service: 'feedsvc' });
    expect(data.times.at(-1)).toBe(minute);
    expect(data.countries.SG?.at(-1)).toBe(3_000);
    expect(data.total.at(-1)).toBe(sum(rows.map((r) => r.count)));
    expectSameFigures(data, data.times.length - 1, await frameAt(socket, 'feedsvc', minute + 30_000));

    const after = await timeline({ service: 'feedsvc', from: minute - 5 * MINUTE_MS, to: minute + 20 * MINUTE_MS });
    expect(after.step).toBe(MINUTE_MS);
    const sg = after.countries.SG!;
    for (let i = 0; i < after.times.length; i++) {
      const inWindow = after.times[i]! >= minute && after.times[i]! < minute + 15 * MINUTE_MS;
      expect(sg[i], new Date(after.times[i]!).toISOString()).toBe(inWindow ? 3_000 : 0);
    }
    expectSameFigures(after, after.times.indexOf(minute + 14 * MINUTE_MS), await frameAt(socket, 'feedsvc', minute + 14 * MINUTE_MS));
    expectSameFigures(after, after.times.indexOf(minute + 15 * MINUTE_MS), await frameAt(socket, 'feedsvc', minute + 15 * MINUTE_MS));
  });

  it('takes an explicit end past the wall clock as given (a simulated clock runs ahead)', async () => {
    server = await servers.start({}, { bundled: true });
    const to = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS + 6 * 60 * MINUTE_MS;
    const data = await timeline({ service: 'twitter', from: to - 24 * 60 * MINUTE_MS, to, points: 600 });
    expect(data.to).toBe(to + MINUTE_MS - 1);
    expect(data.times.at(-1)).toBe(to);
    const res = await fetch(`${server.url}/api/timeline?service=twitter&from=${to}&to=${to - MINUTE_MS}`);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/to: must not be before from/);
  });
});
