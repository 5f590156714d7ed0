/**
 * `npm run bench -- latency [--app DIR] [--quick] [--viewers N] [--frame-ms N]`: the live path, end to end, against a real
 * server process started from DIR (default: this checkout), so the same bench measures the code
 * before and after a rewrite of the live path.
 *
 * 1. Report-to-viewer latency: N viewers (default 1,000) over 4 viewer processes watch one service
 *    live; a prober POSTs one-row ingests at a steady pace, each bumping a country's count; every
 *    viewer notes when its map first shows that count. Latency = that moment minus the moment the
 *    ingest answer reached the prober (Date.now() in both processes, same machine).
 * 2. CPU of the live path: the server's utime+stime (/proc/<pid>/stat) per wall second with 1 and
 *    with 20 busy services (steady ingest plus 10 viewers each), against the same ingest with no
 *    viewers at all, windows alternating A B A B after a warm-up.
 *
 * Self-contained: it imports nothing from the server, so it also runs against older checkouts.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as connect } from 'socket.io-client';
import { COUNTRY_CODES } from '../shared/countries.ts';
import type { LoadCommand, LoadStats } from './latency-load.ts';
import type { ViewerCommand, ViewerReply, WireFormat } from './latency-viewer.ts';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_DIR = path.dirname(BENCH_DIR);
const PROBE_SERVICE = 'probe';
const BUSY = Array.from({ length: 20 }, (_, i) => `busy-${String(i + 1).padStart(2, '0')}`);
const SEEN_WITHIN_MS = 5000;
const HISTORY_MINUTES = 45;

export interface LatencyOptions {
  /** Checkout whose server/index.ts is started. */
  app: string;
  viewers: number;
  viewerProcesses: number;
  probesPerSecond: number;
  probeSeconds: number;
  /** Each CPU window, seconds. */
  windowSeconds: number;
  warmupSeconds: number;
  busyRowsPerSecond: number;
  busyPostsPerSecond: number;
  viewersPerBusy: number;
  /** FRAME_MS for the server; undefined: the app's default. */
  frameMs?: number;
  /** Before each measured window, wait up to this long for other work on the machine to calm down. */
  quietWaitSeconds: number;
}

export function latencyOptions(args: readonly string[]): LatencyOptions {
  const quick = args.includes('--quick');
  const at = args.indexOf('--app');
  const app = path.resolve(at >= 0 && args[at + 1] ? args[at + 1]! : REPO_DIR);
  const viewersAt = args.indexOf('--viewers');
  const frameMsAt = args.indexOf('--frame-ms');
  return {
    app,
    viewers: viewersAt >= 0 ? Number(args[viewersAt + 1]) : quick ? 200 : 1000,
    viewerProcesses: 4,
    probesPerSecond: 5,
    probeSeconds: quick ? 10 : 20,
    windowSeconds: quick ? 5 : 10,
    warmupSeconds: quick ? 3 : 5,
    busyRowsPerSecond: 20,
    busyPostsPerSecond: 10,
    viewersPerBusy: 10,
    frameMs: frameMsAt >= 0 ? Number(args[frameMsAt + 1]) : undefined,
    quietWaitSeconds: args.includes('--no-wait') ? 0 : quick ? 5 : 10,
  };
}

export interface CpuWindow {
  variant: 'viewers' | 'none';
  wallSeconds: number;
  /** CPU ms per wall second (1000 = one core busy). */
  server: number;
  load: number;
  viewers: number;
  parent: number;
  /** Everything else on the machine (other work in the same tree, the OS). */
  others: number;
  rowsPerSecond: number;
  failedPosts: number;
  skippedPosts: number;
  maxInFlight: number;
  loadLagMs: number;
  framesPerSecond: number;
  /** Seconds waited for a quieter machine before the window. */
  waited: number;
}

export interface CpuPhase {
  busy: number;
  viewers: number;
  windows: CpuWindow[];
}

export interface LatencyBench {
  app: string;
  commit: string;
  format: WireFormat;
  /** FRAME_MS as the server's snapshot states it. */
  frameMs: number | undefined;
  viewers: number;
  connectFailed: number;
  connectErrors: string[];
  connectSeconds: number;
  probes: number;
  pairs: number;
  missed: number;
  p50: number;
  p99: number;
  max: number;
  answerP50: number;
  answerP99: number;
  probeCpu: Omit<CpuWindow, 'variant' | 'rowsPerSecond' | 'failedPosts' | 'skippedPosts' | 'maxInFlight' | 'loadLagMs'>;
  cpu: CpuPhase[];
  processes: number;
  options: LatencyOptions;
}

