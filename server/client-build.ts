import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLIENT_DIST = path.join(ROOT, 'dist', 'client');
const SOURCES = ['client', 'shared', 'vite.config.ts', 'package-lock.json'];

function newestMtime(p: string): number {
  const stat = statSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

/** Whether `dist/client` is missing or older than any source it is built from. */
export function clientIsStale(): boolean {
  const built = path.join(CLIENT_DIST, 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return SOURCES.some((s) => newestMtime(path.join(ROOT, s)) > builtAt);
}

/** Builds the client with Vite when it is missing or stale; a no-op otherwise. */
export async function ensureClientBuilt(logger: Pick<Logger, 'info'>): Promise<void> {
  if (!clientIsStale()) return;
  const started = Date.now();
  logger.info('building the client (missing or older than its sources)...');
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'vite.config.ts'), root: path.join(ROOT, 'client'), logLevel: 'warn' });
  logger.info(`client built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
