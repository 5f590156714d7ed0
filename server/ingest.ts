import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import express, { Router, type Request, type RequestHandler } from 'express';
import type { z } from 'zod';
import { countryCode, reportBody, type ParsedIngestRow } from '../shared/schemas.ts';
import { minuteOf } from '../shared/time.ts';
import { requireTrusted } from './auth.ts';
import type { Config } from './config.ts';
import type { ReportGate } from './dedupe.ts';
import { HttpError, noQuery, parseOr400, storageError } from './errors.ts';
import type { Metrics } from './metrics.ts';
import { FileFormatError, checkRow, readFileRows } from './rows.ts';
import type { HistoryStore, IdempotentResult, MinuteCount } from './store/store.ts';

export interface IngestDeps {
  config: Config;
  store: HistoryStore;
  dedupe: ReportGate;
  metrics: Metrics;
  now: () => number;
}

/** Most issues listed in one error answer; the count says how many there were. */
const MAX_LISTED_ISSUES = 20;

/** `POST /api/reports` (public, one report) and `POST /api/ingest` (trusted, bulk counts). */
export function ingestRoutes(deps: IngestDeps): Router {
  const { config } = deps;
  const router = Router();

  router.post('/api/reports', noQuery, express.json({ limit: '4kb' }), async (req, res) => {
    requireBody(req.body, 'application/json');
    const report = parseOr400(reportBody, req.body, 'report');
    if (!config.services.includes(report.service)) {
      throw new HttpError(404, `unknown service "${report.service}"`, { services: config.services }, 'unknown-service');
    }
    const country = countryOf(req.get.bind(req), config.countryHeader, report.country);
    // req.ip is the client's address: X-Forwarded-For is read only through TRUST_PROXY's proxies.
    const person = req.ip ?? req.socket.remoteAddress ?? '';
    send(res, await acceptReport(deps, report, country, person, req.get('user-agent') ?? ''));
  });

  router.post(
    '/api/ingest',
    noQuery,
    requireTrusted(config.ingestToken, 'ingest'),
    ...bulkBody(config),
    async (req, res) => {
      const key = idempotencyKey(req.get('idempotency-key'));
      send(res, await acceptRows(deps, await bulkRows(req, config), key));
    },
  );

  return router;
}

export type Report = z.output<typeof reportBody>;

/**
 * What a write route answers when it gets that far. The Express routes and the fast path
 * (write-path.ts) both end in `acceptReport` / `acceptRows`, so their rules are one piece of code.
 */
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function send(res: express.Response, answer: Answer): void {
  if (answer.headers) res.set(answer.headers);
  res.status(answer.status).json(answer.body);
}

/**
 * A valid report of a known service, with its country, from `person` (the client address as
 * TRUST_PROXY resolves it): dedupe and per-network limits, then stored before the answer.
 */
