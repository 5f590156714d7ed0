/**
 * `npm run bench -- live`: the live path against a bare Socket.IO 4.8 server, both as server
 * processes, with light viewers (bench/viewer.ts) spread over several processes and the ingest
 * from its own process (bench/feed.ts). Viewers step up (1,000, 3,000, 10,000); at each count:
 * - memory per connected idle viewer: RSS growth of each server over its viewers;
 * - fan-out: one POST a second changes 200 countries; ours turns it into a frame, the bare
 *   server broadcasts one of our frames (the same bytes) per POST. Server CPU (/proc) per
 *   delivered frame, windows alternated ours / bare after a warm-up of each;
 * - report answered -> frame at every viewer, under that fan-out: one-row probes of the other
 *   countries; each viewer notes when the first frame showing the probe reached it;
 * - the same at 1 frame/s (probes only): stepping the viewers up finds the knee, the most viewers
 *   one process holds with p99 <= 250 ms.
 */
import http from 'node:http';
import { io as connect } from 'socket.io-client';
import { COUNTRY_CODES } from '../shared/countries.ts';
import type { FeedCommand, FeedStats } from './feed.ts';
import { ask, cpuWindow, describeCheckout, forkWorker, quantile, rssBytes, sleep, spread, startBare, startOurs, stopWorkers, type ServerProcess } from './harness.ts';
import { atLeast, atMost, ratioRow, saturation, valueRow, type CaseResult, type Row } from './table.ts';
import type { ViewerCommand, ViewerReply } from './viewer.ts';

export interface LiveOptions {
  app: string;
  /** Fan-out and memory at each; also points on the knee's curve. */
  viewerCounts: number[];
  /** Report -> frame latency under the fan-out load at these counts. */
  latencyAt: number[];
  /**
   * Further viewer counts for the knee, ours alone: after the fan-out steps, the count halfway
   * between the largest that held p99 <= 250 ms and the smallest that did not is tried, until
   * none of these lies between.
   */
  kneeSteps: number[];
  viewerProcesses: number;
  rounds: number;
  windowSeconds: number;
  warmupSeconds: number;
  probesPerSecond: number;
  probeSeconds: number;
  kneeSeconds: number;
  /** Seconds between starting the feed on a server and measuring it. */
  settleSeconds: number;
  changingCountries: number;
}

export function liveOptions(quick: boolean, app: string): LiveOptions {
  return {
    app,
    viewerCounts: quick ? [1000] : [1000, 3000, 10000],
    latencyAt: quick ? [1000] : [3000, 10000],
    kneeSteps: quick ? [] : [2000, 5000, 7000, 10000, 14000, 18000],
    viewerProcesses: 4,
    rounds: quick ? 2 : 3,
    windowSeconds: quick ? 1.5 : 5,
    warmupSeconds: quick ? 1 : 3,
    probesPerSecond: 5,
    probeSeconds: quick ? 2 : 10,
    kneeSeconds: quick ? 3 : 10,
    settleSeconds: quick ? 0.7 : 1.5,
    changingCountries: 200,
  };
}

const SERVICE = 'bench';
const SEEN_WITHIN_MS = 5000;
const KNEE_P99_MS = 250;

/** The watch request the server accepts: protocol v2 first, then the old `{service}`. */
async function watchRequest(url: string): Promise<object> {
  const socket = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const errors: string[] = [];
    for (const request of [{ protocol: 2, service: SERVICE }, { service: SERVICE }]) {
      const ack = (await socket.timeout(10_000).emitWithAck('watch', request)) as { ok: boolean; error?: unknown };
      if (ack.ok) return request;
      errors.push(JSON.stringify(ack.error));
    }
    throw new Error(`the server refused both watch formats (${errors.join('; ')})`);
  } finally {
    socket.disconnect();
  }
}

/**
 * One probe POST on a fresh connection: a kept-alive socket idle past the server's keep-alive
 * timeout can be closed just as it is reused (ECONNRESET), and probes are only a few a second.
 */
