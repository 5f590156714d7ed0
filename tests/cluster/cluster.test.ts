/**
 * Three real server processes against one PostgreSQL and one Redis, as behind a load balancer.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONTROL_TOKEN, getJson, INGEST_TOKEN, need, type Node, ownRedisDatabase, percentile, Processes, report, until, type Viewer } from './nodes.ts';
import { connectClient, watch } from '../helpers/server.ts';

const postgres = inject('postgres');
const redis = inject('redis');

describe('three nodes', () => {
  const processes = new Processes();
  let a: Node;
  let b: Node;
  let c: Node;

  beforeAll(async () => {
    const databaseUrl = await processes.database(need(postgres).url);
    // Its own Redis: the channels and leases of other test files cannot leak in.
    const redisUrl = ownRedisDatabase(need(redis).url);
    [a, b, c] = await processes.nodes(['a', 'b', 'c'], { databaseUrl, redisUrl });
  });

  afterAll(() => processes.stopAll());

  it('answers /readyz on every node once Redis and PostgreSQL are reachable', async () => {
    for (const node of [a, b, c]) {
      const ready = await getJson(`${node.url}/readyz`);
      expect(ready.status, node.name).toBe(200);
    }
  });

  it('brings a report posted to node A to a viewer on node C within a second, and every node shows the same frames', async () => {
    const viewers: Viewer[] = [a, b, c].map((node) => processes.viewer(node.url, 'twitter'));
    await Promise.all(viewers.map((v) => v.ready()));
    const onC = viewers[2]!;
    const latencies: number[] = [];
    const base = onC.count('JP');
    for (let i = 0; i < 50; i++) {
      const sent = Date.now();
      const answer = await report(a.url, 1_000 + i, 'JP');
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      await until(`report ${i} on node C`, () => (onC.count('JP') >= base + i + 1 ? true : undefined), 5_000);
      latencies.push(Date.now() - sent);
    }
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(`report on node A to frame on node C over ${latencies.length} reports: p50 ${p50} ms, p99 ${p99} ms, max ${Math.max(...latencies)} ms`);
    expect(p99).toBeLessThan(1_000);

    // Identical frames: every node's viewer ends on the same states, and so does a fresh snapshot.
    const final = await until('the three viewers to agree', () => {
      const [x, y, z] = viewers.map((v) => JSON.stringify(sorted(v.states)));
      return x === y && y === z && viewers[0]!.count('JP') === base + 50 ? x : undefined;
    });
    const live = await getJson(`${b.url}/api/live?service=twitter`);
    expect(JSON.stringify(sorted(live.body.data.countries))).toBe(final);
    for (const v of viewers) expect(v.gaps).toBe(0);
  });

  it('keeps every node\'s viewers identical while all three nodes take reports at once', async () => {
    const viewers: Viewer[] = [a, b, c].map((node) => processes.viewer(node.url, 'twitter'));
    await Promise.all(viewers.map((v) => v.ready()));
    const base = viewers[0]!.count('IN');
    // Commits of three nodes interleave: their announcements reach each node in any order.
    const answers = await Promise.all([a, b, c].flatMap((node, n) => Array.from({ length: 30 }, (_, i) => report(node.url, 3_000 + n * 100 + i, 'IN'))));
    expect(answers.filter((x) => x.status !== 201).map((x) => JSON.stringify(x.body))).toEqual([]);
    const final = await until('the three viewers to agree on every report', () => {
      const [x, y, z] = viewers.map((v) => JSON.stringify(sorted(v.states)));
      return x === y && y === z && viewers[0]!.count('IN') === base + 90 ? x : undefined;
    });
    const live = await getJson(`${c.url}/api/live?service=twitter`);
    expect(JSON.stringify(sorted(live.body.data.countries))).toBe(final);
  });

  it('counts one person once, whichever node their reports reach', async () => {
    const first = await report(a.url, 7_001, 'FR');
    const again = await report(b.url, 7_001, 'FR');
    const third = await report(c.url, 7_001, 'FR');
    expect(first.status).toBe(201);
    expect([again.status, again.body.data.code]).toEqual([200, 'duplicate']);
    expect([third.status, third.body.data.code]).toEqual([200, 'duplicate']);
  });

  it('lets a producer on node A drive the screens on node B, with a version every node agrees on', async () => {
    const screen = connectClient(b.url);
    try {
      const put = (node: Node, body: object) =>
        fetch(`${node.url}/api/channels/lobby`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${CONTROL_TOKEN}` }, body: JSON.stringify(body) });
      expect((await put(a, { service: 'twitter', headline: 'one' })).status).toBe(200);
      const joined = await until('the channel on node B', async () => {
        const ack = await watch(screen, { channel: 'lobby' });
        return ack.ok ? ack.data : undefined;
      });
      expect(joined.channel?.headline).toBe('one');
      const next = new Promise<{ headline?: string; version?: number }>((resolve) => screen.on('snapshot', (s) => s.channel?.headline === 'two' && resolve(s.channel)));
      const sent = Date.now();
      const answer = await put(a, { headline: 'two' });
      expect(answer.status).toBe(200);
      const moved = await next;
      expect(Date.now() - sent).toBeLessThan(1_000);
      expect(moved.version).toBe(joined.channel!.version + 1);
      // A change made on node C starts from node A's: nothing is overwritten unseen.
      const onC = await (await put(c, { headline: 'three' })).json();
      expect(onC.data.version).toBe(joined.channel!.version + 2);
      const listed = await until('node B to hold version 3', async () => {
        const got = await getJson(`${b.url}/api/channels/lobby`);
        return got.body.data.version === joined.channel!.version + 2 ? got.body.data : undefined;
      });
      expect(listed.headline).toBe('three');
    } finally {
      screen.close();
    }
  });

  it('pauses a replay that reaches the present once for every node: the same version and moment everywhere', async () => {
    const screens = [a, b, c].map((node) => connectClient(node.url));
    try {
      const put = await fetch(`${a.url}/api/channels/catchup`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${CONTROL_TOKEN}` },
        body: JSON.stringify({ service: 'twitter', t: Date.now() - 3_000, speed: 10, playing: true }),
      });
      expect(put.status).toBe(200);
      const played = (await put.json()).data.version as number;
      // Every node's screens watch it, so every node's engine reaches the present and pauses.
      for (const screen of screens) await until('the channel', async () => ((await watch(screen, { channel: 'catchup' })).ok ? true : undefined));
      const states = await until('every node paused at one moment', async () => {
        const got = await Promise.all([a, b, c].map(async (node) => (await getJson(`${node.url}/api/channels/catchup`)).body.data));
        const same = got.every((x) => !x.playing && x.version === got[0].version && x.t === got[0].t);
        return same ? got : undefined;
      });
      expect(states[0].version).toBe(played + 1);
    } finally {
      for (const screen of screens) screen.close();
    }
  });

  it('shares a simulator\'s clock lease: leased on node A, fed through node B, shown on node C, ended on node C for node A', async () => {
    const trusted = { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` };
    const onA = processes.viewer(a.url, 'youtube');
    const onC = processes.viewer(c.url, 'youtube');
    await Promise.all([onA.ready(), onC.ready()]);
    const t = Date.UTC(2022, 11, 28, 12, 0);
    const lease = await fetch(`${a.url}/api/simulation/youtube`, { method: 'PUT', headers: trusted, body: JSON.stringify({ t, speed: 60, ttlMs: 30_000 }) });
    expect(lease.status).toBe(200);
    // Node C's viewer is moved to the simulated clock, at the same data time as node A's.
    await until('the simulated clock on node C', () => (onC.clock?.simulated ? true : undefined), 2_000);
    await until('the simulated clock on node A', () => (onA.clock?.simulated ? true : undefined), 2_000);
    expect(Math.abs(onC.clock!.t - t)).toBeLessThan(120_000);
    const fed = await fetch(`${b.url}/api/simulation/youtube/ingest`, { method: 'POST', headers: trusted, body: JSON.stringify([{ service: 'youtube', country: 'KR', at: new Date(t).toISOString(), count: 9 }]) });
    expect(fed.status).toBe(200);
    await until('the simulated rows on node C', () => (onC.count('KR') === 9 ? true : undefined), 2_000);
    expect((await fetch(`${c.url}/api/simulation/youtube`, { method: 'DELETE', headers: trusted })).status).toBe(200);
    await until('the real clock back on node A', () => (onA.clock && !onA.clock.simulated ? true : undefined), 2_000);
    expect(onA.count('KR')).toBe(0);
  });

  it('loses no acknowledged report when node B is killed, and its viewers resume on another node from a fresh snapshot', async () => {
    const balancer = await processes.balancer([b.port, c.port]);
    // The balancer sends the first connection to B.
    const viewer = processes.viewer(balancer.url, 'twitter');
    await viewer.ready();
    const before = viewer.count('DE');
    let acknowledged = 0;
    let sent = 0;
    let stop = false;
    // Reports to B (and A) keep coming while B dies; only 201s count as acknowledged.
    const writers = [b, a].map(async (node, w) => {
      for (let i = 0; !stop; i++) {
        sent++;
        const answer = await report(node.url, 20_000 + w * 5_000 + i, 'DE').catch(() => undefined);
        if (answer?.status === 201) acknowledged++;
        if (!answer && node === b) return;
      }
    });
    await until('some reports acknowledged', () => (acknowledged >= 20 ? true : undefined));
    b.child.kill('SIGKILL');
    await b.exited;
    await until('more reports on node A', () => (acknowledged >= 40 ? true : undefined));
    stop = true;
    await Promise.all(writers);

    // Reconnected through the balancer to C, with a fresh snapshot holding every acknowledged report.
    await until('a new snapshot after the reconnection', () => (viewer.joins.length >= 2 ? true : undefined));
    const stored = await until('every acknowledged report in the map', () => (viewer.count('DE') - before >= acknowledged ? viewer.count('DE') - before : undefined));
    expect(stored).toBeLessThanOrEqual(sent);
    const fresh = viewer.joins.at(-1)!.snapshot;
    expect(fresh.seq).toBeGreaterThanOrEqual(0);
    const live = await getJson(`${c.url}/api/live?service=twitter`);
    expect(live.body.data.countries.DE.count - before).toBeGreaterThanOrEqual(acknowledged);
  });
});

function sorted(states: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(states).sort(([x], [y]) => x.localeCompare(y)));
}
