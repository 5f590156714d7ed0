import { afterEach } from 'vitest';
import { connectClient, startServer, type RunningServer, type StartOptions, type TestSocket } from './server.ts';

// Not in server.ts: the benchmarks import that outside vitest.

export interface Servers {
  /** Starts a server as `startServer` does; it is closed after the test, and closing it twice closes it once. */
  start(overrides?: Parameters<typeof startServer>[0], options?: StartOptions): Promise<RunningServer>;
  /** A Socket.IO client of `server`, disconnected after the test. */
  client(server: RunningServer, reconnectionDelay?: number): TestSocket;
}

/**
 * The servers and clients of a server test file, called at the file's top level: after each test,
 * every client it handed out is disconnected, then every server it started is closed. Hooks run in
 * reverse order, so an `afterEach` the file registers before this call runs after that cleanup.
 */
export function useServers(): Servers {
  const sockets: TestSocket[] = [];
  const servers: RunningServer[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    for (const server of servers.splice(0)) await server.close();
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
  };
}
