import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startServer, type RunningServer } from '../helpers/server.ts';

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const MINUTE = 60_000;
/** Two days of one report a minute, ending at a day boundary well in the past. */
const END = Date.UTC(2025, 0, 3);
const START = END - 2 * 24 * 60 * MINUTE;

async function serveWithRows(): Promise<RunningServer> {
  const server = await startServer();
  servers.push(server);
  const rows = [];
  for (let t = START; t < END; t += MINUTE) rows.push({ service: 'twitter', country: 'US', at: t, count: 1 });
  for (let i = 0; i < rows.length; i += 2000) expect((await postJson(`${server.url}/api/ingest`, rows.slice(i, i + 2000))).status).toBe(200);
  return server;
}

async function history(server: RunningServer, step: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}/api/history?service=twitter&step=${encodeURIComponent(step)}`);
  return { status: res.status, body: await res.json() };
}

describe('GET /api/history step', () => {
  it('reads a duration as Prometheus and Grafana write it (1m, 15m, 1h, 1d) the same as its bare minutes', async () => {
    const server = await serveWithRows();
    for (const [duration, minutes] of [['1m', 1], ['15m', 15], ['1h', 60], ['1d', 1440], ['1h30m', 90], ['180s', 3]] as const) {
      const written = await history(server, duration);
      const bare = await history(server, String(minutes));
      expect(written.status, `step=${duration}`).toBe(200);
      expect(written.body).toEqual(bare.body);
      expect(written.body).toHaveLength(Math.ceil((2 * 1440) / minutes));
      expect(written.body[0].count).toBe(minutes);
    }
  });

  it.each(['5x', '1.5h', 'm', '-1m', '0m', '8d', '30s', '30m1h', ''])('refuses step=%s with a 400 naming step and the accepted forms', async (step) => {
    const server = await startServer();
    servers.push(server);
    const { status, body } = await history(server, step);
    expect(status).toBe(400);
    expect(body.error).toMatch(/^invalid query: step: /);
    expect(body.error).toContain('1m, 15m, 1h, 1d');
  });
});
