import { pino } from 'pino';
import { createApplication } from './app.ts';
import { loadBundledReplays } from './bundled.ts';
import { CLIENT_DIST, ensureClientBuilt } from './client-build.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openSqliteStore } from './store/sqlite.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const logger = pino({ level: config.logLevel, base: undefined });

const store = openSqliteStore(config.dataDir);
logger.info(`history: ${store.file}`);
if (config.bundledReplays) await loadBundledReplays(store, logger);
if (config.buildClient) await ensureClientBuilt(logger);
const application = createApplication({ config, logger, store, clientDir: CLIENT_DIST, processMetrics: true });
await application.start();
application.httpServer.on('error', (error: NodeJS.ErrnoException) => {
  logger.fatal(error.code === 'EADDRINUSE' ? `port ${config.port} is in use: set PORT or --port` : error.message);
  process.exit(1);
});
application.httpServer.listen(config.port, config.host, () => {
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  logger.info(`outage-map on http://${shown}:${config.port} (services: ${config.services.join(', ')})`);
  if (!config.ingestToken) logger.info('INGEST_TOKEN is not set: /api/ingest accepts only callers on this machine');
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info(`${signal}: closing`);
    void application
      .close()
      .then(() => store.close())
      .finally(() => process.exit(0));
  });
}
