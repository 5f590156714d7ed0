import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import { freePort } from '../helpers/free-port.ts';
import { tempDataDir, waitFor } from '../helpers/server.ts';

const children: ChildProcess[] = [];
const sockets: Socket[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The server as `npm start` runs it, in its own process. */
async function startProcess(env: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number; dataDir: string }> {
  const dataDir = tempDataDir();
  dirs.push(dataDir);
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, BUILD_CLIENT: '0', BUNDLED_REPLAYS: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  let up = false;
  const poll = setInterval(() => {
    fetch(`http://127.0.0.1:${port}/healthz`).then((r) => (up = r.ok), () => {});
  }, 100);
  try {
    await waitFor('server up', () => (up ? true : undefined), 30_000);
  } finally {
    clearInterval(poll);
  }
  return { child, port, dataDir };
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

describe('shutdown', () => {
  it('exits within SHUTDOWN_MS after SIGTERM while a client holds a half-sent body and another keeps a keep-alive loop busy', async () => {
    const { child, port } = await startProcess({ SHUTDOWN_MS: '3000' });
    // 5 of the 100 bytes promised, then silence.
    const stalled = connect(port, '127.0.0.1');
    sockets.push(stalled);
    await new Promise((resolve) => stalled.once('connect', resolve));
    stalled.write('POST /api/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ser');
    // A keep-alive loop that never stops on its own.
    let looping = true;
    let answered = 0;
    const loop = (async () => {
      while (looping) {
        const ok = await fetch(`http://127.0.0.1:${port}/api/services`).then((r) => r.ok, () => false);
        if (ok) answered++;
        else await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await waitFor('the loop running', () => (answered > 5 ? true : undefined));
    const started = Date.now();
    child.kill('SIGTERM');
    const code = await exited(child);
    const took = Date.now() - started;
    looping = false;
    await loop;
    expect(code).toBe(0);
    expect(took).toBeLessThan(3000);
    console.log(`shutdown with a stalled body and a keep-alive loop: ${took} ms`);
  }, 60_000);

  it('answers a write in flight and commits it before exiting', async () => {
    const { child, port, dataDir } = await startProcess();
    const at = Date.UTC(2026, 0, 1);
    const rows = Array.from({ length: 2000 }, (_, i) => ({ service: 'flight', country: 'US', at: at + i * 60_000, count: 1 }));
    const answer = fetch(`http://127.0.0.1:${port}/api/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rows) })
      .then((r) => r.status, () => 0);
    await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    const status = await answer;
    const store = openSqliteStore(dataDir, { readonly: true });
    try {
      const stored = (await store.rows('flight', 0, Number.MAX_SAFE_INTEGER)).length;
      // All or nothing, and all whenever the client was told 200.
      expect([0, 2000]).toContain(stored);
      if (status === 200) expect(stored).toBe(2000);
    } finally {
      await store.close();
    }
  }, 60_000);
});
