import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { createApplication, type Application } from '../../server/app.ts';
import { CLIENT_DIST } from '../../server/client-build.ts';
import { loadBundledReplays } from '../../server/bundled.ts';
import { loadConfig } from '../../server/config.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import type { ChannelStore, HistoryStore } from '../../server/store/store.ts';
import { applyChanges } from '../../shared/frame.ts';
import { PROTOCOL_VERSION, type Ack, type ClientToServerEvents, type CountryStates, type Frame, type ServerToClientEvents, type Snapshot, type WatchRequest, type WatchTarget } from '../../shared/protocol.ts';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface RunningServer {
  url: string;
  app: Application;
  store: HistoryStore & ChannelStore;
  dataDir: string;
  /** Stops the server and closes the store; the data folder is removed unless it was given. */
  close(): Promise<void>;
}

export interface StartOptions {
  withClient?: boolean;
  host?: string;
  /** Reuse a data folder (a restart); a fresh temporary one otherwise. */
  dataDir?: string;
  /** Load the bundled Twitter and Rogers replays, as `npm start` does. */
  bundled?: boolean;
  /** A fixed port (a restart that clients must find again); a free one otherwise. */
  port?: number;
  /** A store opened by the caller (benchmarks); the caller closes it. */
  store?: HistoryStore & ChannelStore;
}

export function tempDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'outage-map-test-'));
}

/** A real server on a free port of 127.0.0.1 over a real SQLite file, with fast frames unless told otherwise. */
export async function startServer(overrides: Parameters<typeof loadConfig>[2] = {}, options: StartOptions = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? tempDataDir();
  const config = loadConfig([], {}, { frameMs: 100, logLevel: 'silent', dataDir, ...overrides });
  const store = options.store ?? openSqliteStore(dataDir);
  if (options.bundled) await loadBundledReplays(store, { info: () => {} });
  const app = createApplication({
    config,
    logger: pino({ level: 'silent' }),
    store,
    clientDir: options.withClient ? CLIENT_DIST : undefined,
  });
  await app.start();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => app.httpServer.listen(options.port ?? 0, host, resolve));
  const { port } = app.httpServer.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    app,
    store,
    dataDir,
    async close() {
      await app.close();
      if (!options.store) await store.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

export function connectClient(url: string, reconnectionDelay = 50): TestSocket {
  return connect(url, { transports: ['websocket'], forceNew: true, reconnectionDelay, reconnectionDelayMax: Math.max(200, reconnectionDelay) });
}

/** Watches with this client's protocol version (a test of another version emits by hand). */
export function watch(socket: TestSocket, target: WatchTarget): Promise<Ack<Snapshot>> {
  const request: WatchRequest = { protocol: PROTOCOL_VERSION, ...target };
  return socket.timeout(5000).emitWithAck('watch', request);
}

/**
 * Watches `target` and keeps the state its frames build on the snapshot, as the page's feed does:
 * the frame listener is on before the watch is sent (a frame can arrive in the same network read
 * as the ack, before an awaiting caller could add one), frames up to the snapshot's `seq` are
 * dropped, and each later one must follow the one before it, or the test fails.
 */
export async function follow(socket: TestSocket, target: WatchTarget): Promise<{ snapshot: Snapshot; frames: Frame[]; states: () => CountryStates }> {
  const early: Frame[] = [];
  const frames: Frame[] = [];
  let snapshot: Snapshot | undefined;
  let states: CountryStates = {};
  const apply = (frame: Frame) => {
    const seq = frames.at(-1)?.seq ?? snapshot!.seq;
    if (frame.seq <= snapshot!.seq) return;
    if (frame.seq !== seq + 1) throw new Error(`frame ${frame.seq} after ${seq}: a frame was lost`);
    frames.push(frame);
    states = applyChanges(states, frame.changes);
  };
  socket.on('frame', (frame) => (snapshot ? apply(frame) : early.push(frame)));
  const ack = await watch(socket, target);
  if (!ack.ok) throw new Error(ack.error.message);
  snapshot = ack.data;
  states = snapshot.countries;
  for (const frame of early) apply(frame);
  return { snapshot, frames, states: () => states };
}

/** Polls `probe` until it returns a value, or rejects after `ms`. */
export function waitFor<T>(what: string, probe: () => T | undefined, ms = 5000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      const value = probe();
      if (value !== undefined) return resolve(value);
      if (Date.now() - started > ms) return reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      setTimeout(check, 20);
    };
    check();
  });
}
