/**
 * Real processes for the multi-node tests: server nodes (`tsx server/index.ts` children), a
 * database of their own in the test PostgreSQL, a private Redis or PostgreSQL a test may stop and
 * start, a TCP balancer in front of the nodes, and viewers that keep the state a page would.
 * Everything started here is stopped by `Processes.stopAll()`, failures included.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { applyChanges } from '../../shared/frame.ts';
import type { CountryStates, Frame, Snapshot } from '../../shared/protocol.ts';
import { connectClient, watch, type TestSocket } from '../helpers/server.ts';
import { redisArgs, waitForPort } from '../setup/redis.ts';
import { freePort } from '../helpers/free-port.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const INGEST_TOKEN = 'cluster-test-ingest-token';
export const CONTROL_TOKEN = 'cluster-test-control-token';

/** A server of tests/setup/ as `inject` gives it: its address, or why it could not start (the test fails saying so). */
export function need<T extends object>(setting: T | { error: string }): T {
  if ('error' in setting) throw new Error(setting.error);
  return setting;
}

/** A database of its own on the test Redis (1-14; 15 is the outage tests'): other files' channels and leases cannot leak in. */
export function ownRedisDatabase(redisUrl: string): string {
  return `${redisUrl}/${1 + Math.floor(Math.random() * 14)}`;
}

/** Polls `probe` (sync or async) until it returns a value, or rejects after `ms` saying what it waited for. */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface Node {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** The node's log lines (pino JSON). */
  logs: string[];
  exited: Promise<number | null>;
}

/** Everything a test started, stopped in reverse order by `stopAll`. */
export class Processes {
  private readonly stops: Array<() => Promise<void> | void> = [];

  add(stop: () => Promise<void> | void): void {
    this.stops.push(stop);
  }

  async stopAll(): Promise<void> {
    for (const stop of this.stops.reverse()) await Promise.resolve().then(stop).catch((error: unknown) => console.error('cleanup:', error));
    this.stops.length = 0;
  }

  /**
   * Nodes named `names` on one database and one Redis: the first creates the schema, the others
   * start together and find it migrated.
   */
  async nodes(names: string[], settings: { databaseUrl: string; redisUrl: string }): Promise<Node[]> {
    const [first, ...rest] = names;
    const head = await this.node(first!, settings);
    return [head, ...(await Promise.all(rest.map((name) => this.node(name, settings))))];
  }

