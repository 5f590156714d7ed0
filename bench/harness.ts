/**
 * What every process-based case of `npm run bench` shares: server processes (ours from a
 * checkout, or the bare baseline), worker processes driven over IPC, CPU and RSS from /proc,
 * and the statistics of alternated rounds. Self-contained: it imports nothing from the server,
 * so `--app DIR` can measure another checkout with this bench.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../tests/helpers/free-port.ts';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = path.dirname(BENCH_DIR);

/** A generator process above this share of a core may be what limits the case, not the server. */
export const SATURATED_MS_PER_S = 900;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- /proc

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Processes of this run that ended before it did, in words (reported when a /proc read fails). */
const deaths: string[] = [];
let tearingDown = false;

/** utime + stime of a process, ms. */
export function processCpuMs(pid: number): number {
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

/** Resident set size of a process, bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb ?? Number.NaN) * 1024;
}

/** Busy CPU of the whole machine, ms (all cores). */
function machineCpuMs(): number {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = values.map(Number);
  const idle = n[3]! + n[4]!;
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return ((total - idle) * 1000) / CLK_TCK;
}

function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface CpuReading {
  wallSeconds: number;
  /** CPU ms of the server in the window. */
  serverMs: number;
  /** CPU ms per wall second of each generator process (1000 = one core busy). */
  generators: number[];
  /** ms per wall second of the machine outside the server, the generators and this process. */
  othersPerSecond: number;
}

/** Starts a CPU window over a server and its generators; `read()` closes it. */
export function cpuWindow(serverPid: number, generatorPids: readonly number[]): { read(): CpuReading } {
  const began = performance.now();
  const server0 = processCpuMs(serverPid);
  const gens0 = generatorPids.map(processCpuMs);
  const own0 = ownCpuMs();
  const machine0 = machineCpuMs();
  return {
    read() {
      const wallSeconds = (performance.now() - began) / 1000;
      const serverMs = processCpuMs(serverPid) - server0;
      const gens = generatorPids.map((pid, i) => processCpuMs(pid) - gens0[i]!);
      const own = ownCpuMs() - own0;
      const others = machineCpuMs() - machine0 - serverMs - gens.reduce((a, b) => a + b, 0) - own;
      return { wallSeconds, serverMs, generators: gens.map((g) => g / wallSeconds), othersPerSecond: Math.max(0, others / wallSeconds) };
    },
  };
}

/**
 * Waits, up to `maxSeconds`, for a second in which the machine's busy time outside `pids` and this
 * process stays under `threshold` ms/s (others share this machine). Returns the seconds waited.
 */
export async function waitQuiet(pids: readonly number[], maxSeconds: number, threshold = 300): Promise<number> {
  const began = performance.now();
  while ((performance.now() - began) / 1000 < maxSeconds) {
    const ours0 = pids.reduce((a, pid) => a + processCpuMs(pid), 0) + ownCpuMs();
    const machine0 = machineCpuMs();
    const t0 = performance.now();
    await sleep(1000);
    const ours = pids.reduce((a, pid) => a + processCpuMs(pid), 0) + ownCpuMs() - ours0;
    const others = ((machineCpuMs() - machine0 - ours) * 1000) / (performance.now() - t0);
    if (others < threshold) break;
  }
  return (performance.now() - began) / 1000;
}

// ---------------------------------------------------------------- processes

function git(dir: string, ...args: string[]): string {
  try {
    return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).replace(/\n$/, '');
  } catch {
    return '';
  }
}

/** The commit of a checkout, and which server/shared files differ from it. */
export function describeCheckout(dir: string): string {
  const commit = git(dir, 'log', '-1', '--format=%h %<(60,trunc)%s').trim();
  if (!commit) return 'not a git checkout';
  const dirty = git(dir, 'status', '--porcelain', '--untracked-files=no', '--', 'server', 'shared')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3));
  return dirty.length ? `${commit} + uncommitted changes to ${dirty.join(', ')}` : commit;
}