export async function acceptReport({ store, dedupe, metrics, now }: IngestDeps, report: Report, country: string, person: string, userAgent: string): Promise<Answer> {
  const at = now();
  // The shared (Redis) dedupe answers with a Promise; the in-process one stays synchronous.
  const checked = dedupe.check(person, userAgent, report.service, at);
  const verdict = checked instanceof Promise ? await checked : checked;
  if (verdict.result === 'limited') {
    metrics.reports.inc({ service: report.service, result: 'limited' });
    const retryAfterSeconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
    throw new HttpError(429, `too many reports for "${report.service}" from this network; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
  if (verdict.result !== 'counted') {
    metrics.reports.inc({ service: report.service, result: verdict.result });
    const reason = verdict.result === 'duplicate'
      ? 'already counted within the dedupe window'
      : 'this network has already been counted for this service within the window';
    return { status: 200, body: { ok: true, data: { counted: false, reason, code: verdict.result } } };
  }
  const minute = minuteOf(at);
  // The problem, when named, is stored beside the total (a breakdown per country and minute).
  try {
    await commit(store.add([{ service: report.service, country, minute, count: 1, ...(report.problem ? { problem: report.problem } : {}) }]));
  } catch (error) {
    // Nothing was stored (a 503): the person's retry must count, not be "already counted".
    await Promise.resolve()
      .then(() => dedupe.release(person, userAgent, report.service, at))
      .catch(() => {});
    throw error;
  }
  metrics.reports.inc({ service: report.service, result: 'counted' });
  return { status: 201, body: { ok: true, data: { counted: true, service: report.service, country, minute: minute * 60_000 } } };
}

/** Valid trusted rows, all stored or none, once per Idempotency-Key when one is given. */
export async function acceptRows({ store, metrics }: IngestDeps, rows: readonly ParsedIngestRow[], key: string | undefined): Promise<Answer> {
  const counts: MinuteCount[] = rows.map(countOfRow);
  if (key === undefined) {
    await commit(store.add(counts));
    metrics.ingestRows.inc(counts.length);
    return { status: 200, body: { ok: true, data: { accepted: counts.length } } };
  }
  // The key is committed with the rows: a retry after a lost answer (or a crash) adds nothing.
  const fingerprint = createHash('sha256').update(JSON.stringify(counts)).digest('base64url');
  let outcome: IdempotentResult | undefined;
  await commit(store.addOnce(counts, { key, fingerprint }).then((o) => void (outcome = o)));
  if (outcome!.replayed && outcome!.fingerprint !== fingerprint) {
    throw new HttpError(422, 'Idempotency-Key: already used for a request with other rows; use a new key per request', {}, 'idempotency-key-reused');
  }
  if (!outcome!.replayed) metrics.ingestRows.inc(counts.length);
  return { status: 200, headers: { 'idempotent-replayed': String(outcome!.replayed) }, body: { ok: true, data: { accepted: outcome!.rows, replayed: outcome!.replayed } } };
}

/** A validated ingest row as the store keeps it: its minute, and its problem when it names one. */
export function countOfRow(r: ParsedIngestRow): MinuteCount {
  const count: MinuteCount = { service: r.service, country: r.country, minute: minuteOf(r.at), count: r.count };
  if (r.problem) count.problem = r.problem;
  return count;
}

/** Rows validated between two yields to the event loop, so a large request never stalls others. */
const ROWS_PER_SLICE = 1_000;
/** Text handed to the streaming CSV / NDJSON readers at a time (each piece parses in well under a ms). */
const TEXT_PIECE = 64 * 1024;

export interface BulkLimits {
  ingestMaxBytes: number;
  ingestMaxRows: number;
}

/**
 * Body parsers of the bulk formats: a JSON array, NDJSON or CSV `time,service,country,count`.
 * `ingestMaxBytes` bounds the body after decompression too (body-parser counts inflated bytes and
 * stops there), so a small gzip that expands to megabytes is refused (413) as soon as it passes it.
 */
export function bulkBody(limits: BulkLimits): RequestHandler[] {
  return [
    express.json({ limit: limits.ingestMaxBytes, strict: true }),
    express.text({ type: ['text/csv', 'application/x-ndjson', 'application/ndjson'], limit: limits.ingestMaxBytes }),
  ];
}

/** The rows of a request parsed by `bulkBody`, all valid or none: a 4xx names the bad ones. */
export async function bulkRows(req: Request, limits: BulkLimits): Promise<ParsedIngestRow[]> {
  requireBody(req.body, 'application/json (an array), application/x-ndjson or text/csv');
  if (req.is('json')) {
    const body: unknown = req.body;
    if (!Array.isArray(body)) throw new HttpError(400, 'body: must be a JSON array of {service, country, at, count}');
    tooMany(body.length, limits.ingestMaxRows);
    return validateRows(body.map((value, i) => ({ where: `rows[${i}]`, value })));
  }
  if (typeof req.body !== 'string') throw new HttpError(415, 'content-type: expected application/json (an array), application/x-ndjson or text/csv');
  return validateRows(await textRows(req.body, req.is('text/csv') ? 'csv' : 'ndjson', limits.ingestMaxRows));
}

function tooMany(rows: number, max: number): void {
  if (rows > max) throw new HttpError(413, `body: more than ${max} rows in one request; split it (or use npm run import)`, {}, 'too-many-rows');
}

/** CSV or NDJSON text read by the same streaming readers as `npm run import`, a piece at a time. */
async function textRows(text: string, format: 'csv' | 'ndjson', maxRows: number): Promise<Candidate[]> {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += TEXT_PIECE) pieces.push(text.slice(i, i + TEXT_PIECE));
  const out: Candidate[] = [];
  try {
    for await (const row of readFileRows(Readable.from(pieces), format)) {
      if (row.problem !== undefined) throw new HttpError(400, `line ${row.line}: ${row.problem}`);
      out.push({ where: `line ${row.line}`, value: row.value });
      tooMany(out.length, maxRows);
      if (out.length % ROWS_PER_SLICE === 0) await yieldToLoop();
    }
  } catch (error) {
    if (error instanceof FileFormatError) throw new HttpError(400, `${format}: ${error.message}`);
    throw error;
  }
  return out;
}

export const validIdempotencyKey = (header: string): boolean => /^[\x21-\x7e]{1,200}$/.test(header);

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `Idempotency-Key`: printable ASCII without spaces, 1-200 characters (a UUID is typical). */
function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!validIdempotencyKey(header)) throw new HttpError(400, 'Idempotency-Key: must be 1-200 printable characters without spaces, e.g. a UUID', {}, 'invalid-idempotency-key');
  return header;
}

/** Waits for the rows to be on disk; a failed commit is the server's fault and says so. */
export async function commit(write: Promise<void>): Promise<void> {
  try {
    await write;
  } catch (error) {
    // The client gets a stable message; the error handler logs the cause.
    throw storageError(error);
  }
}

function requireBody(body: unknown, expected: string): void {
  if (body === undefined) throw new HttpError(415, `content-type: expected ${expected}`);
}

/** The trusted CDN header wins over the body: a user can type any country, a CDN cannot be told. */
function countryOf(header: (name: string) => string | undefined, headerName: string | undefined, fromBody: string | undefined): string {
  if (headerName) {
    const parsed = countryCode.safeParse(header(headerName) ?? '');
    if (parsed.success) return parsed.data;
  }
  if (fromBody) return fromBody;
  throw new HttpError(422, headerName
    ? `country: missing (no valid ${headerName} header and no country in the body)`
    : 'country: missing (send an ISO 3166-1 alpha-2 code such as "US")');
}

interface Candidate {
  /** How to point at the row in an error: `rows[3]` or `line 4`. */
  where: string;
  value: unknown;
}

/** All rows or none: one bad row refuses the request, naming every bad row (up to a limit). */
async function validateRows(candidates: Candidate[]): Promise<ParsedIngestRow[]> {
  const rows: ParsedIngestRow[] = [];
  const issues: string[] = [];
  let invalid = 0;
  for (const [i, { where, value }] of candidates.entries()) {
    if (i > 0 && i % ROWS_PER_SLICE === 0) await yieldToLoop();
    const checked = checkRow(value, where);
    if (checked.ok) rows.push(checked.row);
    else {
      invalid++;
      if (issues.length < MAX_LISTED_ISSUES) issues.push(...checked.issues.slice(0, MAX_LISTED_ISSUES - issues.length));
    }
  }
  if (invalid > 0) {
    throw new HttpError(400, `${invalid} of ${candidates.length} rows are invalid, nothing was stored; first: ${issues[0]}`, { issues });
  }
  return rows;
}
