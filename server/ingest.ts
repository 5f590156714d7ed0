import { parse as parseCsv } from 'csv-parse/sync';
import express, { Router, type Request, type RequestHandler } from 'express';
import { countryCode, reportBody, type ParsedIngestRow } from '../shared/schemas.ts';
import { minuteOf } from '../shared/time.ts';
import { requireTrusted } from './auth.ts';
import type { Config } from './config.ts';
import type { Dedupe } from './dedupe.ts';
import { HttpError, parseOr400 } from './errors.ts';
import type { Metrics } from './metrics.ts';
import { checkRow, csvColumns, csvRowCandidate } from './rows.ts';
import type { HistoryStore, MinuteCount } from './store/store.ts';

export interface IngestDeps {
  config: Config;
  store: HistoryStore;
  dedupe: Dedupe;
  metrics: Metrics;
  now: () => number;
}

/** Most issues listed in one error answer; the count says how many there were. */
const MAX_LISTED_ISSUES = 20;

/** `POST /api/reports` (public, one report) and `POST /api/ingest` (trusted, bulk counts). */
export function ingestRoutes({ config, store, dedupe, metrics, now }: IngestDeps): Router {
  const router = Router();

  router.post('/api/reports', express.json({ limit: '4kb' }), async (req, res) => {
    requireBody(req.body, 'application/json');
    const report = parseOr400(reportBody, req.body, 'report');
    if (!config.services.includes(report.service)) {
      throw new HttpError(404, `unknown service "${report.service}"`, { services: config.services });
    }
    const country = countryOf(req.get.bind(req), config.countryHeader, report.country);
    const at = now();
    const person = req.ip ?? req.socket.remoteAddress ?? '';
    const verdict = dedupe.check(person, req.get('user-agent') ?? '', report.service, at);
    if (verdict === 'duplicate') {
      metrics.reports.inc({ service: report.service, result: 'duplicate' });
      res.status(200).json({ ok: true, data: { counted: false, reason: 'already counted within the dedupe window' } });
      return;
    }
    if (verdict === 'limited') {
      metrics.reports.inc({ service: report.service, result: 'limited' });
      throw new HttpError(429, `too many reports for "${report.service}" from this address; try again in ${config.dedupeMinutes} minutes`);
    }
    const minute = minuteOf(at);
    await commit(store.add([{ service: report.service, country, minute, count: 1 }]));
    metrics.reports.inc({ service: report.service, result: 'counted' });
    res.status(201).json({ ok: true, data: { counted: true, service: report.service, country, minute: minute * 60_000 } });
  });

  router.post(
    '/api/ingest',
    requireTrusted(config.ingestToken, 'ingest'),
    ...bulkBody(),
    async (req, res) => {
      const rows = bulkRows(req);
      const counts: MinuteCount[] = rows.map((r) => ({ service: r.service, country: r.country, minute: minuteOf(r.at), count: r.count }));
      await commit(store.add(counts));
      metrics.ingestRows.inc(counts.length);
      res.status(200).json({ ok: true, data: { accepted: counts.length } });
    },
  );

  return router;
}

const BULK_LIMIT = '20mb';

/** Body parsers of the bulk formats: a JSON array, NDJSON or CSV `time,service,country,count`. */
export function bulkBody(): RequestHandler[] {
  return [
    express.json({ limit: BULK_LIMIT }),
    express.text({ type: ['text/csv', 'application/x-ndjson', 'application/ndjson'], limit: BULK_LIMIT }),
  ];
}

/** The rows of a request parsed by `bulkBody`, all valid or none: a 4xx names the bad ones. */
export function bulkRows(req: Request): ParsedIngestRow[] {
  requireBody(req.body, 'application/json (an array), application/x-ndjson or text/csv');
  return validateRows(candidateRows(req.body, req.is('text/csv') ? 'csv' : req.is('json') ? 'json' : 'ndjson'));
}

/** Waits for the rows to be on disk; a failed commit is the server's fault and says so. */
export async function commit(write: Promise<void>): Promise<void> {
  try {
    await write;
  } catch (error) {
    // The client gets a stable message; the error handler logs the cause.
    throw Object.assign(new HttpError(503, 'storage unavailable: nothing was stored, try again'), { cause: error });
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

function candidateRows(body: unknown, format: 'json' | 'ndjson' | 'csv'): Candidate[] {
  if (format === 'json') {
    if (!Array.isArray(body)) throw new HttpError(400, 'body: must be a JSON array of {service, country, at, count}');
    return body.map((value, i) => ({ where: `rows[${i}]`, value }));
  }
  const text = String(body);
  if (format === 'ndjson') {
    const out: Candidate[] = [];
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        out.push({ where: `line ${i + 1}`, value: JSON.parse(line) });
      } catch {
        throw new HttpError(400, `line ${i + 1}: not valid JSON`);
      }
    });
    return out;
  }
  let records: string[][];
  try {
    records = parseCsv(text, { skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (error) {
    throw new HttpError(400, `csv: ${(error as Error).message}`);
  }
  let col;
  try {
    col = csvColumns(records[0]);
  } catch (error) {
    throw new HttpError(400, `csv: ${(error as Error).message}`);
  }
  return records.slice(1).map((r, i) => ({ where: `line ${i + 2}`, value: csvRowCandidate(r, col) }));
}

/** All rows or none: one bad row refuses the request, naming every bad row (up to a limit). */
function validateRows(candidates: Candidate[]): ParsedIngestRow[] {
  const rows: ParsedIngestRow[] = [];
  const issues: string[] = [];
  let invalid = 0;
  for (const { where, value } of candidates) {
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
