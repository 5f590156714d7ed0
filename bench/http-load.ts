/**
 * The HTTP load generator of `npm run bench`, in its own process so its CPU is measured apart
 * from the server's: autocannon's programmatic API, driven over IPC, one run per command.
 * - `report`: `POST /api/reports` of one JSON report, each request from a different sender
 *   (X-Forwarded-For, a different IPv4 /24 each time, distinct across the runs of this process),
 *   so a server behind TRUST_PROXY counts every one: the counted path, not the duplicate one.
 * - `ingest`: `POST /api/ingest` of `rows` rows a request, rotating over 16 prepared bodies.
 */
import autocannon from 'autocannon';

export type HttpLoadCommand = {
  type: 'run';
  url: string;
  kind: 'report' | 'ingest';
  connections: number;
  seconds: number;
  service: string;
  /** Rows per ingest request. */
  rows?: number;
};

export interface HttpLoadResult {
  type: 'result';
  /** 2xx answers. */
  ok: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  seconds: number;
  latencyP50: number;
  latencyP99: number;
}

const COUNTRIES = ['US', 'JP', 'GB', 'DE', 'FR', 'BR', 'IN', 'CA', 'MX', 'ES', 'IT', 'AU', 'KR', 'NL', 'SE', 'PL'];
let sender = 0;

/** A different /24 for every request: the dedupe counts one report per network per window. */
function nextSender(): string {
  const n = sender++;
  return `${11 + ((n >>> 16) % 200)}.${(n >>> 8) & 255}.${n & 255}.7`;
}

function ingestBodies(service: string, rows: number): string[] {
  const now = Date.now();
  return Array.from({ length: 16 }, (_, b) =>
    JSON.stringify(Array.from({ length: rows }, (_, i) => ({ service, country: COUNTRIES[(b + i) % COUNTRIES.length], at: now - ((b * rows + i) % 1440) * 60_000, count: 1 + (i % 3) }))),
  );
}

async function run(command: HttpLoadCommand): Promise<HttpLoadResult> {
  const headers = { 'content-type': 'application/json' };
  let request: autocannon.Request;
  if (command.kind === 'report') {
    const body = JSON.stringify({ service: command.service, country: 'US' });
    request = { method: 'POST', path: '/api/reports', headers, body, setupRequest: (req) => ({ ...req, headers: { ...headers, 'x-forwarded-for': nextSender() } }) };
  } else {
    const bodies = ingestBodies(command.service, command.rows ?? 100);
    let i = 0;
    request = { method: 'POST', path: '/api/ingest', headers, body: bodies[0], setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }) };
  }
  const result = await autocannon({ url: command.url, connections: command.connections, duration: command.seconds, requests: [request] });
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]));
  return {
    type: 'result',
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes,
    seconds: result.duration,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  };
}

process.on('message', (command: HttpLoadCommand) => {
  void run(command).then((result) => process.send!(result));
});
process.on('disconnect', () => process.exit(0));
