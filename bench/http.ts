/**
 * The write path against a bare `node:http` handler (bench/bare-server.ts), both as server
 * processes, load from autocannon in its own process (bench/http-load.ts), rounds alternated
 * A B A B after a warm-up of each:
 * - `reports`: public `POST /api/reports` at 50 and 500 connections: req/s, server CPU per
 *   request (/proc utime+stime), p99. Ours runs with TRUST_PROXY=loopback and every request comes
 *   from another network, so each one is counted and committed: the counted path.
 * - `ingest`: trusted `POST /api/ingest`, 100 rows a request, with DURABILITY=fsync and =process.
 */
import type { ChildProcess } from 'node:child_process';
import { alternate, appHasSetting, ask, cpuWindow, describeCheckout, forkWorker, startBare, startOurs, stopWorkers, type ServerProcess } from './harness.ts';
import type { HttpLoadCommand, HttpLoadResult } from './http-load.ts';
import { atLeast, atMost, ratioRow, saturation, type CaseResult } from './table.ts';

export interface HttpOptions {
  app: string;
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  connections: number[];
  rowsPerRequest: number;
}

export function httpOptions(quick: boolean, app: string): HttpOptions {
  return { app, rounds: quick ? 2 : 3, seconds: quick ? 1 : 5, warmupSeconds: quick ? 0.5 : 3, connections: [50, 500], rowsPerRequest: 100 };
}

interface Window {
  ok: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  perSecond: number;
  cpuPerRequestUs: number;
  latencyP50: number;
  latencyP99: number;
  /** The load generator's CPU, ms per wall s. */
  generator: number;
  othersPerSecond: number;
}

async function measure(load: ChildProcess, server: ServerProcess, command: Omit<HttpLoadCommand, 'url'>): Promise<Window> {
  const window = cpuWindow(server.pid, [load.pid!]);
  const r = await ask<HttpLoadResult>(load, { ...command, url: server.url } satisfies HttpLoadCommand, 'result');
  const cpu = window.read();
  return {
    ok: r.ok,
    non2xx: r.non2xx,
    errors: r.errors,
    statusCodes: r.statusCodes,
    perSecond: r.ok / r.seconds,
    cpuPerRequestUs: (cpu.serverMs * 1000) / Math.max(1, r.ok),
    latencyP50: r.latencyP50,
    latencyP99: r.latencyP99,
    generator: cpu.generators[0]!,
    othersPerSecond: cpu.othersPerSecond,
  };
}

function troubles(label: string, windows: Window[]): string[] {
  const failed = windows.reduce((a, w) => a + w.non2xx + w.errors, 0);
  if (!failed) return [];
  const codes: Record<string, number> = {};
  for (const w of windows) for (const [code, n] of Object.entries(w.statusCodes)) codes[code] = (codes[code] ?? 0) + n;
  return [`${label}: ${failed} failed requests (status counts ${JSON.stringify(codes)})`];
}

const progress = (text: string) => console.error(`  ${text}`);

