/**
 * vitest global setup: a throwaway `redis-server` on a free loopback port for the multi-node
 * tests, stopped after the run. With TEST_REDIS_URL set, that server is used instead. Without
 * redis-server the tests that need it fail, saying how to get it (never skipped).
 *
 * The tests restart Redis mid-run (an outage), so they also get how to start it again on the
 * same port: `redis.command` and `redis.args`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import type { TestProject } from 'vitest/node';
import { freePort } from '../helpers/free-port.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A Redis the tests may use (each test its own key prefix or database), or why there is none. */
    redis: { url: string; command?: string; args?: string[] } | { error: string };
  }
}

const BIN = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));

/** Arguments of a Redis that keeps nothing on disk and listens on loopback only. */
export function redisArgs(port: number): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'no'];
}

/** Resolves once something accepts connections on `port`, or rejects after `ms`. */
export async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.TEST_REDIS_URL) {
    project.provide('redis', { url: process.env.TEST_REDIS_URL });
    return () => {};
  }
  if (!BIN || spawnSync(BIN, ['--version']).status !== 0) {
    project.provide('redis', { error: 'redis-server is not installed: apt-get install -y redis-server (or set TEST_REDIS_URL)' });
    return () => {};
  }
  const port = await freePort();
  const args = redisArgs(port);
  // Its own process group, so stopping it never touches anything else.
  const child: ChildProcess = spawn(BIN, args, { stdio: 'ignore', detached: true });
  try {
    await waitForPort(port);
  } catch (error) {
    child.kill('SIGKILL');
    project.provide('redis', { error: `could not start ${BIN}: ${(error as Error).message}` });
    return () => {};
  }
  project.provide('redis', { url: `redis://127.0.0.1:${port}`, command: BIN, args });
  return () => {
    child.kill('SIGTERM');
  };
}
