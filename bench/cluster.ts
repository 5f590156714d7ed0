/**
 * `npm run bench -- cluster`: several nodes (issue 12), side by side in one run.
 * - Fan-out: the same total of live viewers on three nodes against one node (both on one
 *   PostgreSQL and one Redis), reports posted to the first node at a steady pace: report-to-frame
 *   latency at every viewer, and the nodes' CPU per delivered frame.
 * - Ingest: one node on PostgreSQL against one on SQLite, trusted ingest of 100-row batches from
 *   a few concurrent senders: rows per second and request latency.
 * Servers are real processes (tsx server/index.ts); a private PostgreSQL and Redis are started
 * for the run (BENCH_DATABASE_URL names an existing PostgreSQL instead). On a small machine the
 * three nodes share the same cores as one: the ratio shows the cost of spreading, not a gain.
 */
import { quantile, processCpuMs, sleep } from './harness.ts';
import { ratioRow, type CaseResult } from './table.ts';
import { INGEST_TOKEN, Processes, report, until, Viewer, type Node } from '../tests/cluster/nodes.ts';

interface FanOut {
  nodes: number;
  viewers: number;
  reports: number;
  latencyP50: number;
  latencyP99: number;
  framesDelivered: number;
  cpuMsPerFrame: number;
}

interface Ingest {
  engine: 'postgres' | 'sqlite';
  rowsPerSecond: number;
  requestP50: number;
  requestP99: number;
  failed: number;
}

export async function benchCluster(quick: boolean): Promise<CaseResult> {
  const processes = new Processes();
  try {
    const serverUrl = process.env.BENCH_DATABASE_URL ?? (await processes.postgres()).url;
    const redis = await processes.redis('/usr/bin/redis-server');
    const rounds = quick ? 1 : 3;
    const viewers = quick ? 150 : 600;
    const reports = quick ? 40 : 100;
    const seconds = quick ? 4 : 10;
    const one: FanOut[] = [];
    const three: FanOut[] = [];
    const sqlite: Ingest[] = [];
    const postgres: Ingest[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternated, so a neighbour's load falls on both sides.
      const order = r % 2 === 0 ? [3, 1] : [1, 3];
      for (const n of order) (n === 3 ? three : one).push(await fanOut(processes, serverUrl, redis.url, n, viewers, reports));
      for (const engine of r % 2 === 0 ? (['postgres', 'sqlite'] as const) : (['sqlite', 'postgres'] as const)) {
        (engine === 'postgres' ? postgres : sqlite).push(await ingest(processes, engine === 'postgres' ? serverUrl : undefined, seconds));
      }
    }
    const col = <T>(xs: T[], f: (x: T) => number) => xs.map(f);
    return {
      name: 'cluster',
      rows: [
        ratioRow(`${viewers} live viewers, report on node 1 to frame at every viewer, p50: three nodes vs one`, 'ms', col(three, (x) => x.latencyP50), col(one, (x) => x.latencyP50)),
        ratioRow('same: p99, three nodes vs one', 'ms', col(three, (x) => x.latencyP99), col(one, (x) => x.latencyP99)),
        ratioRow('same: server CPU per delivered frame (all nodes), three nodes vs one', 'ms', col(three, (x) => x.cpuMsPerFrame), col(one, (x) => x.cpuMsPerFrame)),
        ratioRow('trusted ingest, 100-row batches, 8 senders: rows/s, PostgreSQL vs SQLite', 'rows/s', col(postgres, (x) => x.rowsPerSecond), col(sqlite, (x) => x.rowsPerSecond)),
        ratioRow('same: request p50, PostgreSQL vs SQLite', 'ms', col(postgres, (x) => x.requestP50), col(sqlite, (x) => x.requestP50)),
        ratioRow('same: request p99, PostgreSQL vs SQLite', 'ms', col(postgres, (x) => x.requestP99), col(sqlite, (x) => x.requestP99)),
        ratioRow('same: frames delivered to all viewers per round, three nodes vs one', 'frames', col(three, (x) => x.framesDelivered), col(one, (x) => x.framesDelivered)),
      ],
      detail: { one, three, sqlite, postgres },
      notes: [
        `Cluster: ${viewers} socket.io-client viewers run in the bench process on the same cores as the nodes; ${reports} reports at 20/s; PostgreSQL ${process.env.BENCH_DATABASE_URL ? 'from BENCH_DATABASE_URL' : 'a private throwaway cluster (fsync on)'}.`,
      ],
    };
  } finally {
    await processes.stopAll();
  }
}

let nextPerson = 30_000;

