import { createServer, type Server as HttpServer } from 'node:http';
import compression from 'compression';
import express from 'express';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import { apiRoutes } from './api.ts';
import { channelRoutes } from './channel-routes.ts';
import { Clocks } from './clocks.ts';
import type { Config } from './config.ts';
import type { Cluster } from './cluster/index.ts';
import { Dedupe, type ReportGate } from './dedupe.ts';
import { errorHandler, notFound } from './errors.ts';
import { FrameSource } from './frames.ts';
import { IncidentFinder } from './incidents.ts';
import { ingestRoutes } from './ingest.ts';
import { createMetrics } from './metrics.ts';
import { Channels } from './playheads/channels.ts';
import { PlayheadEngine, type IoServer } from './playheads/engine.ts';
import { ServiceCatalog } from './services.ts';
import { attachSockets } from './sockets.ts';
import { staticClient } from './static.ts';
import type { ChannelStore, HistoryStore } from './store/store.ts';
import { historyRoutes } from './history.ts';
import { requestContext } from './request-context.ts';
import { writePath } from './write-path.ts';
import { securityHeaders, socketOriginAllowed } from './security.ts';

export interface AppDeps {
  config: Config;
  logger: Logger;
  /** The history and the channels; the application does not close it (its opener does). */
  store: HistoryStore & ChannelStore;
  /** Wall clock; tests may pass their own. */
  now?: () => number;
  /** Built client to serve at `/`; none in API-only tests. */
  clientDir?: string;
  processMetrics?: boolean;
  /** Set with REDIS_URL: shared live state and cross-node events (server/cluster/). */
  cluster?: Cluster;
}

export interface Application {
  httpServer: HttpServer;
  io: IoServer;
  engine: PlayheadEngine;
  clocks: Clocks;
  channels: Channels;
  frames: FrameSource;
  incidents: IncidentFinder;
  dedupe: ReportGate;
  /** Loads the stored channels, starts the frame loops and housekeeping (listening is the caller's). */
  start(): Promise<void>;
  /**
   * Stops accepting, disconnects the sockets, lets requests in flight finish for up to `graceMs`,
   * then cuts every connection left. The store is the caller's to close (it commits pending writes).
   */
  close(graceMs?: number): Promise<void>;
}

const HOUSEKEEPING_MS = 60_000;

/** Builds the whole server from its dependencies without listening, so tests can use port 0. */
export function createApplication(deps: AppDeps): Application {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const { cluster } = deps;
  // With several nodes, the store also announces the other nodes' commits.
  const store = cluster ? cluster.share(deps.store) : deps.store;
  const frames = new FrameSource(store, config);
  const metrics = createMetrics(deps.processMetrics ?? false);
  const clocks = new Clocks(now);
  const limits = {
    dedupeMs: config.dedupeMinutes * 60_000,
    perNetwork: config.reportsPerNetwork,
    networkCap: config.reportsCountedPerNetwork,
    capWindowMs: config.windowMinutes * 60_000,
  };
  const dedupe: ReportGate = cluster ? cluster.dedupe(limits) : new Dedupe(limits);

  const app = express();
  let closing = false;
  // The two write routes, which take nearly all the load in an outage, are answered ahead of
  // Express by the same rules (write-path.ts); everything else, and their uncommon cases, by Express.
  const requests = writePath({ config, store, dedupe, metrics, now, logger, app, closing: () => closing });
  // A client may not hold a request open for ever: a half-sent body or slow headers end in 408.
  const httpServer = createServer({ requestTimeout: config.requestTimeoutMs, headersTimeout: Math.min(config.requestTimeoutMs, 10_000) }, requests);
  // perMessageDeflate off: Socket.IO then encodes a room broadcast once and sends the same bytes to all.
  const io: IoServer = new Server(httpServer, {
    perMessageDeflate: false,
    serveClient: false,
    ...(cluster && { adapter: cluster.adapter() }),
    // Browsers send Origin: only our own pages and the configured embedders may open a socket.
    allowRequest: (req, callback) => callback(null, socketOriginAllowed(req.headers.origin, req.headers.host, config)),
  });
  const engine = new PlayheadEngine({ io, store, frames, clocks, config, metrics, logger, now });
  const incidents = new IncidentFinder(store, frames, clocks, config);
  const channels = new Channels({ engine, store, incidents, clocks, config, metrics, logger, now, shared: cluster?.channels() });
  cluster?.attach(io, clocks, channels);
  const services = new ServiceCatalog(store, config, now);
  attachSockets(io, { engine, channels, services, metrics, logger });

  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy(config.trustProxy));
  app.use(requestContext(logger, metrics));
  // While shutting down, a keep-alive client gets its answer and then loses the connection.
  app.use((_req, res, next) => {
    if (closing) res.set('connection', 'close');
    next();
  });
  app.use(securityHeaders(config));
  app.use(compression());
  app.use(apiRoutes({ config, store, clocks, engine, services, metrics, startedAt: now() }));
  app.use(historyRoutes({ config, store, frames, incidents, clocks, services }));
  app.use(channelRoutes(config, channels));
  app.use(ingestRoutes({ config, store, dedupe, metrics, now }));
  app.use('/api', notFound());
  if (deps.clientDir) app.use(staticClient(deps.clientDir, config));
  app.use(notFound());
  app.use(errorHandler(logger, metrics));

  let housekeeping: NodeJS.Timeout | undefined;
  return {
    httpServer,
    io,
    engine,
    clocks,
    channels,
    frames,
    incidents,
    dedupe,
    async start() {
      await channels.load();
      channels.start();
      engine.start();
      housekeeping ??= setInterval(() => dedupe.sweep(now()), HOUSEKEEPING_MS);
      housekeeping.unref();
    },
    async close(graceMs = 0) {
      // Stop accepting; idle keep-alive connections go now, busy ones are told to close after
      // their response (see below) and cut when the grace ends, whatever the client does.
      closing = true;
      const drained = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      engine.stop();
      await channels.stop();
      frames.close();
      clearInterval(housekeeping);
      // Disconnects every socket by closing its transport: clients see "transport close" and
      // reconnect by themselves (to this server once restarted, or to another node). Not awaited:
      // its callback is the HTTP server's close, which waits for the last connection.
      io.close();
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
      if (graceMs > 0) await Promise.race([drained, sleep(graceMs)]);
      httpServer.closeAllConnections();
      // Connections cut now close within a tick; a WebSocket's closing handshake may take longer.
      await Promise.race([drained, sleep(1_000)]);
    },
  };
}

function trustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  return /^\d+$/.test(value) ? Number(value) : value;
}
