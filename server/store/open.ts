import type { Config } from '../config.ts';
import { openPostgresStore } from './postgres.ts';
import { openSqliteStore } from './sqlite.ts';
import type { ChannelStore, HistoryStore } from './store.ts';

export interface OpenedStore {
  store: HistoryStore & ChannelStore;
  /** Where the history is, for a log line: the SQLite file, or PostgreSQL's host (never the password). */
  where: string;
}

/**
 * The history a process uses: PostgreSQL when `DATABASE_URL` is set (several nodes), else the
 * SQLite file in `DATA_DIR` (the embedded default). The server and `npm run import` open it the
 * same way, so an import lands where the server reads.
 */
export async function openStore(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'durability'>): Promise<OpenedStore> {
  if (config.databaseUrl) {
    return { store: await openPostgresStore(config.databaseUrl), where: `PostgreSQL at ${new URL(config.databaseUrl).host}` };
  }
  const sqlite = openSqliteStore(config.dataDir, { durability: config.durability });
  return { store: sqlite, where: sqlite.file };
}
