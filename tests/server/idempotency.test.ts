import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.ts';
import { postJson, startServer, tempDataDir, waitFor, type RunningServer } from '../helpers/server.ts';

let server: RunningServer | undefined;
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const child of children.splice(0)) if (child.exitCode === null && !child.signalCode) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const AT = Date.UTC(2026, 0, 1);
const rows = (n: number, service = 'feed') => Array.from({ length: n }, (_, i) => ({ service, country: 'US', at: AT + i * 60_000, count: 2 }));

async function total(url: string, service: string): Promise<number> {
  const text = await (await fetch(`${url}/api/history?service=${service}&format=ndjson`)).text();
  return text.trim() ? text.trim().split('\n').reduce((sum, line) => sum + (JSON.parse(line) as { count: number }).count, 0) : 0;
}

describe('Idempotency-Key on POST /api/ingest', () => {
  it('counts a retried request once, and refuses the key for other rows', async () => {
    server = await startServer();
    const headers = { 'idempotency-key': 'batch-0001' };
    const first = await postJson(`${server.url}/api/ingest`, rows(10), headers);
    expect(first.body.data).toEqual({ accepted: 10, replayed: false });
    const again = await postJson(`${server.url}/api/ingest`, rows(10), headers);
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual({ accepted: 10, replayed: true });
    expect(await total(server.url, 'feed')).toBe(20);
    const other = await postJson(`${server.url}/api/ingest`, rows(3), headers);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency-key-reused');
    expect((await postJson(`${server.url}/api/ingest`, rows(1), { 'idempotency-key': 'has space' })).status).toBe(400);
  });

  it('does not double rows committed before a SIGKILL when the client retries after the restart', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const start = async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
        env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, BUILD_CLIENT: '0', BUNDLED_REPLAYS: '0', LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      let up = false;
      const poll = setInterval(() => void fetch(`${url}/healthz`).then((r) => (up = r.ok), () => {}), 50);
      try {
        await waitFor('server up', () => (up ? true : undefined), 30_000);
      } finally {
        clearInterval(poll);
      }
      return child;
    };
    const ROUNDS = 4;
    let committedBeforeKill = 0;
    let child = await start();
    for (let round = 0; round < ROUNDS; round++) {
      const batch = rows(500, `kill${round}`);
      const headers = { 'content-type': 'application/json', 'idempotency-key': `round-${round}` };
      const sent = fetch(`${url}/api/ingest`, { method: 'POST', headers, body: JSON.stringify(batch) }).then((r) => r.status, () => 0);
      // Killed at a different point of the request each round: before, during or after the commit.
      await new Promise((r) => setTimeout(r, 5 + round * 15));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const answered = await sent;
      child = await start();
      if ((await total(url, `kill${round}`)) > 0) committedBeforeKill++;
      // The client never saw an answer (or saw one): it retries with the same key until it does.
      const retry = await fetch(`${url}/api/ingest`, { method: 'POST', headers, body: JSON.stringify(batch) });
      expect(retry.status, `round ${round} (first answer ${answered})`).toBe(200);
      expect(await total(url, `kill${round}`)).toBe(1000);
    }
    console.log(`SIGKILL rounds: ${ROUNDS}, rows committed before the kill in ${committedBeforeKill}`);
  }, 120_000);
});
