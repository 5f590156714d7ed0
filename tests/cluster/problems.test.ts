/**
 * Problem types across nodes: a breakdown ingested on one node reaches a viewer of another in
 * its frames, as the counts do (the commit announcement carries each row's problem).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { INGEST_TOKEN, need, type Node, ownRedisDatabase, Processes, until, type Viewer } from './nodes.ts';

const postgres = inject('postgres');
const redis = inject('redis');

describe('problem types on two nodes', () => {
  const processes = new Processes();
  let a: Node;
  let b: Node;

  beforeAll(async () => {
    const databaseUrl = await processes.database(need(postgres).url);
    const redisUrl = ownRedisDatabase(need(redis).url);
    [a, b] = await processes.nodes(['a', 'b'], { databaseUrl, redisUrl });
  });

  afterAll(() => processes.stopAll());

  it('brings the shares of reports ingested on node A to a viewer on node B, and follows them as they move', async () => {
    const viewer: Viewer = processes.viewer(b.url, 'twitter');
    await viewer.ready();
    const at = Date.now();
    const ingest = (rows: Array<{ count: number; problem?: string }>) =>
      fetch(`${a.url}/api/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
        body: JSON.stringify(rows.map((r) => ({ service: 'twitter', country: 'BR', at, ...r }))),
      });
    expect((await ingest([{ count: 8, problem: 'website' }, { count: 2, problem: 'app' }])).status).toBe(200);
    await until('BR at 10 on node B', () => (viewer.count('BR') === 10 ? true : undefined));
    expect(viewer.states.BR!.problems).toEqual({ website: 80, app: 20 });
    // The minute is held on node B now: the next commit reaches it only through the announcement.
    expect((await ingest([{ count: 10, problem: 'login' }])).status).toBe(200);
    await until('BR at 20 on node B', () => (viewer.count('BR') === 20 ? true : undefined));
    expect(viewer.states.BR!.problems).toEqual({ website: 40, app: 10, login: 50 });
  });
});