  /** Starts `server/index.ts` on a free port against `databaseUrl` and `redisUrl`. */
  async node(name: string, settings: { databaseUrl: string; redisUrl: string; port?: number; env?: Record<string, string> }): Promise<Node> {
    const dataDir = mkdtempSync(path.join(tmpdir(), `outage-map-${name}-`));
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        NODE_ENV: 'test',
        PORT: String(settings.port ?? 0),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DATABASE_URL: settings.databaseUrl,
        REDIS_URL: settings.redisUrl,
        BUILD_CLIENT: '0',
        BUNDLED_REPLAYS: '0',
        LOG_LEVEL: 'info',
        // Reports carry X-Forwarded-For from the test (one person and network each), as behind nginx.
        TRUST_PROXY: 'loopback',
        INGEST_TOKEN,
        CONTROL_TOKEN,
        SHUTDOWN_MS: '3000',
        ...settings.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: string[] = [];
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let buffered = '';
    const url = new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString();
        let nl;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          logs.push(line);
          const found = /outage-map on (http:\/\/[^\s]+)/.exec(line);
          if (found) resolve(found[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
      void exited.then((code) => reject(new Error(`node ${name} exited (${code}) before listening:\n${logs.join('\n')}`)));
    });
    this.add(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      const address = await url;
      return { name, url: address, port: Number(new URL(address).port), child, logs, exited };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A database of its own in the test PostgreSQL, dropped after. */
  async database(serverUrl: string): Promise<string> {
    const name = `cluster_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    this.add(async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    });
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  /** A Redis of this test's own, which it may crash (SIGKILL) and start again on the same port. */
  async redis(command: string): Promise<PrivateRedis> {
    const redis = new PrivateRedis(command, await freePort());
    await redis.start();
    this.add(() => redis.stop());
    return redis;
  }

  /** A PostgreSQL cluster of this test's own, which it may stop and start again. */
  async postgres(): Promise<PrivatePostgres> {
    const db = await PrivatePostgres.create();
    this.add(() => db.destroy());
    return db;
  }

  /** A TCP balancer on loopback in front of `backends`. */
  async balancer(backends: number[]): Promise<Balancer> {
    const balancer = new Balancer(backends);
    await balancer.listen();
    this.add(() => balancer.close());
    return balancer;
  }

  viewer(url: string, service: string): Viewer {
    const viewer = new Viewer(url, service);
    this.add(() => void viewer.socket.close());
    return viewer;
  }
}

export class PrivateRedis {
  private child: ChildProcess | undefined;
  readonly url: string;

  constructor(
    private readonly command: string,
    readonly port: number,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(this.command, redisArgs(this.port), { stdio: 'ignore', detached: true });
    await waitForPort(this.port);
  }

  /** A crash: SIGKILL, and everything it held is gone (it keeps nothing on disk). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

export class PrivatePostgres {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://app@127.0.0.1:${this.port}/postgres`;
  }

  private static run(cmd: string, args: string[]): void {
    if (process.getuid?.() === 0) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
    else execFileSync(cmd, args, { stdio: 'pipe' });
  }

  static async create(): Promise<PrivatePostgres> {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    const bin = path.join('/usr/lib/postgresql', versions[0] ?? '15', 'bin');
    const dir = mkdtempSync(path.join(tmpdir(), 'outage-map-pg-own-'));
    if (process.getuid?.() === 0) {
      chmodSync(dir, 0o755);
      execFileSync('chown', ['postgres', dir]);
    }
    const db = new PrivatePostgres(bin, dir, await freePort());
    PrivatePostgres.run(path.join(bin, 'initdb'), ['-D', path.join(dir, 'data'), '-U', 'app', '--auth=trust', '-E', 'UTF8']);
    db.start();
    return db;
  }

  start(): void {
    PrivatePostgres.run(path.join(this.bin, 'pg_ctl'), ['-D', path.join(this.dir, 'data'), '-l', path.join(this.dir, 'log'), '-w', '-o', `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir}`, 'start']);
  }

  /** Stops it at once (`immediate`: connections are cut, as in a crash; recovery runs at the next start). */
  stop(): void {
    PrivatePostgres.run(path.join(this.bin, 'pg_ctl'), ['-D', path.join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }

  destroy(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * What a load balancer does for WebSockets: each new connection goes to the first backend that
 * accepts it, in turn; a dead backend is skipped. `backends` may be changed while it runs.
 */
export class Balancer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private next = 0;
  url = '';

  constructor(public backends: number[]) {
    this.server = net.createServer((client) => this.route(client, 0));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  private route(client: net.Socket, tried: number): void {
    if (tried >= this.backends.length) return void client.destroy();
    const port = this.backends[this.next++ % this.backends.length]!;
    const upstream = net.connect(port, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    let connected = false;
    client.pause();
    upstream.once('connect', () => {
      connected = true;
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      upstream.destroy();
      this.sockets.delete(upstream);
      // Refused (a dead node): the next one. Cut later: the client sees its connection close.
      if (!connected) this.route(client, tried + 1);
      else client.destroy();
    });
    upstream.on('close', () => connected && client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => {
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * A viewer of one service's live map, keeping its state as a page does: a snapshot on every
 * (re)connection, then the frames that follow it in sequence. Records when each frame arrived.
 */
export class Viewer {
  readonly socket: TestSocket;
  states: CountryStates = {};
  seq = -1;
  /** The clock of the last snapshot (a simulation moves it). */
  clock: Snapshot['clock'] | undefined;
  snapshots = 0;
  gaps = 0;
  readonly frames: Array<{ at: number; frame: Frame }> = [];
  /** The snapshot of each (re)connection, with when it came. */
  readonly joins: Array<{ at: number; snapshot: Snapshot }> = [];

  constructor(url: string, service: string) {
    this.socket = connectClient(url, 100);
    const join = () =>
      void watch(this.socket, { service }).then(
        (ack) => {
          if (!ack.ok) return;
          this.states = ack.data.countries;
          this.seq = ack.data.seq;
          this.clock = ack.data.clock;
          this.snapshots++;
          this.joins.push({ at: Date.now(), snapshot: ack.data });
        },
        () => {},
      );
    this.socket.on('connect', join);
    this.socket.on('frame', (frame) => {
      if (frame.seq <= this.seq) return;
      if (frame.seq !== this.seq + 1) {
        this.gaps++;
        return join();
      }
      this.seq = frame.seq;
      this.states = applyChanges(this.states, frame.changes);
      this.frames.push({ at: Date.now(), frame });
    });
    this.socket.on('snapshot', (snapshot) => {
      this.states = snapshot.countries;
      this.seq = snapshot.seq;
      this.clock = snapshot.clock;
    });
  }

  count(country: string): number {
    return this.states[country]?.count ?? 0;
  }

  /** Resolves once the viewer holds a snapshot. */
  ready(): Promise<void> {
    return until('a snapshot', () => (this.snapshots > 0 ? true : undefined)).then(() => {});
  }
}

/** `POST /api/reports` as one distinct person of a distinct network (behind the balancer's X-Forwarded-For). */
export async function report(url: string, i: number, country = 'US', service = 'twitter'): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/api/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.${(i >> 8) & 255}.${i & 255}.7`, 'user-agent': `cluster-test ${i}` },
    body: JSON.stringify({ service, country }),
  });
  return { status: res.status, body: await res.json() };
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

/** The p-th percentile (0..100) of `values`, nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