export async function benchReports(options: HttpOptions): Promise<CaseResult> {
  const [ours, bare] = await Promise.all([startOurs(options.app, { TRUST_PROXY: 'loopback', SERVICES: 'bench' }), startBare({ socketio: false })]);
  const load = forkWorker('http-load.ts');
  try {
    const rows = [];
    const detail: Record<string, unknown> = { commit: describeCheckout(options.app), path: 'counted (a distinct X-Forwarded-For /24 per request, TRUST_PROXY=loopback)' };
    const notes: string[] = [];
    for (const connections of options.connections) {
      progress(`reports, ${connections} connections: ${options.rounds} rounds of ${options.seconds} s each, ours / bare`);
      const run = (server: ServerProcess) => (warmup: boolean) =>
        measure(load, server, { type: 'run', kind: 'report', connections, seconds: warmup ? options.warmupSeconds : options.seconds, service: 'bench' });
      const { a, b } = await alternate(options.rounds, run(ours), run(bare));
      const gens = [...a, ...b].map((w) => [w.generator]);
      const flags = [...saturation(gens, 'autocannon'), ...troubles('ours', a), ...troubles('bare', b)];
      const uncounted = a.reduce((n, w) => n + (w.statusCodes['200'] ?? 0), 0);
      if (uncounted) flags.push(`${uncounted} of ours answered 200 (not counted): partly the duplicate path`);
      rows.push(
        ratioRow(`public reports, ${connections} connections: req/s (ours counted path vs bare \`node:http\`)`, 'req/s', a.map((w) => w.perSecond), b.map((w) => w.perSecond), atLeast(0.7), flags),
        ratioRow(`same, ${connections} connections: server CPU per request`, 'us', a.map((w) => w.cpuPerRequestUs), b.map((w) => w.cpuPerRequestUs), atMost(1.5)),
        ratioRow(`same, ${connections} connections: p99 latency`, 'ms', a.map((w) => w.latencyP99), b.map((w) => w.latencyP99)),
      );
      detail[`c${connections}`] = { ours: a, bare: b };
      notes.push(`Reports at ${connections} connections: autocannon used ${a.map((w) => (w.generator / 10).toFixed(0)).join(' / ')}% of a core against ours, ${b.map((w) => (w.generator / 10).toFixed(0)).join(' / ')}% against bare.`);
    }
    return { name: 'reports', rows, detail, notes };
  } finally {
    stopWorkers([load]);
    await Promise.all([ours.stop(), bare.stop()]);
  }
}

export async function benchIngest(options: HttpOptions): Promise<CaseResult> {
  const durabilitySetting = appHasSetting(options.app, 'DURABILITY');
  const variants = durabilitySetting ? ['fsync', 'process'] : ['default'];
  // Every server up front, side by side: a start costs seconds of tsx compiling on a busy machine.
  const [bare, ...ours] = await Promise.all([
    startBare({ socketio: false }),
    ...variants.map((durability) => startOurs(options.app, durability === 'default' ? {} : { DURABILITY: durability })),
  ]);
  const load = forkWorker('http-load.ts');
  const rows = [];
  const notes: string[] = [];
  const detail: Record<string, unknown> = { commit: describeCheckout(options.app), rowsPerRequest: options.rowsPerRequest, connections: 50 };
  if (!durabilitySetting) notes.push('Ingest: this checkout has no DURABILITY setting yet (server/config.ts): measured as it is, the DURABILITY=process variant skipped.');
  try {
    for (const [i, durability] of variants.entries()) {
      progress(`ingest, ${options.rowsPerRequest} rows a request, DURABILITY=${durability}: ${options.rounds} rounds of ${options.seconds} s each, ours / bare`);
      const run = (server: ServerProcess) => (warmup: boolean) =>
        measure(load, server, { type: 'run', kind: 'ingest', connections: 50, rows: options.rowsPerRequest, seconds: warmup ? options.warmupSeconds : options.seconds, service: 'bench' });
      const { a, b } = await alternate(options.rounds, run(ours[i]!), run(bare));
      const flags = [...saturation([...a, ...b].map((w) => [w.generator]), 'autocannon'), ...troubles('ours', a), ...troubles('bare', b)];
      const label = durability === 'default' ? '' : `, DURABILITY=${durability}`;
      rows.push(
        ratioRow(`trusted ingest, ${options.rowsPerRequest} rows a request${label}: rows/s vs bare handler type-checking the rows`, 'rows/s', a.map((w) => w.perSecond * options.rowsPerRequest), b.map((w) => w.perSecond * options.rowsPerRequest), atLeast(0.8), flags),
        ratioRow(`same${label}: server CPU per request`, 'us', a.map((w) => w.cpuPerRequestUs), b.map((w) => w.cpuPerRequestUs)),
        ratioRow(`same${label}: p99 latency`, 'ms', a.map((w) => w.latencyP99), b.map((w) => w.latencyP99)),
      );
      detail[durability] = { ours: a, bare: b };
      notes.push(`Ingest${label}: autocannon used ${a.map((w) => (w.generator / 10).toFixed(0)).join(' / ')}% of a core against ours, ${b.map((w) => (w.generator / 10).toFixed(0)).join(' / ')}% against bare.`);
    }
    return { name: 'ingest', rows, detail, notes };
  } finally {
    stopWorkers([load]);
    await Promise.all([bare, ...ours].map((server) => server.stop()));
  }
}
