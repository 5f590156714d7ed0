/**
 * The steady ingest behind the live cases of `npm run bench`, in its own process so its CPU is
 * measured apart from the server's: `postsPerSecond` JSON POSTs to /api/ingest a second, each
 * with one count for the next `rowsPerPost` countries in turn (200 countries in one POST a second:
 * 200 countries change each second), on a fixed schedule (no drift; a slow server gets the same
 * offered load, queued: `maxInFlight` shows how far behind it fell, and beyond 5,000 queued
 * posts one is skipped). node:http with a keep-alive agent: several times lighter than fetch.
 */
import http from 'node:http';

export type FeedCommand =
  | { type: 'feed'; url: string; service: string; countries: string[]; rowsPerPost: number; postsPerSecond: number }
  | { type: 'stop' }
  | { type: 'stats' };

export interface FeedStats {
  type: 'stats';
  rows: number;
  posts: number;
  failed: number;
  skipped: number;
  /** Most posts waiting for an answer at once. */
  maxInFlight: number;
  /** Mean ms a tick fired after its scheduled time (a saturated generator lags). */
  meanLagMs: number;
  /** The last refusal: status and the start of the answer. */
  lastError?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const inFlightLimit = 5000;
let timer: NodeJS.Timeout | undefined;
let inFlight = 0;
let stats = { rows: 0, posts: 0, failed: 0, skipped: 0, lagSum: 0, ticks: 0, maxInFlight: 0 };
let lastError: string | undefined;

function post(target: URL, body: string, rows: number): void {
  if (inFlight >= inFlightLimit) {
    stats.skipped++;
    return;
  }
  inFlight++;
  stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
  const req = http.request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
    let text = '';
    if (res.statusCode !== 200) res.on('data', (d: Buffer) => (text += d));
    else res.resume();
    res.on('end', () => {
      inFlight--;
      if (res.statusCode === 200) {
        stats.posts++;
        stats.rows += rows;
      } else {
        stats.failed++;
        lastError = `${res.statusCode} ${text.slice(0, 200)}`;
      }
    });
  });
  req.on('error', (error) => {
    inFlight--;
    stats.failed++;
    lastError = error.message;
  });
  req.end(body);
}

function start(command: Extract<FeedCommand, { type: 'feed' }>): void {
  clearTimeout(timer);
  const target = new URL('/api/ingest', command.url);
  const interval = 1000 / command.postsPerSecond;
  const began = performance.now();
  let tick = 0;
  let next = 0;
  const fire = () => {
    stats.lagSum += Math.max(0, performance.now() - (began + tick * interval));
    stats.ticks++;
    const at = Date.now();
    const rows = Array.from({ length: command.rowsPerPost }, () => ({ service: command.service, country: command.countries[next++ % command.countries.length]!, at, count: 1 }));
    post(target, JSON.stringify(rows), rows.length);
    tick++;
    timer = setTimeout(fire, Math.max(0, began + tick * interval - performance.now()));
  };
  fire();
}

process.on('message', (command: FeedCommand) => {
  if (command.type === 'feed') start(command);
  else if (command.type === 'stop') {
    clearTimeout(timer);
    timer = undefined;
  } else {
    const reply: FeedStats = { type: 'stats', rows: stats.rows, posts: stats.posts, failed: stats.failed, skipped: stats.skipped, maxInFlight: stats.maxInFlight, meanLagMs: stats.ticks ? stats.lagSum / stats.ticks : 0, lastError };
    lastError = undefined;
    stats = { rows: 0, posts: 0, failed: 0, skipped: 0, lagSum: 0, ticks: 0, maxInFlight: inFlight };
    process.send!(reply);
  }
});

process.on('disconnect', () => process.exit(0));