export function machine(): { cores: number; cpu: string; memoryGb: number; node: string; platform: string } {
  return { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(os.totalmem() / 1e9), node: process.version, platform: `${os.platform()} ${os.release()}` };
}

/** One reply of a given type from a child over IPC. */
export function ask<R extends { type: string }>(child: ChildProcess, command: object, type: R['type'], timeoutMs = 180_000): Promise<R> {
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

/** A bench/ module in its own process, driven over IPC; ends with the parent. */
export function forkWorker(file: string, args: string[] = []): ChildProcess {
  tearingDown = false;
  const child = fork(path.join(BENCH_DIR, file), args, { cwd: REPO_DIR, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.on('exit', (code, signal) => {
    if (!tearingDown) deaths.push(`${file} ${child.pid} exited with ${signal ?? code}`);
  });
  return child;
}

export function stopWorkers(children: readonly ChildProcess[]): void {
  tearingDown = true;
  for (const child of children) child.kill();
}

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function waitHealthy(url: string, child: ChildProcess, what: string, exited: () => number | null | undefined): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited() !== undefined) throw new Error(`${what} exited with ${exited()} before answering /healthz`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${what} did not answer /healthz within 60 s`);
    }
    await sleep(200);
  }
}

async function startProcess(what: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, port: number, ipc: boolean, cleanup: () => void): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => process.stderr.write(`  [${what}] ${d}`));
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`  [${what}] ${d}`));
  let exitCode: number | null | undefined;
  let stopping = false;
  child.on('exit', (code, signal) => {
    exitCode = code;
    if (!stopping) deaths.push(`${what} ${child.pid} exited with ${signal ?? code}`);
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child, what, () => exitCode);
  return {
    url,
    port,
    pid: child.pid!,
    child,
    async stop() {
      stopping = true;
      if (exitCode === undefined) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(timer);
      }
      cleanup();
    },
  };
}

/**
 * Our server as `npm start` runs it, from the checkout `app`, on a fresh SQLite folder.
 * `env` adds settings (FRAME_MS, TRUST_PROXY, DURABILITY...). BENCH_CPU_PROF=DIR writes its
 * CPU profile there (node refuses --cpu-prof in NODE_OPTIONS).
 */
export async function startOurs(app: string, env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'outage-map-bench-'));
  const full: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, BUNDLED_REPLAYS: '0', LOG_LEVEL: 'warn', BUILD_CLIENT: '0', NODE_ENV: 'production', ...env };
  delete full.INGEST_TOKEN; // loopback ingest is trusted without a token
  delete full.CONTROL_TOKEN;
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : [];
  return startProcess('ours', [...profile, '--import', 'tsx', 'server/index.ts'], app, full, port, false, () => rmSync(dataDir, { recursive: true, force: true }));
}

/** The bare baseline (bench/bare-server.ts); `socketio` attaches a bare Socket.IO server too. */
export async function startBare(options: { socketio: boolean }): Promise<ServerProcess> {
  const port = await freePort();
  const args = ['--import', 'tsx', path.join(BENCH_DIR, 'bare-server.ts'), String(port), options.socketio ? 'socketio' : 'http'];
  return startProcess('bare', args, REPO_DIR, { ...process.env }, port, true, () => {});
}

/** Whether the checkout's configuration knows a setting (read from its source, not run). */
export function appHasSetting(app: string, envName: string): boolean {
  const file = path.join(app, 'server/config.ts');
  return existsSync(file) && readFileSync(file, 'utf8').includes(`'${envName}'`);
}

// ---------------------------------------------------------------- statistics

export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), values: [...values] };
}

/** Runs `a` and `b` alternately, `rounds` times each, after one unmeasured warm-up of each. */
export async function alternate<T>(rounds: number, a: (warmup: boolean) => Promise<T>, b: (warmup: boolean) => Promise<T>): Promise<{ a: T[]; b: T[] }> {
  await a(true);
  await b(true);
  const out = { a: [] as T[], b: [] as T[] };
  for (let i = 0; i < rounds; i++) {
    out.a.push(await a(false));
    out.b.push(await b(false));
  }
  return out;
}
