import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { PlayheadFeed, frameVerdict, type FeedError } from '../../client/feed.ts';
import type { Snapshot } from '../../shared/protocol.ts';
import { postJson, startServer, tempDataDir, waitFor, type RunningServer } from '../helpers/server.ts';

const TOKEN = 'feed-test-token-long-enough';
const PEAK = Date.UTC(2022, 11, 29, 0, 45);

describe('frame order', () => {
  const held = { service: 'twitter', seq: 7 };

  it('applies the frame after the one held', () => {
    expect(frameVerdict(held, { service: 'twitter', seq: 8 }, false)).toBe('apply');
  });

  it('drops a frame at or before the one held', () => {
    expect(frameVerdict(held, { service: 'twitter', seq: 7 }, false)).toBe('drop');
    expect(frameVerdict(held, { service: 'twitter', seq: 3 }, false)).toBe('drop');
  });

  it('calls a skipped frame a gap', () => {
    expect(frameVerdict(held, { service: 'twitter', seq: 9 }, false)).toBe('gap');
  });

  it('drops every frame while a watch is in flight: they belong to the room being left', () => {
    expect(frameVerdict(held, { service: 'twitter', seq: 8 }, true)).toBe('drop');
    expect(frameVerdict(held, { service: 'twitter', seq: 20 }, true)).toBe('drop');
  });

  it('drops frames before any snapshot and frames of another service', () => {
    expect(frameVerdict(undefined, { service: 'twitter', seq: 1 }, false)).toBe('drop');
    expect(frameVerdict(held, { service: 'rogers', seq: 8 }, false)).toBe('drop');
  });
});

describe('playhead feed against a real server', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function server(options: Parameters<typeof startServer>[1] = {}): Promise<RunningServer> {
    const running = await startServer({ frameMs: 100, controlToken: TOKEN }, options);
    cleanup.push(() => running.close());
    return running;
  }

  function feedOf(url: string, options: ConstructorParameters<typeof PlayheadFeed>[0] = {}): PlayheadFeed {
    const feed = new PlayheadFeed({ url, reconnectDelayMs: 50, reconnectDelayMaxMs: 200, ...options });
    cleanup.push(() => feed.close());
    return feed;
  }

  it('watches live and applies the frames that follow its snapshot, in seq order', async () => {
    const { url } = await server();
    const feed = feedOf(url);
    const seqs: number[] = [];
    feed.on('snapshot', (s) => seqs.push(s.seq));
    feed.on('frame', (f) => seqs.push(f.seq));
    feed.watch({ service: 'twitter' });
    await waitFor('the snapshot', () => feed.snapshot());
    expect(feed.connection()).toBe('live');
    expect((await postJson(`${url}/api/ingest`, [{ service: 'twitter', country: 'JP', at: Date.now(), count: 40 }])).status).toBe(200);
    await waitFor('Japan in a frame', () => (feed.states().JP?.count === 40 ? true : undefined));
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
  });

  it('shows every answer of a drag but ends on the last position asked for', async () => {
    const { url } = await server({ bundled: true });
    const feed = feedOf(url);
    const shown: Snapshot[] = [];
    feed.on('snapshot', (s) => shown.push(s));
    feed.watch({ service: 'twitter' });
    await waitFor('the live snapshot', () => feed.snapshot());
    const positions = [10, 20, 30, 40, 50].map((m) => PEAK - m * 60_000);
    for (const t of positions) feed.watch({ service: 'twitter', t, speed: 60, playing: false });
    await waitFor('the last position', () => (!feed.busy() && feed.snapshot()?.clock.t === positions.at(-1) ? true : undefined));
    // One watch at a time: the first is sent at once, the rest collapse into the latest.
    expect(shown.filter((s) => s.mode === 'replay').length).toBeLessThanOrEqual(2);
    expect(feed.dataTime()).toBe(positions.at(-1));
  });

  it('resumes a playing replay from where it had got to after the server comes back', async () => {
    const dataDir = tempDataDir();
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startServer({ frameMs: 100 }, { bundled: true, dataDir });
    const port = Number(new URL(first.url).port);
    const feed = feedOf(first.url);
    feed.watch({ service: 'twitter', t: PEAK, speed: 600, playing: true });
    await waitFor('the replay', () => (feed.snapshot()?.mode === 'replay' ? true : undefined));
    await waitFor('ten data minutes played', () => (feed.dataTime() > PEAK + 10 * 60_000 ? true : undefined), 10_000);
    // The data time at the moment the connection dropped: where the replay had got to.
    let reached = 0;
    feed.on('connection', (state) => {
      if (state !== 'live' && !reached) reached = feed.dataTime();
    });
    await first.close();
    await waitFor('the drop', () => reached || undefined);
    const second = await startServer({ frameMs: 100 }, { bundled: true, dataDir, port });
    cleanup.push(() => second.close());
    const resumed = await waitFor('the new snapshot', () => {
      const snapshot = feed.snapshot()!;
      return feed.connection() === 'live' && !feed.busy() && snapshot.clock.t > PEAK ? snapshot : undefined;
    }, 10_000);
    // Where it had got to, not the start: it played on at 600x for the few milliseconds between
    // the watch and the server reading its clock (30 s of data is 50 ms of wall time).
    expect(reached).toBeGreaterThan(PEAK + 10 * 60_000);
    expect(Math.abs(resumed.clock.t - reached)).toBeLessThan(30_000);
    expect(resumed.clock.playing).toBe(true);
    expect(resumed.clock.speed).toBe(600);
  }, 30_000);

  it('asks again for a channel that does not exist yet, until a producer creates it', async () => {
    const { url } = await server({ bundled: true });
    const feed = feedOf(url, { retryMs: 100 });
    const refusals: Array<{ error: FeedError; retrying: boolean }> = [];
    feed.on('refused', (error, _target, retrying) => refusals.push({ error, retrying }));
    feed.watch({ channel: 'wall-1' });
    await waitFor('a refusal', () => refusals[0]);
    expect(refusals[0]).toMatchObject({ error: { code: 'unknown-channel' }, retrying: true });
    const res = await fetch(`${url}/api/channels/wall-1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ service: 'twitter' }),
    });
    expect(res.status).toBe(200);
    const snapshot = await waitFor('the channel', () => feed.snapshot());
    expect(snapshot.channel?.name).toBe('wall-1');
  });

  it('names a refused time by its code and does not ask again', async () => {
    const { url } = await server();
    const feed = feedOf(url);
    const refused = new Promise<[FeedError, boolean]>((resolve) => feed.on('refused', (error, _t, retrying) => resolve([error, retrying])));
    feed.watch({ service: 'twitter', t: Date.UTC(1990, 0, 1), playing: false });
    const [error, retrying] = await refused;
    expect(error.code).toBe('invalid-time');
    expect(retrying).toBe(false);
  });
});
