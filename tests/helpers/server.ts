import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { createApplication, type Application } from '../../server/app.ts';
import { CLIENT_DIST } from '../../server/client-build.ts';
import { loadConfig } from '../../server/config.ts';
import type { Ack, ClientToServerEvents, ServerToClientEvents, Snapshot, WatchRequest } from '../../shared/protocol.ts';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface RunningServer {
  url: string;
  app: Application;
  close(): Promise<void>;
}

/** A real server on a free port of 127.0.0.1, with fast frames unless told otherwise. */
export async function startServer(
  overrides: Parameters<typeof loadConfig>[2] = {},
  options: { withClient?: boolean; host?: string } = {},
): Promise<RunningServer> {
  const config = loadConfig([], {}, { frameMs: 100, logLevel: 'silent', ...overrides });
  const app = createApplication({
    config,
    logger: pino({ level: 'silent' }),
    clientDir: options.withClient ? CLIENT_DIST : undefined,
  });
  app.start();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => app.httpServer.listen(0, host, resolve));
  const { port } = app.httpServer.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { url, app, close: () => app.close() };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

export function connectClient(url: string): TestSocket {
  return connect(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 50, reconnectionDelayMax: 200 });
}

export function watch(socket: TestSocket, request: WatchRequest): Promise<Ack<Snapshot>> {
  return socket.timeout(5000).emitWithAck('watch', request);
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
