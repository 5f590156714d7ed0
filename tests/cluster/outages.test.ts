/**
 * Three real server processes while Redis, then PostgreSQL, goes away and comes back: writes that
 * need the missing engine answer a clear 503, /readyz says not ready, and everything recovers by
 * itself when it returns. Each test has a Redis or PostgreSQL of its own to stop.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CONTROL_TOKEN, getJson, INGEST_TOKEN, need, type Node, Processes, report, until } from './nodes.ts';

const postgres = inject('postgres');
const redis = inject('redis');

const putChannel = (node: Node, body: object) =>
  fetch(`${node.url}/api/channels/lobby`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${CONTROL_TOKEN}` }, body: JSON.stringify(body) });

const ingest = (node: Node, country: string, count: number) =>
  fetch(`${node.url}/api/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
    body: JSON.stringify([{ service: 'twitter', country, at: new Date().toISOString(), count }]),
  });

/** Polls `/readyz` of every node until each answers `status`. */
async function readiness(nodes: Node[], status: number, ms = 15_000): Promise<void> {
  for (const node of nodes) {
    await until(`/readyz ${status} on node ${node.name}`, async () => ((await getJson(`${node.url}/readyz`).catch(() => undefined))?.status === status ? true : undefined), ms);
  }
}

describe('outages', () => {
  const processes = new Processes();
  afterEach(() => processes.stopAll());

  it('degrades writes with a 503 while Redis is down, keeps serving the map, and recovers by itself when Redis is back', async () => {
    const own = await processes.redis(need(redis).command ?? '/usr/bin/redis-server');
    const databaseUrl = await processes.database(need(postgres).url);
    const [a, b, c] = await processes.nodes(['a', 'b', 'c'], { databaseUrl, redisUrl: own.url });
    const viewer = processes.viewer(c.url, 'twitter');
    await viewer.ready();
    expect((await putChannel(a, { service: 'twitter', headline: 'before' })).status).toBe(200);
    expect((await report(a.url, 1, 'BR')).status).toBe(201);

    await own.stop();
    await readiness([a, b, c], 503);
    const ready = await getJson(`${a.url}/readyz`);
    expect(ready.body.storage.reason).toMatch(/Redis/);
    // A report needs the shared dedupe: refused, clearly, and nothing is counted.
    const refused = await report(a.url, 2, 'BR');
    expect([refused.status, refused.body.code]).toEqual([503, 'shared-state-unavailable']);
    const channel = await putChannel(a, { headline: 'during' });
    expect(channel.status).toBe(503);
    // The map is still served, and trusted feeds (no dedupe) still reach every node's viewers:
    // the nodes notice each other's commits from the store's revisions.
    expect((await getJson(`${b.url}/api/live?service=twitter`)).status).toBe(200);
    expect((await ingest(a, 'AR', 5)).status).toBe(200);
    await until('the feed on node C while Redis is down', () => (viewer.count('AR') === 5 ? true : undefined), 5_000);

    await own.start();
    await readiness([a, b, c], 200);
    const sent = Date.now();
    expect((await report(a.url, 3, 'BR')).status).toBe(201);
    await until('the report on node C after Redis returned', () => (viewer.count('BR') === 2 ? true : undefined), 2_000);
    expect(Date.now() - sent).toBeLessThan(1_000);
    // Redis came back empty: the channel is written back from the store, and changes go on from its version.
    const after = await putChannel(b, { headline: 'after' });
    expect(after.status).toBe(200);
    expect((await after.json()).data.version).toBe(2);
    await until('the change on node C', async () => ((await getJson(`${c.url}/api/channels/lobby`)).body.data.headline === 'after' ? true : undefined), 2_000);
  }, 90_000);

  it('degrades writes with a 503 while PostgreSQL is down and recovers by itself when it is back', async () => {
    const db = await processes.postgres();
    const redisUrl = `${need(redis).url}/15`;
    const [a, b, c] = await processes.nodes(['a', 'b', 'c'], { databaseUrl: db.url, redisUrl });
    const viewer = processes.viewer(c.url, 'twitter');
    await viewer.ready();
    expect((await report(a.url, 101, 'CA')).status).toBe(201);
    await until('the first report on node C', () => (viewer.count('CA') === 1 ? true : undefined));

    db.stop();
    const refused = await report(a.url, 102, 'CA');
    expect([refused.status, refused.body.code]).toEqual([503, 'storage-unavailable']);
    expect((await ingest(b, 'CA', 3)).status).toBe(503);
    // Not ready on every node, those that have not tried to write too.
    await readiness([a, b, c], 503);
    expect((await getJson(`${c.url}/readyz`)).body.storage.reason).toMatch(/unreachable/);

    db.start();
    await readiness([a, b, c], 200);
    const sent = Date.now();
    expect((await report(a.url, 103, 'CA')).status).toBe(201);
    await until('the report on node C after PostgreSQL returned', () => (viewer.count('CA') === 2 ? true : undefined), 5_000);
    console.log(`PostgreSQL back: report on node A to frame on node C in ${Date.now() - sent} ms`);
    expect(Date.now() - sent).toBeLessThan(1_000);
    expect((await ingest(b, 'CA', 3)).status).toBe(200);
    await until('the feed on node C', () => (viewer.count('CA') === 5 ? true : undefined), 2_000);
    // The person refused with 503 while PostgreSQL was down counts on retrying.
    expect((await report(b.url, 102, 'CA')).status).toBe(201);
  }, 90_000);
});
