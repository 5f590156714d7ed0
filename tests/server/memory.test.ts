import { afterEach, describe, expect, it } from 'vitest';
import { Dedupe } from '../../server/dedupe.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Runs `count` requests, `concurrency` at a time. */
async function flood(count: number, concurrency: number, one: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await one(next++);
  }));
}

describe('memory bounded against invented names', () => {
  it('keeps nothing for service names nobody stores, on every read route', async () => {
    server = await startServer();
    const { app } = server;
    const before = { frames: app.frames.stats().minutes, incidents: app.incidents.size };
    const routes = ['/api/incidents', '/api/live', '/api/timeline'];
    const N = 3_000;
    const statuses = new Map<number, number>();
    const heapBefore = process.memoryUsage().heapUsed;
    await flood(N, 50, async (i) => {
      const res = await fetch(`${server!.url}${routes[i % routes.length]}?service=invented-${i}`);
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    });
    expect([...statuses]).toEqual([[404, N]]);
    expect(app.frames.stats().minutes).toBe(before.frames);
    expect(app.incidents.size).toBe(before.incidents);
    console.log(`${N} invented names over HTTP: caches unchanged; heap ${((process.memoryUsage().heapUsed - heapBefore) / 1e6).toFixed(1)} MB apart (test process and server share it, no GC forced)`);
  }, 60_000);

  it('holds at most 256 services of incidents, however many exist', async () => {
    server = await startServer();
    for (let i = 0; i < 100_000; i++) await server.app.incidents.find(`stored-${i}`);
    expect(server.app.incidents.size).toBe(256);
  }, 60_000);

  it('bounds the report dedupe maps under 100k distinct senders', () => {
    const dedupe = new Dedupe({ dedupeMs: 900_000, perNetwork: 50, networkCap: 3, capWindowMs: 900_000, maxEntries: 10_000 });
    const now = Date.now();
    for (let i = 0; i < 100_000; i++) dedupe.check(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `ua ${i}`, 'twitter', now);
    const { people, networks, capped } = dedupe.size;
    expect(Math.max(people, networks, capped)).toBeLessThanOrEqual(10_000);
  });
});
