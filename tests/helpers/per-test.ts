import { rmSync } from 'node:fs';
import { afterEach } from 'vitest';
import { connectClient, startServer, tempDataDir, type RunningServer, type StartOptions, type TestSocket } from './server.ts';

// Not in server.ts: the benchmarks import that outside vitest.

export interface Servers {
  /** Starts a server as `startServer` does; it is closed after the test, and closing it twice closes it once. */
  start(overrides?: Parameters<typeof startServer>[0], options?: StartOptions): Promise<RunningServer>;
  /** A Socket.IO client of `server`, disconnected after the test. */
  client(server: RunningServer, reconnectionDelay?: number): TestSocket;
  /** A data folder the test passes to its servers (a restart, its own store), removed after the test. */
  dataDir(): string;
}

/**
 * The servers and clients of a server test file, called at the file's top level: after each test,
 * every client it handed out is disconnected, then every server it started is closed, then its data
 * folders are removed. Hooks run in reverse order, so an `afterEach` the file registers before this
 * call runs after that cleanup.
 */
export function useServers(): Servers {
  const sockets: TestSocket[] = [];
  const servers: RunningServer[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    for (const server of servers.splice(0)) await server.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return {
    async start(overrides, options) {
      const started = await startServer(overrides, options);
      let closed: Promise<void> | undefined;
      const server = { ...started, close: () => (closed ??= started.close()) };
      servers.push(server);
      return server;
    },
    client(server, reconnectionDelay) {
      const socket = connectClient(server.url, reconnectionDelay);
      sockets.push(socket);
      return socket;
    },
    dataDir() {
      const dir = tempDataDir();
      dirs.push(dir);
      return dir;
    },
  };
}
