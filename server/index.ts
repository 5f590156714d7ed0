import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createApplication } from './app.ts';
import { loadBundledReplays } from './bundled.ts';
import { CLIENT_DIST, ensureClientBuilt } from './client-build.ts';
import { Cluster, RedisLink } from './cluster/index.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openStore } from './store/open.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const logger = pino({ level: config.logLevel, base: undefined });

// The embedded default is a SQLite file; DATABASE_URL puts the history on PostgreSQL (several nodes).
const { store, where } = await openStore(config);
logger.info(`history: ${where}`);
if (config.bundledReplays) await loadBundledReplays(store, logger);
// REDIS_URL: what several nodes share live (dedupe, channels, clock leases, cross-node events).
let cluster: Cluster | undefined;
if (config.redisUrl) {
  try {
    cluster = new Cluster(await RedisLink.connect(config.redisUrl, logger), logger);
  } catch (error) {
    logger.fatal(`REDIS_URL: ${(error as Error).message}`);
    process.exit(1);
  }
  logger.info(`shared live state: Redis at ${new URL(config.redisUrl).host}`);
}
if (config.buildClient) await ensureClientBuilt(logger);
const application = createApplication({ config, logger, store, clientDir: CLIENT_DIST, processMetrics: true, cluster });
await application.start();
application.httpServer.on('error', (error: NodeJS.ErrnoException) => {
  logger.fatal(error.code === 'EADDRINUSE' ? `port ${config.port} is in use: set PORT or --port` : error.message);
  process.exit(1);
});
application.httpServer.listen(config.port, config.host, () => {
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  // The bound port, not the setting: PORT=0 (tests starting several nodes) picks a free one.
  const { port } = application.httpServer.address() as AddressInfo;
  logger.info(`outage-map on http://${shown}:${port} (services: ${config.services.join(', ')})`);
  if (!config.ingestToken) logger.info('INGEST_TOKEN is not set: /api/ingest accepts only callers on this machine');
});

// Shutdown ends within SHUTDOWN_MS whatever clients do: stop accepting, let requests in flight
// finish for half of it (a stalled upload or a keep-alive loop is then cut), commit the pending
// writes, exit. Past the deadline the process exits anyway, with status 1.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    const started = Date.now();
    logger.info(`${signal}: closing (at most ${config.shutdownMs} ms)`);
    setTimeout(() => {
      logger.error(`shutdown took longer than ${config.shutdownMs} ms: exiting anyway`);
      process.exit(1);
    }, config.shutdownMs).unref();
    void application
      .close(config.shutdownMs / 2)
      .then(() => store.close())
      .then(() => cluster?.close())
      .then(
        () => {
          logger.info(`closed in ${Date.now() - started} ms`);
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  });
}
