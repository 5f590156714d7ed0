import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server.ts';

let server: RunningServer | undefined;
const children: Array<ReturnType<typeof spawn>> = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await server?.close();
  server = undefined;
});

/** `npm run simulate` without `--url`, in an environment of its own (none of the caller's PORT or HOST). */
async function simulate(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { PORT: _port, HOST: _host, ...rest } = process.env;
  // 7200x: the six-hour Twitter scenario plays in about 3 s.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/simulate.ts', '--scenario', 'twitter-2022-12-28', '--speed', '7200', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...rest, ...env },
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, output };
}

const portOf = (s: RunningServer) => new URL(s.url).port;

describe('simulator address', () => {
  it('finds a server on a non-default port from PORT and HOST, as the server reads them', async () => {
    server = await startServer();
    const run = await simulate([], { PORT: portOf(server), HOST: '127.0.0.1' });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`Open ${server.url}/?service=twitter`);
    expect(run.output).toMatch(/done: sent [\d,]+ reports/);
  }, 30_000);

  it('finds it from the --port flag the server takes, and a server listening on every interface (HOST=0.0.0.0) on this machine', async () => {
    server = await startServer();
    const run = await simulate(['--port', portOf(server)], { HOST: '0.0.0.0' });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`Open http://127.0.0.1:${portOf(server)}/?service=twitter`);
  }, 30_000);

  it('refuses a PORT the server would refuse, with the server\'s message', async () => {
    const run = await simulate([], { PORT: '70000' });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/PORT \(--port\): /);
  }, 30_000);
});
