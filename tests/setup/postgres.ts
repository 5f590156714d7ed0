/**
 * vitest global setup: a throwaway PostgreSQL for the tests that need one, so `npm test` needs
 * no server installed by hand. With TEST_DATABASE_URL set, that server is used instead. Without
 * PostgreSQL's binaries the tests that need it fail, saying how to get them (never skipped).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../helpers/free-port.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL the tests may create schemas in, or why there is none. */
    postgres: { url: string } | { error: string };
  }
}

function findBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(path.join(root, v, 'bin', 'initdb'))) return path.join(root, v, 'bin');
  return undefined;
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.TEST_DATABASE_URL) {
    project.provide('postgres', { url: process.env.TEST_DATABASE_URL });
    return () => {};
  }
  const bin = findBin();
  if (!bin) {
    project.provide('postgres', { error: 'PostgreSQL is not installed: apt-get install -y postgresql (or set TEST_DATABASE_URL)' });
    return () => {};
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'outage-map-pg-'));
  // PostgreSQL refuses to run as root: as root, its own user owns the cluster.
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => (asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }) : execFileSync(cmd, args, { stdio: 'pipe' }));
  if (asRoot) {
    chmodSync(dir, 0o755);
    execFileSync('chown', ['postgres', dir]);
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  try {
    run(path.join(bin, 'initdb'), ['-D', data, '-U', 'app', '--auth=trust', '-E', 'UTF8']);
    run(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-w', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=on`, 'start']);
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    project.provide('postgres', { error: `could not start PostgreSQL from ${bin}: ${e.stderr?.toString().trim() || e.message}` });
    rmSync(dir, { recursive: true, force: true });
    return () => {};
  }
  project.provide('postgres', { url: `postgres://app@127.0.0.1:${port}/postgres` });
  return () => {
    const stop = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', path.join(bin, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop'])
      : spawnSync(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
    if (stop.status !== 0) console.error(`stopping the test PostgreSQL: ${stop.stderr}`);
    rmSync(dir, { recursive: true, force: true });
  };
}
