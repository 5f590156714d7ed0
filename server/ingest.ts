import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import express, { Router, type Request, type RequestHandler } from 'express';
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
export function ingestRoutes({ config, store, dedupe, metrics, now }: IngestDeps): Router {
  const router = Router();

  router.post('/api/reports', noQuery, express.json({ limit: '4kb' }), async (req, res) => {
    requireBody(req.body, 'application/json');
    const report = parseOr400(reportBody, req.body, 'report');
    if (!config.services.includes(report.service)) {
      throw new HttpError(404, `unknown service "${report.service}"`, { services: config.services }, 'unknown-service');
    }
    const country = countryOf(req.get.bind(req), config.countryHeader, report.country);
    const at = now();
    // req.ip is the client's address: X-Forwarded-For is read only through TRUST_PROXY's proxies.
    const person = req.ip ?? req.socket.remoteAddress ?? '';
    // The shared (Redis) dedupe answers with a Promise; the in-process one stays synchronous.
    const checked = dedupe.check(person, req.get('user-agent') ?? '', report.service, at);
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
      res.status(200).json({ ok: true, data: { counted: false, reason, code: verdict.result } });
      return;
    }
    const minute = minuteOf(at);
    // The problem, when named, is stored beside the total (a breakdown per country and minute).
    await commit(store.add([{ service: report.service, country, minute, count: 1, ...(report.problem ? { problem: report.problem } : {}) }]));
    metrics.reports.inc({ service: report.service, result: 'counted' });
    res.status(201).json({ ok: true, data: { counted: true, service: report.service, country, minute: minute * 60_000 } });
  });

  router.post(
    '/api/ingest',
    noQuery,
    requireTrusted(config.ingestToken, 'ingest'),
    ...bulkBody(config),
    async (req, res) => {
      const key = idempotencyKey(req.get('idempotency-key'));
      const rows = await bulkRows(req, config);
      const counts: MinuteCount[] = rows.map(countOfRow);
      if (key === undefined) {
        await commit(store.add(counts));
        metrics.ingestRows.inc(counts.length);
        res.status(200).json({ ok: true, data: { accepted: counts.length } });
        return;
      }
      // The key is committed with the rows: a retry after a lost answer (or a crash) adds nothing.
      const fingerprint = createHash('sha256').update(JSON.stringify(counts)).digest('base64url');
      let outcome: IdempotentResult | undefined;
      await commit(store.addOnce(counts, { key, fingerprint }).then((o) => void (outcome = o)));
      if (outcome!.replayed && outcome!.fingerprint !== fingerprint) {
        throw new HttpError(422, 'Idempotency-Key: already used for a request with other rows; use a new key per request', {}, 'idempotency-key-reused');
      }
      if (!outcome!.replayed) metrics.ingestRows.inc(counts.length);
      res.set('idempotent-replayed', String(outcome!.replayed));
      res.status(200).json({ ok: true, data: { accepted: outcome!.rows, replayed: outcome!.replayed } });
    },
  );

  return router;
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

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `Idempotency-Key`: printable ASCII without spaces, 1-200 characters (a UUID is typical). */
function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,200}$/.test(header)) throw new HttpError(400, 'Idempotency-Key: must be 1-200 printable characters without spaces, e.g. a UUID', {}, 'invalid-idempotency-key');
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
