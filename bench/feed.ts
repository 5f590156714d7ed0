/**
 * The steady ingest of `npm run bench -- latency`, in its own process so its CPU is measured apart
 * from the server's: every busy service gets `rowsPerSecond` one-count rows of random countries,
 * `postsPerSecond` JSON POSTs to /api/ingest a second, on a fixed schedule (no drift; a slow
 * server gets the same offered load, queued: `maxInFlight` shows how far behind it fell, and only
 * beyond 5,000 queued posts is one skipped).
 * node:http with a keep-alive agent: several times lighter per request than fetch.
 */
import http from 'node:http';

export type LoadCommand =
  | { type: 'load'; url: string; services: string[]; countries: string[]; rowsPerSecond: number; postsPerSecond: number }
  | { type: 'stats' };

export interface LoadStats {
  type: 'stats';
  rows: number;
  posts: number;
  failed: number;
  skipped: number;
  /** Most posts waiting for an answer at once. */
  maxInFlight: number;
  /** Mean ms a tick fired after its scheduled time (a saturated generator lags). */
  meanLagMs: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const inFlightLimit = 5000;
let timer: NodeJS.Timeout | undefined;
let inFlight = 0;
let stats = { rows: 0, posts: 0, failed: 0, skipped: 0, lagSum: 0, ticks: 0, maxInFlight: 0 };

function post(target: URL, body: string, rows: number): void {
  if (inFlight >= inFlightLimit) {
    stats.skipped++;
    return;
  }
  inFlight++;
  stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
  const req = http.request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
    res.resume();
    res.on('end', () => {
      inFlight--;
      if (res.statusCode === 200) {
        stats.posts++;
        stats.rows += rows;
      } else stats.failed++;
    });
  });
  req.on('error', () => {
    inFlight--;
    stats.failed++;
  });
  req.end(body);
}

function start(command: Extract<LoadCommand, { type: 'load' }>): void {
  clearTimeout(timer);
  timer = undefined;
  if (command.services.length === 0) return;
  const target = new URL('/api/ingest', command.url);
  const interval = 1000 / command.postsPerSecond;
  const perPost = command.rowsPerSecond / command.postsPerSecond;
  const began = performance.now();
  let tick = 0;
  let carry = 0;
  const fire = () => {
    const due = began + tick * interval;
    stats.lagSum += Math.max(0, performance.now() - due);
    stats.ticks++;
    carry += perPost;
    const n = Math.floor(carry);
    carry -= n;
    if (n > 0) {
      const at = Date.now();
      for (const service of command.services) {
        const rows = Array.from({ length: n }, () => ({ service, country: command.countries[Math.floor(Math.random() * command.countries.length)]!, at, count: 1 }));
        post(target, JSON.stringify(rows), n);
      }
    }
    tick++;
    timer = setTimeout(fire, Math.max(0, began + tick * interval - performance.now()));
  };
  fire();
}

process.on('message', (command: LoadCommand) => {
  if (command.type === 'load') start(command);
  else {
    const reply: LoadStats = { type: 'stats', rows: stats.rows, posts: stats.posts, failed: stats.failed, skipped: stats.skipped, maxInFlight: stats.maxInFlight, meanLagMs: stats.ticks ? stats.lagSum / stats.ticks : 0 };
    stats = { rows: 0, posts: 0, failed: 0, skipped: 0, lagSum: 0, ticks: 0, maxInFlight: inFlight };
    process.send!(reply);
  }
});

process.on('disconnect', () => process.exit(0));