function postIngest(url: string, rows: unknown[]): Promise<void> {
  const body = JSON.stringify(rows);
  return new Promise((resolve, reject) => {
    const req = http.request(new URL('/api/ingest', url), { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`ingest answered ${res.statusCode}: ${text.slice(0, 300)}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface FanoutWindow {
  frames: number;
  framesPerSecond: number;
  bytesPerFrame: number;
  cpuPerFrameUs: number;
  serverMsPerSecond: number;
  /** ms per wall s: the feed, then each viewer process. */
  generators: number[];
  othersPerSecond: number;
  feed: Omit<FeedStats, 'type'>;
}

interface LatencyRun {
  viewers: number;
  probes: number;
  pairs: number;
  missed: number;
  /** Probe POSTs that failed (not in `probes`). */
  failedProbes: string[];
  /** Probes no frame showed, per viewer process; distinct frames each process saw. */
  unshown: number[];
  distinctFrames: number[];
  p50: number;
  p99: number;
  max: number;
  viewerCpu: number[];
}

const progress = (text: string) => console.error(`  ${text}`);
const med = (windows: FanoutWindow[], key: 'framesPerSecond' | 'bytesPerFrame') => spread(windows.map((w) => w[key])).median.toFixed(0);
const peak = (perWindow: number[][]) => `${(Math.max(0, ...perWindow.flat()) / 10).toFixed(0)}% of a core`;

export async function benchLive(options: LiveOptions): Promise<CaseResult> {
  const [ours, bare] = await Promise.all([startOurs(options.app, { SERVICES: SERVICE }), startBare({ socketio: true })]);
  const viewerProcs = Array.from({ length: options.viewerProcesses }, () => forkWorker('viewer.ts'));
  const feed = forkWorker('feed.ts');
  const generatorPids = [feed.pid!, ...viewerProcs.map((c) => c.pid!)];
  const servers = [ours, bare];
  const feedCountries = COUNTRY_CODES.slice(0, options.changingCountries);
  const probeCountries = COUNTRY_CODES.slice(options.changingCountries);
  /** Probe counts so far per country (they only rise: the live window is 15 minutes). */
  const probeCounts = new Map<string, number>();
  const rows: Row[] = [];
  const notes: string[] = [];
  const detail: Record<string, unknown> = { commit: describeCheckout(options.app), options };
  try {
    const watch = await watchRequest(ours.url);
    const all = <R extends ViewerReply>(command: ViewerCommand, type: R['type']) => Promise.all(viewerProcs.map((child) => ask<R>(child, command, type)));
    const connected = [0, 0];
    const connectTo = async (target: number, total: number) => {
      const add = total - connected[target]!;
      if (add <= 0) return 0;
      const began = performance.now();
      const replies = await Promise.all(
        viewerProcs.map((child, p) => {
          const count = Math.floor(add / viewerProcs.length) + (p < add % viewerProcs.length ? 1 : 0);
          return ask<Extract<ViewerReply, { type: 'connected' }>>(child, { type: 'connect', url: servers[target]!.url, target, count, watch } satisfies ViewerCommand, 'connected', 600_000);
        }),
      );
      const failed = replies.reduce((a, r) => a + r.failed, 0);
      connected[target] = total - failed;
      if (failed) notes.push(`${failed} of ${add} viewers failed to connect to ${target ? 'bare' : 'ours'}: ${replies.flatMap((r) => r.errors).slice(0, 3).join('; ')}`);
      return (performance.now() - began) / 1000;
    };
    /** Ours to exactly `n` viewers: more connected, or some closed. */
    const setViewers = async (n: number) => {
      if (n >= connected[0]!) return connectTo(0, n);
      const drop = connected[0]! - n;
      await Promise.all(viewerProcs.map((child, p) => ask(child, { type: 'disconnect', target: 0, count: Math.floor(drop / viewerProcs.length) + (p < drop % viewerProcs.length ? 1 : 0) } satisfies ViewerCommand, 'disconnected')));
      connected[0] = n;
      return 0;
    };
    const counters = async () => {
      const replies = await all<Extract<ViewerReply, { type: 'counters' }>>({ type: 'counters' }, 'counters');
      return { frames: [0, 1].map((t) => replies.reduce((a, r) => a + r.frames[t]!, 0)), bytes: [0, 1].map((t) => replies.reduce((a, r) => a + r.bytes[t]!, 0)), sample: replies.find((r) => r.sample)?.sample };
    };
    const startFeed = (server: ServerProcess) => feed.send({ type: 'feed', url: server.url, service: SERVICE, countries: feedCountries, rowsPerPost: feedCountries.length, postsPerSecond: 1 } satisfies FeedCommand);
    const stopFeed = () => feed.send({ type: 'stop' } satisfies FeedCommand);

    const fanoutWindow = (target: number) => async (warmup: boolean): Promise<FanoutWindow> => {
      const server = servers[target]!;
      startFeed(server);
      await sleep((warmup ? options.warmupSeconds : options.settleSeconds) * 1000);
      await counters();
      await ask<FeedStats>(feed, { type: 'stats' } satisfies FeedCommand, 'stats');
      const cpu = cpuWindow(server.pid, generatorPids);
      await sleep(options.windowSeconds * 1000);
      const c = await counters();
      const reading = cpu.read();
      const { type: _, ...feedStats } = await ask<FeedStats>(feed, { type: 'stats' } satisfies FeedCommand, 'stats');
      stopFeed();
      if (target === 0 && c.sample) template = c.sample;
      const frames = c.frames[target]!;
      return {
        frames,
        framesPerSecond: frames / reading.wallSeconds,
        bytesPerFrame: c.bytes[target]! / Math.max(1, frames),
        cpuPerFrameUs: (reading.serverMs * 1000) / Math.max(1, frames),
        serverMsPerSecond: reading.serverMs / reading.wallSeconds,
        generators: reading.generators,
        othersPerSecond: reading.othersPerSecond,
        feed: feedStats,
      };
    };
    let template: string | undefined;

    /** Probes at `perSecond` for `seconds`; each viewer's delay from the probe's answer to its frame. */
    const probeLatency = async (perSecond: number, seconds: number): Promise<LatencyRun> => {
      await all({ type: 'record', on: true }, 'recording');
      const cpu = cpuWindow(ours.pid, generatorPids);
      const probes: Array<{ country: string; count: number; answeredAt: number }> = [];
      const failedProbes: string[] = [];
      const began = performance.now();
      for (let i = 0; i < perSecond * seconds; i++) {
        const wait = began + (i * 1000) / perSecond - performance.now();
        if (wait > 0) await sleep(wait);
        const country = probeCountries[probes.length % probeCountries.length]!;
        const count = (probeCounts.get(country) ?? 0) + 1;
        probeCounts.set(country, count);
        try {
          await postIngest(ours.url, [{ service: SERVICE, country, at: Date.now(), count: 1 }]);
          probes.push({ country, count, answeredAt: Date.now() });
        } catch (error) {
          // Not stored, or not known to be: a later probe of this country waits for a count it may already have.
          failedProbes.push((error as Error).message);
          probeCounts.set(country, count - 1);
        }
      }
      // Long enough for the last probe's frame at a p99 well past the target.
      await sleep(options.settleSeconds * 2000);
      const reading = cpu.read();
      const replies = await all<Extract<ViewerReply, { type: 'latencies' }>>({ type: 'latencies', probes }, 'latencies');
      await all({ type: 'record', on: false }, 'recording');
      const values = replies.flatMap((r) => r.values).map((v) => (v === null || v > SEEN_WITHIN_MS ? Number.POSITIVE_INFINITY : v));
      values.sort((a, b) => a - b);
      return {
        viewers: connected[0]!,
        probes: probes.length,
        pairs: values.length,
        missed: values.filter((v) => !Number.isFinite(v)).length,
        failedProbes,
        unshown: replies.map((r) => r.unshown),
        distinctFrames: replies.map((r) => r.frames),
        p50: quantile(values, 0.5),
        p99: quantile(values, 0.99),
        max: values.at(-1) ?? Number.NaN,
        viewerCpu: reading.generators.slice(1),
      };
    };

    const memory: Array<{ viewers: number; added: number[]; rssBefore: number[]; rssAfter: number[]; bytesPerViewer: number[]; connectSeconds: number[] }> = [];
    const fanout: Array<{ viewers: number; ours: FanoutWindow[]; bare: FanoutWindow[] }> = [];
    const latency: LatencyRun[] = [];
    const knee: LatencyRun[] = [];

    // A failure part way (a server gone, a refused connection) still reports the steps measured.
    try {
      for (const n of options.viewerCounts) {
        progress(`live, ${n.toLocaleString('en')} viewers: connecting to ours and to bare over ${viewerProcs.length} processes ...`);
        // Memory per viewer: RSS growth over the viewers this step adds, each server idle meanwhile.
        const before = [...connected];
        const rssBefore = servers.map((s) => rssBytes(s.pid));
        const connectSeconds = [await connectTo(0, n), await connectTo(1, n)];
        await sleep(options.settleSeconds * 2000);
        const rssAfter = servers.map((s) => rssBytes(s.pid));
        const added = connected.map((c, i) => c - before[i]!);
        memory.push({ viewers: n, added, rssBefore, rssAfter, bytesPerViewer: servers.map((_, i) => (rssAfter[i]! - rssBefore[i]!) / Math.max(1, added[i]!)), connectSeconds });

        progress(`live, ${n.toLocaleString('en')} viewers: fan-out, ${options.rounds} rounds of ${options.windowSeconds} s, ours / bare`);
        // Ours first: its warm-up provides the frame the bare server sends.
        const warm = await fanoutWindow(0)(true);
        if (!template) throw new Error(`no frame reached the viewers of our server during the warm-up (feed: ${warm.feed.posts} posts answered 200, ${warm.feed.failed} failed${warm.feed.lastError ? `, last: ${warm.feed.lastError}` : ''})`);
        bare.child.send({ type: 'template', frame: JSON.parse(template.slice(2))[1] });
        const windows = { a: [] as FanoutWindow[], b: [] as FanoutWindow[] };
        await fanoutWindow(1)(true);
        for (let round = 0; round < options.rounds; round++) {
          windows.a.push(await fanoutWindow(0)(false));
          windows.b.push(await fanoutWindow(1)(false));
        }
        fanout.push({ viewers: n, ours: windows.a, bare: windows.b });

        if (options.latencyAt.includes(n)) {
          progress(`live, ${n.toLocaleString('en')} viewers: report -> frame under the fan-out, ${options.probesPerSecond} probes/s for ${options.probeSeconds} s`);
          startFeed(ours);
          await sleep(options.settleSeconds * 1000);
          latency.push(await probeLatency(options.probesPerSecond, options.probeSeconds));
          stopFeed();
        }
        progress(`live, ${n.toLocaleString('en')} viewers: 1 frame/s (one probe a second) for ${options.kneeSeconds} s`);
        await sleep(options.settleSeconds * 1000);
        knee.push(await probeLatency(1, options.kneeSeconds));
      }
      // Beyond the largest count, ours alone (the bare viewers' sockets are freed for it).
      const tried = new Set(knee.map((k) => k.viewers));
      for (;;) {
        const held = Math.max(0, ...knee.filter((k) => k.p99 <= KNEE_P99_MS).map((k) => k.viewers));
        const failed = Math.min(Number.POSITIVE_INFINITY, ...knee.filter((k) => k.p99 > KNEE_P99_MS).map((k) => k.viewers));
        const between = options.kneeSteps.filter((n) => n > held && n < failed && !tried.has(n));
        if (!between.length) break;
        const n = between[Math.floor(between.length / 2)]!;
        tried.add(n);
        if (connected[1]) {
          // Ours alone from here: the bare server's viewers go.
          await all({ type: 'disconnect', target: 1 }, 'disconnected');
          connected[1] = 0;
        }
        progress(`live, knee: ${n.toLocaleString('en')} viewers of ours at 1 frame/s ...`);
        await setViewers(n);
        await sleep(options.settleSeconds * 2000);
        knee.push(await probeLatency(1, options.kneeSeconds));
      }
    } catch (error) {
      if (!fanout.length) throw error;
      notes.push(`Live stopped early: ${(error as Error).message}`);
    }

    // ---- rows
    for (const f of fanout) {
      const gens = [...f.ours, ...f.bare].map((w) => w.generators);
      const flags = saturation(gens, 'a viewer process or the feed');
      const feedTrouble = [...f.ours, ...f.bare].filter((w) => w.feed.failed || w.feed.skipped).length;
      if (feedTrouble) flags.push(`feed posts failed or skipped in ${feedTrouble} windows`);
      rows.push(ratioRow(`fan-out, ${f.viewers.toLocaleString('en')} viewers, ${options.changingCountries} countries changing each second: server CPU per delivered frame vs bare Socket.IO broadcast of the same bytes`, 'us', f.ours.map((w) => w.cpuPerFrameUs), f.bare.map((w) => w.cpuPerFrameUs), atMost(1.1), flags));
    }
    if (fanout.length >= 2) {
      // The slope between the smallest and the largest count: what one more viewer costs, without
      // the work a server does each second whoever watches (the ingest, computing the frame).
      const [lo, hi] = [fanout[0]!, fanout.at(-1)!];
      const slope = (x: FanoutWindow[], y: FanoutWindow[]) => x.map((w, i) => ((y[i]!.serverMsPerSecond - w.serverMsPerSecond) * 1000) / (y[i]!.framesPerSecond - w.framesPerSecond));
      rows.push(ratioRow(`same, marginal: server CPU per added delivered frame between ${lo.viewers.toLocaleString('en')} and ${hi.viewers.toLocaleString('en')} viewers (round by round)`, 'us', slope(lo.ours, hi.ours), slope(lo.bare, hi.bare)));
    }
    for (const l of latency) {
      const flags = [...saturation([l.viewerCpu], 'a viewer process'), ...(l.failedProbes.length ? [`${l.failedProbes.length} probe POSTs failed (${l.failedProbes[0]})`] : []), ...(l.missed ? [`${l.missed} of ${l.pairs} (viewer, probe) pairs not seen within 5 s (probes no frame showed, per viewer process: ${l.unshown.join('/')})`] : [])];
      rows.push(valueRow(`report answered -> frame at every viewer, ${l.viewers.toLocaleString('en')} viewers, under the fan-out: p50`, 'ms', [l.p50]));
      rows.push(valueRow(`same, ${l.viewers.toLocaleString('en')} viewers: p99`, 'ms', [l.p99], atMost(KNEE_P99_MS, ' ms'), flags));
    }
    const held = knee.filter((k) => k.p99 <= KNEE_P99_MS).map((k) => k.viewers);
    const kneeAt = held.length ? Math.max(...held) : 0;
    const beyond = knee.find((k) => k.p99 > KNEE_P99_MS);
    knee.sort((x, y) => x.viewers - y.viewers);
    rows.push(valueRow(`viewers one server process holds at 1 frame/s with p99 <= 250 ms (${knee.map((k) => `${k.viewers.toLocaleString('en')}: ${Number.isFinite(k.p99) ? k.p99.toFixed(0) : '> 5000'} ms`).join(', ')})`, 'viewers', [kneeAt], atLeast(10_000, ''), [
      ...(beyond ? [] : [`knee not reached: ${kneeAt.toLocaleString('en')} was the largest step`]),
      ...saturation(knee.map((k) => k.viewerCpu), 'a viewer process'),
    ]));
    rows.push(ratioRow(`memory per connected idle viewer (RSS growth / viewers added, stepping to ${memory.map((m) => m.viewers.toLocaleString('en')).join(', ')}) vs bare Socket.IO`, 'KB', memory.map((m) => m.bytesPerViewer[0]! / 1024), memory.map((m) => m.bytesPerViewer[1]! / 1024), atMost(1.2)));
    notes.push(
      `Live: ${viewerProcs.length} viewer processes (raw WebSocket Engine.IO clients), 1 feed process; per-process CPU in latest.json. Fan-out frames delivered per second and bytes per frame, ours / bare (medians): ${fanout.map((f) => `${f.viewers.toLocaleString('en')} viewers: ${med(f.ours, 'framesPerSecond')} / ${med(f.bare, 'framesPerSecond')} frames/s, ${med(f.ours, 'bytesPerFrame')} / ${med(f.bare, 'bytesPerFrame')} B`).join('; ')}. Busiest generator process in any fan-out window: ${peak(fanout.flatMap((f) => [...f.ours, ...f.bare].map((w) => w.generators)))}; in any latency window: ${peak([...latency, ...knee].map((l) => l.viewerCpu))}.`,
    );
    Object.assign(detail, { memory, fanout, latency, knee, kneeAt });
    return { name: 'live', rows, detail, notes };
  } finally {
    stopWorkers([...viewerProcs, feed]);
    await Promise.all([ours.stop(), bare.stop()]);
  }
}