async function fanOut(processes: Processes, serverUrl: string, redisUrl: string, n: number, total: number, reports: number): Promise<FanOut> {
  const databaseUrl = await processes.database(serverUrl);
  const nodes: Node[] = [await processes.node('n1', { databaseUrl, redisUrl })];
  nodes.push(...(await Promise.all(Array.from({ length: n - 1 }, (_, i) => processes.node(`n${i + 2}`, { databaseUrl, redisUrl })))));
  const viewers = Array.from({ length: total }, (_, i) => processes.viewer(nodes[i % n]!.url, 'twitter'));
  await until('every viewer joined', () => (viewers.every((v) => v.snapshots > 0) ? true : undefined), 60_000);
  const cpu0 = nodes.map((node) => processCpuMs(node.child.pid!));
  const frames0 = viewers.reduce((sum, v) => sum + v.frames.length, 0);
  const sent: number[] = [];
  const answers: Array<Promise<number>> = [];
  for (let i = 0; i < reports; i++) {
    sent.push(Date.now());
    // A new person each time, across rounds too (Redis keeps who was counted for the window).
    answers.push(report(nodes[0]!.url, nextPerson++, 'US').then((a) => a.status, () => 0));
    await sleep(50);
  }
  const statuses = await Promise.all(answers);
  if (statuses.some((s) => s !== 201)) throw new Error(`reports answered ${JSON.stringify(statuses.filter((s) => s !== 201))}`);
  await until('every report at every viewer', () => (viewers.every((v) => v.count('US') >= reports) ? true : undefined), 30_000);
  const cpu = nodes.reduce((sum, node, i) => sum + processCpuMs(node.child.pid!) - cpu0[i]!, 0);
  const framesDelivered = viewers.reduce((sum, v) => sum + v.frames.length, 0) - frames0;
  const latencies = viewers.flatMap((v) => latenciesOf(v, sent)).sort((a, b) => a - b);
  for (const v of viewers) v.socket.close();
  await Promise.all(nodes.map(async (node) => {
    node.child.kill('SIGTERM');
    await node.exited;
  }));
  return { nodes: n, viewers: total, reports, latencyP50: quantile(latencies, 0.5), latencyP99: quantile(latencies, 0.99), framesDelivered, cpuMsPerFrame: cpu / Math.max(1, framesDelivered) };
}

/** When the viewer first held report i's count, against when report i was sent. */
function latenciesOf(viewer: Viewer, sent: number[]): number[] {
  const out: number[] = [];
  let held = 0;
  for (const { at, frame } of viewer.frames) {
    const count = frame.changes.US?.count;
    if (count === undefined) continue;
    for (; held < Math.min(count, sent.length); held++) out.push(at - sent[held]!);
  }
  return out;
}

async function ingest(processes: Processes, serverUrl: string | undefined, seconds: number): Promise<Ingest> {
  const databaseUrl = serverUrl && (await processes.database(serverUrl));
  const node = await processes.node('ingest', { databaseUrl: databaseUrl ?? '', redisUrl: '' });
  const until = Date.now() + seconds * 1000;
  const durations: number[] = [];
  let rows = 0;
  let failed = 0;
  const started = Date.now();
  await Promise.all(Array.from({ length: 8 }, async (_, sender) => {
    for (let batch = 0; Date.now() < until; batch++) {
      const first = Date.UTC(2024, 0, 1) + (sender * 100_000 + batch * 7) * 60_000;
      const body = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ service: 'twitter', country: COUNTRIES[i % COUNTRIES.length], at: new Date(first + Math.floor(i / COUNTRIES.length) * 60_000).toISOString(), count: 1 + (i % 5) })));
      const t0 = Date.now();
      const res = await fetch(`${node.url}/api/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` }, body });
      await res.arrayBuffer();
      durations.push(Date.now() - t0);
      if (res.status === 200) rows += 100;
      else failed++;
    }
  }));
  const elapsed = (Date.now() - started) / 1000;
  node.child.kill('SIGTERM');
  await node.exited;
  durations.sort((a, b) => a - b);
  return { engine: serverUrl ? 'postgres' : 'sqlite', rowsPerSecond: rows / elapsed, requestP50: quantile(durations, 0.5), requestP99: quantile(durations, 0.99), failed };
}

/** A batch's 100 rows are distinct (country, minute) pairs over seven minutes. */
const COUNTRIES = ['US', 'JP', 'GB', 'DE', 'FR', 'BR', 'IN', 'CA', 'AU', 'ES', 'IT', 'MX', 'KR', 'NL', 'SE', 'PL'];