// ---------------------------------------------------------------- processes and /proc

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Processes of this run that ended before it did, in words (checked when a /proc read fails). */
const deaths: string[] = [];

/** utime + stime of a process, ms. */
function processCpuMs(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    throw new Error(`process ${pid} is gone mid-run${deaths.length ? ` (${deaths.join('; ')})` : ''}`);
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Busy CPU of the whole machine, ms (all cores). */
function machineCpuMs(): number {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = values.map(Number);
  const idle = n[3]! + n[4]!;
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return ((total - idle) * 1000) / CLK_TCK;
}

function parentCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function git(dir: string, ...args: string[]): string {
  try {
    return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function describeCheckout(dir: string): string {
  const commit = git(dir, 'log', '-1', '--format=%h %s');
  if (!commit) return 'not a git checkout';
  const dirty = git(dir, 'status', '--porcelain', '--untracked-files=no', '--', 'server', 'shared')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3));
  return dirty.length ? `${commit} + uncommitted changes to ${dirty.join(', ')}` : commit;
}

/** One reply of a given type from a child over IPC. */
function ask<R extends { type: string }>(child: ChildProcess, command: object, type: R['type'], timeoutMs = 120_000): Promise<R> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`no "${type}" reply from child ${child.pid} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: R) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.send(command);
  });
}

let tearingDown = false;

function forkWorker(file: string): ChildProcess {
  const child = fork(path.join(BENCH_DIR, file), [], { cwd: REPO_DIR, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.on('exit', (code, signal) => {
    if (!tearingDown) deaths.push(`${file} ${child.pid} exited with ${signal ?? code}`);
  });
  return child;
}

// ---------------------------------------------------------------- the server

interface ServerProcess {
  url: string;
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

async function startServerProcess(app: string, services: string[], frameMs: number | undefined): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'outage-map-latency-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    BUNDLED_REPLAYS: '0',
    LOG_LEVEL: 'warn',
    BUILD_CLIENT: '0',
    SERVICES: services.join(','),
    NODE_ENV: 'production',
  };
  delete env.INGEST_TOKEN; // loopback ingest is trusted without a token
  delete env.CONTROL_TOKEN;
  if (frameMs === undefined) delete env.FRAME_MS; // the app's default (1000 ms before the rewrite)
  else env.FRAME_MS = String(frameMs);
  // BENCH_CPU_PROF=DIR writes the server's CPU profile there (node refuses --cpu-prof in NODE_OPTIONS).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'server/index.ts'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => process.stderr.write(`  [server] ${d}`));
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`  [server] ${d}`));
  let exited: number | null | undefined;
  let stopping = false;
  child.on('exit', (code, signal) => {
    exited = code;
    if (!stopping) deaths.push(`the server ${child.pid} exited with ${signal ?? code}`);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`the server in ${app} exited with ${exited} before answering /healthz`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server in ${app} did not answer /healthz within 60 s`);
    }
    await sleep(200);
  }
  return {
    url,
    child,
    pid: child.pid!,
    async stop() {
      stopping = true;
      if (exited === undefined) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Which wire format the server speaks: protocol v2 first, then the old `{service}`. */
async function detectFormat(url: string, service: string): Promise<{ format: WireFormat; frameMs: number | undefined }> {
  const socket = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const errors: string[] = [];
    for (const [format, request] of [['v2', { protocol: 2, service }], ['v1', { service }]] as const) {
      const ack = (await socket.timeout(10_000).emitWithAck('watch', request)) as { ok: boolean; data?: { frameMs?: number }; error?: unknown };
      if (ack.ok) return { format, frameMs: ack.data?.frameMs };
      errors.push(`${format}: ${JSON.stringify(ack.error)}`);
    }
    throw new Error(`the server refused both watch formats (${errors.join('; ')})`);
  } finally {
    socket.disconnect();
  }
}

// ---------------------------------------------------------------- ingest from the parent

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function postIngest(url: string, rows: unknown[]): Promise<number> {
  const body = JSON.stringify(rows);
  return new Promise((resolve, reject) => {
    const req = http.request(new URL('/api/ingest', url), { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(res.statusCode) : reject(new Error(`ingest answered ${res.statusCode}: ${text.slice(0, 300)}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** 45 minutes of history for each busy service, at the rate the busy load keeps up afterwards. */
async function prefill(url: string, services: string[], rowsPerSecond: number): Promise<void> {
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  for (const service of services) {
    const rows: Array<{ service: string; country: string; at: number; count: number }> = [];
    for (let m = HISTORY_MINUTES; m >= 1; m--) {
      const counts = new Map<string, number>();
      for (let i = 0; i < rowsPerSecond * 60; i++) {
        const country = COUNTRY_CODES[Math.floor(Math.random() * COUNTRY_CODES.length)]!;
        counts.set(country, (counts.get(country) ?? 0) + 1);
      }
      for (const [country, count] of counts) rows.push({ service, country, at: now - m * 60_000, count });
    }
    // In requests under the server's rows-per-request limit (10,000 by default) and its 1 MB body.
    for (let i = 0; i < rows.length; i += 5_000) await postIngest(url, rows.slice(i, i + 5_000));
  }
}

// ---------------------------------------------------------------- statistics

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

interface Meter {
  read(): Omit<CpuWindow, 'variant' | 'rowsPerSecond' | 'failedPosts' | 'skippedPosts' | 'maxInFlight' | 'loadLagMs' | 'framesPerSecond' | 'waited'>;
}

function meter(serverPid: number, loadPid: number, viewerPids: number[]): Meter {
  const began = performance.now();
  const server0 = processCpuMs(serverPid);
  const load0 = processCpuMs(loadPid);
  const viewers0 = viewerPids.reduce((a, pid) => a + processCpuMs(pid), 0);
  const parent0 = parentCpuMs();
  const machine0 = machineCpuMs();
  return {
    read() {
      const wallSeconds = (performance.now() - began) / 1000;
      const server = processCpuMs(serverPid) - server0;
      const load = processCpuMs(loadPid) - load0;
      const viewers = viewerPids.reduce((a, pid) => a + processCpuMs(pid), 0) - viewers0;
      const parent = parentCpuMs() - parent0;
      const machine = machineCpuMs() - machine0;
      const per = (ms: number) => ms / wallSeconds;
      return { wallSeconds, server: per(server), load: per(load), viewers: per(viewers), parent: per(parent), others: Math.max(0, per(machine - server - load - viewers - parent)) };
    },
  };
}

/**
 * Waits, up to `maxSeconds`, for a second in which the machine's busy time outside the bench
 * stays under `threshold` ms/s (others share this machine: test suites, browsers). Returns the
 * seconds waited.
 */
async function waitQuiet(pids: () => number[], maxSeconds: number, threshold = 300): Promise<number> {
  const began = performance.now();
  while ((performance.now() - began) / 1000 < maxSeconds) {
    const ours0 = pids().reduce((a, pid) => a + processCpuMs(pid), 0) + parentCpuMs();
    const machine0 = machineCpuMs();
    const t0 = performance.now();
    await sleep(1000);
    const ours = pids().reduce((a, pid) => a + processCpuMs(pid), 0) + parentCpuMs() - ours0;
    const others = ((machineCpuMs() - machine0 - ours) * 1000) / (performance.now() - t0);
    if (others < threshold) break;
  }
  return (performance.now() - began) / 1000;
}

// ---------------------------------------------------------------- the bench

export async function benchLatency(options: LatencyOptions): Promise<LatencyBench> {
  tearingDown = false;
  deaths.length = 0;
  const { app } = options;
  const commit = describeCheckout(app);
  console.error(`latency: server from ${app} (${commit})`);
  const server = await startServerProcess(app, [PROBE_SERVICE, ...BUSY], options.frameMs);
  const viewerProcs = Array.from({ length: options.viewerProcesses }, () => forkWorker('latency-viewer.ts'));
  const loadProc = forkWorker('latency-load.ts');
  const viewerPids = viewerProcs.map((c) => c.pid!);
  try {
    const { format, frameMs } = await detectFormat(server.url, PROBE_SERVICE);
    console.error(`  wire format: ${format === 'v2' ? 'protocol v2 (plain-object frames)' : 'old (JSON-string frames, watch {service})'}`);

    /** Spreads `services` (one per viewer) over the viewer processes, round robin. */
    const connectViewers = async (services: string[]) => {
      const parts = viewerProcs.map((_, p) => services.filter((_, i) => i % viewerProcs.length === p));
      const replies = await Promise.all(
        viewerProcs.map((child, p) => ask<Extract<ViewerReply, { type: 'connected' }>>(child, { type: 'connect', url: server.url, services: parts[p]!, format } satisfies ViewerCommand, 'connected')),
      );
      return { failed: replies.reduce((a, r) => a + r.failed, 0), errors: replies.flatMap((r) => r.errors) };
    };
    const disconnectViewers = () => Promise.all(viewerProcs.map((child) => ask(child, { type: 'disconnect' } satisfies ViewerCommand, 'disconnected')));
    const counters = async () => {
      const replies = await Promise.all(viewerProcs.map((child) => ask<Extract<ViewerReply, { type: 'counters' }>>(child, { type: 'counters' } satisfies ViewerCommand, 'counters')));
      return replies.reduce((a, r) => a + r.frames, 0);
    };

    // ---- 1. latency at N viewers
    console.error(`  connecting ${options.viewers} viewers over ${viewerProcs.length} processes ...`);
    const connectStarted = performance.now();
    const connected = await connectViewers(Array.from({ length: options.viewers }, () => PROBE_SERVICE));
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    if (connected.failed) console.error(`  ${connected.failed} viewers failed to watch: ${connected.errors.join('; ')}`);
    await sleep(2000);

    // Every probe bumps one country's count by one: the viewer knows it saw probe i when that
    // country's count first reaches the count probe i made. 50 countries in turn at 5/s: a country
    // comes round every 10 s, longer than the 5 s a probe may take.
    const probeCountries = COUNTRY_CODES.filter((_, i) => i % 5 === 0).slice(0, 50);
    const probeCount = options.probesPerSecond * options.probeSeconds;
    const probes: Array<{ country: string; count: number; sentAt: number; answeredAt: number }> = [];
    const counts = new Map<string, number>();
    console.error(`  ${probeCount} probes at ${options.probesPerSecond}/s ...`);
    const allPids = () => [server.pid, loadProc.pid!, ...viewerPids];
    const probeWaited = await waitQuiet(allPids, options.quietWaitSeconds);
    await counters();
    const probeMeter = meter(server.pid, loadProc.pid!, viewerPids);
    const began = performance.now();
    for (let i = 0; i < probeCount; i++) {
      const wait = began + (i * 1000) / options.probesPerSecond - performance.now();
      if (wait > 0) await sleep(wait);
      const country = probeCountries[i % probeCountries.length]!;
      const count = (counts.get(country) ?? 0) + 1;
      counts.set(country, count);
      const sentAt = Date.now();
      await postIngest(server.url, [{ service: PROBE_SERVICE, country, at: sentAt, count: 1 }]);
      probes.push({ country, count, sentAt, answeredAt: Date.now() });
    }
    await sleep(SEEN_WITHIN_MS);
    const probeFrames = await counters();
    const probeCpu = { ...probeMeter.read(), framesPerSecond: 0, waited: probeWaited };
    probeCpu.framesPerSecond = probeFrames / probeCpu.wallSeconds;
    const seen = await Promise.all(
      viewerProcs.map((child) =>
        ask<Extract<ViewerReply, { type: 'firstSeen' }>>(child, { type: 'firstSeen', service: PROBE_SERVICE, probes: probes.map(({ country, count }) => ({ country, count })) } satisfies ViewerCommand, 'firstSeen'),
      ),
    );
    const latencies: number[] = [];
    let missed = 0;
    for (const reply of seen) {
      for (const times of reply.times) {
        times.forEach((t, j) => {
          const latency = t - probes[j]!.answeredAt;
          if (t < 0 || latency > SEEN_WITHIN_MS) {
            missed++;
            latencies.push(Number.POSITIVE_INFINITY);
          } else latencies.push(latency);
        });
      }
    }
    latencies.sort((a, b) => a - b);
    const answers = probes.map((p) => p.answeredAt - p.sentAt).sort((a, b) => a - b);
    await disconnectViewers();

    // ---- 2. CPU of the live path
    console.error(`  prefilling ${HISTORY_MINUTES} minutes of history for ${BUSY.length} busy services ...`);
    await prefill(server.url, BUSY, options.busyRowsPerSecond);
    const cpu: CpuPhase[] = [];
    for (const busy of [1, 20]) {
      const services = BUSY.slice(0, busy);
      const viewerServices = services.flatMap((s) => Array.from({ length: options.viewersPerBusy }, () => s));
      console.error(`  CPU with ${busy} busy service(s): warm-up ${options.warmupSeconds} s, then windows of ${options.windowSeconds} s, with ${viewerServices.length} viewers / none, twice ...`);
      loadProc.send({ type: 'load', url: server.url, services, countries: [...COUNTRY_CODES], rowsPerSecond: options.busyRowsPerSecond, postsPerSecond: options.busyPostsPerSecond } satisfies LoadCommand);
      await connectViewers(viewerServices);
      let watching = true;
      await sleep(options.warmupSeconds * 1000);
      const windows: CpuWindow[] = [];
      for (let round = 0; round < 2; round++) {
        for (const variant of ['viewers', 'none'] as const) {
          if (variant === 'viewers' && !watching) {
            const result = await connectViewers(viewerServices);
            if (result.failed) console.error(`  ${result.failed} viewers failed to watch: ${result.errors.join('; ')}`);
            watching = true;
          } else if (variant === 'none' && watching) {
            await disconnectViewers();
            watching = false;
          }
          await sleep(2000);
          const waited = await waitQuiet(allPids, options.quietWaitSeconds);
          await ask(loadProc, { type: 'stats' } satisfies LoadCommand, 'stats');
          await counters();
          const m = meter(server.pid, loadProc.pid!, viewerPids);
          await sleep(options.windowSeconds * 1000);
          const frames = await counters();
          const load = await ask<LoadStats>(loadProc, { type: 'stats' } satisfies LoadCommand, 'stats');
          const reading = m.read();
          windows.push({
            variant,
            ...reading,
            rowsPerSecond: load.rows / reading.wallSeconds,
            failedPosts: load.failed,
            skippedPosts: load.skipped,
            maxInFlight: load.maxInFlight,
            loadLagMs: load.meanLagMs,
            framesPerSecond: frames / reading.wallSeconds,
            waited,
          });
          const w = windows.at(-1)!;
          console.error(`    ${variant.padEnd(7)} server ${w.server.toFixed(0)} ms/s, load ${w.load.toFixed(0)}, viewers ${w.viewers.toFixed(0)}, others ${w.others.toFixed(0)}; ${w.rowsPerSecond.toFixed(0)} rows/s (${w.maxInFlight} posts waiting at most), ${w.framesPerSecond.toFixed(0)} frames/s delivered`);
        }
      }
      if (watching) await disconnectViewers();
      loadProc.send({ type: 'load', url: server.url, services: [], countries: [], rowsPerSecond: 0, postsPerSecond: 1 } satisfies LoadCommand);
      cpu.push({ busy, viewers: viewerServices.length, windows });
    }

    return {
      app,
      commit,
      format,
      frameMs,
      viewers: options.viewers,
      connectFailed: connected.failed,
      connectErrors: connected.errors,
      connectSeconds,
      probes: probes.length,
      pairs: latencies.length,
      missed,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: latencies.at(-1) ?? Number.NaN,
      answerP50: quantile(answers, 0.5),
      answerP99: quantile(answers, 0.99),
      probeCpu,
      cpu,
      processes: 1 + viewerProcs.length + 1 + 1,
      options,
    };
  } finally {
    tearingDown = true;
    for (const child of [...viewerProcs, loadProc]) child.kill();
    agent.destroy();
    await server.stop();
  }
}

// ---------------------------------------------------------------- the report

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : `> ${SEEN_WITHIN_MS}`);
const f0 = (n: number) => n.toFixed(0);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Rows for the `| measure | ours | baseline | ratio |` table, and notes to print under it. */
export function latencyRows(r: LatencyBench): { rows: string[]; notes: string[] } {
  const o = r.options;
  const rows = [
    `| live latency, ${r.viewers} viewers: ingest answer to the viewer's frame showing the report, p50 ms | ${ms(r.p50)} | | |`,
    `| same, p99 ms vs the target 250 ms | ${ms(r.p99)} | 250 | ${Number.isFinite(r.p99) ? (r.p99 / 250).toFixed(2) : '-'} |`,
    `| same: (viewer, probe) pairs not seen within 5 s, of ${r.pairs} (${r.probes} probes at ${o.probesPerSecond}/s); slowest seen ms | ${r.missed} | | ${ms(r.max)} |`,
    `| same: ingest answer time, p50 / p99 ms; viewers connected in s (${r.connectFailed} failed) | ${r.answerP50.toFixed(0)} / ${r.answerP99.toFixed(0)} | | ${r.connectSeconds.toFixed(1)} |`,
    `| same: CPU ms per wall s during the probes: server / ${o.viewerProcesses} viewer processes / everything else; frames delivered/s; s waited for a quieter machine | ${f0(r.probeCpu.server)} / ${f0(r.probeCpu.viewers)} / ${f0(r.probeCpu.others)} | ${f0(r.probeCpu.framesPerSecond)} | ${f0(r.probeCpu.waited)} |`,
  ];
  for (const phase of r.cpu) {
    const withViewers = phase.windows.filter((w) => w.variant === 'viewers');
    const without = phase.windows.filter((w) => w.variant === 'none');
    const a = mean(withViewers.map((w) => w.server));
    const b = mean(without.map((w) => w.server));
    const label = `${phase.busy} busy service${phase.busy > 1 ? 's' : ''}`;
    rows.push(
      `| server CPU ms per wall s, ${label} (${o.busyRowsPerSecond} rows/s each in ${o.busyPostsPerSecond} POSTs/s, ${o.viewersPerBusy} viewers each = ${phase.viewers}): with viewers vs the same ingest, no viewers | ${f0(a)} | ${f0(b)} | ${(a / b).toFixed(2)} |`,
      `| same: the live path's share (difference), ms per s; windows A / B / A / B | ${f0(a - b)} | | ${phase.windows.map((w) => f0(w.server)).join(' / ')} |`,
      `| same: load generator ms/s, rows/s answered, frames/s delivered (A / B / A / B) | ${phase.windows.map((w) => f0(w.load)).join(' / ')} | ${phase.windows.map((w) => f0(w.rowsPerSecond)).join(' / ')} | ${phase.windows.map((w) => f0(w.framesPerSecond)).join(' / ')} |`,
      `| same: most ingest POSTs waiting for an answer at once (A / B / A / B; ${o.busyPostsPerSecond * phase.busy} are sent per s) | ${phase.windows.map((w) => w.maxInFlight).join(' / ')} | | |`,
      `| same: viewer processes / everything else on the machine, ms/s; s waited for a quieter machine (A / B / A / B) | ${phase.windows.map((w) => f0(w.viewers)).join(' / ')} | ${phase.windows.map((w) => f0(w.others)).join(' / ')} | ${phase.windows.map((w) => f0(w.waited)).join(' / ')} |`,
    );
  }
  const troubles = r.cpu.flatMap((p) => p.windows.map((w) => ({ ...w, busy: p.busy }))).filter((w) => w.failedPosts || w.skippedPosts || w.loadLagMs > 20);
  const notes = [
    `Live path measured on ${r.app} at ${r.commit}, wire format ${r.format === 'v2' ? 'protocol v2' : 'old (v1)'}; server started as its own process (\`node --import tsx server/index.ts\`, FRAME_MS ${r.frameMs ?? '?'} ms (${o.frameMs === undefined ? "the app's default" : 'set by --frame-ms'}), SQLite in a fresh folder).`,
    `${r.processes} processes shared the machine's cores: the server, ${o.viewerProcesses} viewer processes (socket.io-client, websocket), the load generator, and this bench (the prober). "Everything else" is the machine's busy time outside them (other work on the machine, the OS).`,
    `Latency: viewer receipt (Date.now() in the viewer process when the frame or snapshot arrived) minus the moment the ingest POST's answer reached the prober; negative when the frame beats the HTTP answer. A pair not seen within 5 s counts as infinitely slow in the percentiles. CPU: utime+stime from /proc per wall second (1000 = one core); busy services had ${HISTORY_MINUTES} minutes of history at the same rate before the windows; ${o.warmupSeconds} s warm-up, ${o.windowSeconds} s windows, 2 s settling after viewers connect or leave, then up to ${o.quietWaitSeconds} s waiting for a second in which everything else stays under 300 ms/s (\`--no-wait\` skips it).`,
  ];
  if (troubles.length) notes.push(`Load generator trouble in ${troubles.length} window(s): ${troubles.map((w) => `${w.busy} busy, ${w.variant}: ${w.failedPosts} failed, ${w.skippedPosts} skipped, lag ${w.loadLagMs.toFixed(0)} ms`).join('; ')}.`);
  if (r.connectFailed) notes.push(`${r.connectFailed} viewers failed to watch: ${r.connectErrors.join('; ')}`);
  return { rows, notes };
}
