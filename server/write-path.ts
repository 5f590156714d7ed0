/**
 * `POST /api/reports` and `POST /api/ingest` answered ahead of Express, on the same HTTP server.
 * In a global outage these two routes take nearly all the load, and the Express stack (router,
 * body parsers, helmet, compression, zod) cost about 12 times the CPU of a bare node:http handler
 * per request (issue 11).
 *
 * The rules stay in one place. This path takes only the common case, identity-encoded JSON whose
 * few fields pass a hand-written check, and ends in the same `acceptReport` / `acceptRows` as the
 * Express routes. Everything else goes to Express: before the body is read (another content type,
 * gzip, a query string, a body over the limit, a failed token...) untouched, and after it (a row
 * the quick check does not pass, an unknown service, no country) with the parsed body, which
 * body-parser then leaves as it is; so every refusal is the Express route's own, zod's message
 * included. Only what happens after the body is read and the route's own rules ran (invalid JSON,
 * 429, a failed commit) is answered here, through the error handler's `refusalOf`.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import proxyaddr from 'proxy-addr';
import { isCountryCode } from '../shared/countries.ts';
import { PROBLEMS } from '../shared/protocol.ts';
import { MAX_ROW_COUNT, instant, type ParsedIngestRow } from '../shared/schemas.ts';
import { bearerToken, fromLoopback, secretMatcher } from './auth.ts';
import type { Config } from './config.ts';
import { refusalOf } from './errors.ts';
import { acceptReport, acceptRows, validIdempotencyKey, type Answer, type IngestDeps, type Report } from './ingest.ts';
import { requestIdOf } from './request-context.ts';
import { securityHeaders } from './security.ts';

export interface WritePathDeps extends IngestDeps {
  logger: Logger;
  /** Answers everything this path does not; its `trust proxy fn` and `etag fn` are used here too. */
  app: Express;
  /** True while shutting down: an answer then closes its connection, as the Express stack does. */
  closing: () => boolean;
}

type Route = 'POST /api/reports' | 'POST /api/ingest';

/** express.json({limit: '4kb'}) on the Express route. */
const REPORT_LIMIT_BYTES = 4 * 1024;
/** The content types taken here; any other spelling (a charset, parameters) goes to Express. */
const PLAIN_JSON = new Set(['application/json', 'application/json; charset=utf-8']);
/** What body-parser raises for a body that is not JSON (strict: an object or an array). */
const NOT_JSON = Object.freeze({ status: 400, type: 'entity.parse.failed' });

// The schemas' rules, checked by hand (tests/server/write-path.test.ts holds them to the schemas).
const SERVICE_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
const EARLIEST = Date.UTC(2000, 0, 1);
const MAX_SKEW_MS = 5 * 60_000;
const ALPHA_2 = /^[A-Z]{2}$/;

const isCountry = (value: unknown): value is string => typeof value === 'string' && ALPHA_2.test(value) && isCountryCode(value);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The body of `POST /api/reports` when `reportBody` surely accepts it, as it would parse it; else
 * undefined (the schema then says why).
 */
export function quickReport(body: unknown): Report | undefined {
  if (!isObject(body)) return undefined;
  for (const key in body) if (key !== 'service' && key !== 'country' && key !== 'problem') return undefined;
  const { service, country, problem } = body;
  if (typeof service !== 'string' || !SERVICE_ID.test(service)) return undefined;
  if (country !== undefined && !isCountry(country)) return undefined;
  if (problem !== undefined && !(PROBLEMS as readonly unknown[]).includes(problem)) return undefined;
  return body as Report;
}

/**
 * One row of `POST /api/ingest` when `ingestRow` surely accepts it, as it would parse it; else
 * undefined. `latest` is the latest time accepted (now plus the allowed clock skew).
 */
export function quickRow(value: unknown, latest: number): ParsedIngestRow | undefined {
  if (!isObject(value)) return undefined;
  let keys = 0;
  for (const key in value) {
    if (key !== 'service' && key !== 'country' && key !== 'at' && key !== 'count' && key !== 'problem') return undefined;
    keys++;
  }
  const { service, country, at, count, problem } = value;
  // An empty or null problem (a CSV's empty cell) means none: the schema reads that spelling.
  if (problem !== undefined && !(PROBLEMS as readonly unknown[]).includes(problem)) return undefined;
  if (keys !== (problem === undefined ? 4 : 5) || typeof service !== 'string' || !SERVICE_ID.test(service) || !isCountry(country)) return undefined;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_ROW_COUNT) return undefined;
  if (typeof at === 'number') return Number.isFinite(at) && at >= EARLIEST && at <= latest ? (value as ParsedIngestRow) : undefined;
  // ISO times are rarer in bulk feeds and have many spellings: the schema reads them.
  const parsed = instant.safeParse(at);
  if (!parsed.success) return undefined;
  return problem === undefined ? { service, country, at: parsed.data, count } : { service, country, at: parsed.data, count, problem: problem as ParsedIngestRow['problem'] };
}

/** Every row of a bulk body, or undefined when any one is not surely valid (or there are too many). */
function quickRows(body: unknown, maxRows: number): ParsedIngestRow[] | undefined {
  if (!Array.isArray(body) || body.length > maxRows) return undefined;
  const latest = Date.now() + MAX_SKEW_MS;
  // A copy: should a later row fail, Express must see the body exactly as it came.
  const rows = new Array<ParsedIngestRow>(body.length);
  for (let i = 0; i < rows.length; i++) {
    const row = quickRow(body[i], latest);
    if (row === undefined) return undefined;
    rows[i] = row;
  }
  return rows;
}

/** The headers the security middleware sets on every response, read from it once. */
function fixedHeaders(config: Config): string[] {
  const headers: string[] = [];
  const recorder = { setHeader: (name: string, value: unknown) => void headers.push(name, String(value)), removeHeader: () => {} };
  securityHeaders(config)({} as never, recorder as never, () => {});
  // compression() adds Vary to every JSON answer, whether or not it compresses it.
  headers.push('Content-Type', 'application/json; charset=utf-8', 'Vary', 'Accept-Encoding');
  return headers;
}

const ignore = () => {};

/** The request listener of the HTTP server: the two write routes here, the rest to `deps.app`. */
export function writePath(deps: WritePathDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, app, logger, metrics, closing } = deps;
  const fixed = fixedHeaders(config);
  const services = new Set(config.services);
  const tokenMatches = config.ingestToken === undefined ? undefined : secretMatcher(config.ingestToken);
  const responses = new Map<string, { inc(): void }>();

  const clientAddress = (req: IncomingMessage): string | undefined => proxyaddr(req, app.get('trust proxy fn'));

  const trusted = (req: IncomingMessage): boolean => {
    if (tokenMatches === undefined) return fromLoopback({ socket: req.socket, ip: clientAddress(req), headers: req.headers });
    const given = bearerToken(req.headers.authorization);
    return given !== undefined && tokenMatches(given);
  };

  const countryOf = (headers: IncomingHttpHeaders, fromBody: string | undefined): string | undefined => {
    if (config.countryHeader) {
      const given = headers[config.countryHeader];
      if (isCountry(given)) return given;
    }
    return fromBody;
  };

  const respond = (req: IncomingMessage, res: ServerResponse, route: Route, id: string, started: number, answer: Answer): void => {
    // A string body goes out in one write with the headers (a Buffer would be a second one).
    const text = JSON.stringify(answer.body);
    const headers = [...fixed, 'x-request-id', id, 'Content-Length', String(Buffer.byteLength(text)), 'ETag', app.get('etag fn')(text, 'utf8') as string];
    if (answer.headers) for (const [name, value] of Object.entries(answer.headers)) headers.push(name, value);
    if (closing()) headers.push('Connection', 'close');
    res.writeHead(answer.status, headers);
    res.end(text);
    const key = `${route}\0${Math.floor(answer.status / 100)}xx`;
    let counter = responses.get(key);
    if (!counter) responses.set(key, (counter = metrics.responses.labels({ route, class: `${Math.floor(answer.status / 100)}xx` })));
    counter.inc();
    if (logger.isLevelEnabled('debug')) logger.debug({ reqId: id, method: req.method, route, status: answer.status, ms: Math.round(performance.now() - started) }, 'request');
  };

  const refuse = (req: IncomingMessage, res: ServerResponse, route: Route, id: string, started: number, error: unknown): void => {
    const { status, code, message, details } = refusalOf(error, { reqId: id, method: req.method, path: route.slice(5) }, logger, metrics);
    const headers = status === 429 && typeof details.retryAfterSeconds === 'number' ? { 'retry-after': String(details.retryAfterSeconds) } : undefined;
    respond(req, res, route, id, started, { status, headers, body: { ok: false, error: message, code, ...details } });
  };

  /** Express with the body already parsed: its body parsers see a finished request and step aside. */
  const toExpress = (req: IncomingMessage, res: ServerResponse, body: unknown): void => {
    (req as IncomingMessage & { body?: unknown }).body = body;
    app(req, res);
  };

  const answer = (req: IncomingMessage, res: ServerResponse, route: Route, body: unknown, key: string | undefined, id: string, started: number): void => {
    let work: Promise<Answer>;
    if (route === 'POST /api/reports') {
      const report = quickReport(body);
      const country = report && services.has(report.service) ? countryOf(req.headers, report.country) : undefined;
      if (report === undefined || country === undefined) return toExpress(req, res, body);
      // The client address exactly as Express's req.ip: X-Forwarded-For only through TRUST_PROXY.
      const person = clientAddress(req) ?? req.socket.remoteAddress ?? '';
      work = acceptReport(deps, report, country, person, req.headers['user-agent'] ?? '');
    } else {
      const rows = quickRows(body, config.ingestMaxRows);
      if (rows === undefined) return toExpress(req, res, body);
      work = acceptRows(deps, rows, key);
    }
    work.then(
      (done) => respond(req, res, route, id, started, done),
      (error: unknown) => refuse(req, res, route, id, started, error),
    );
  };

  return (req, res) => {
    const route: Route | undefined = req.method !== 'POST' ? undefined
      : req.url === '/api/reports' ? 'POST /api/reports'
      : req.url === '/api/ingest' ? 'POST /api/ingest'
      : undefined;
    const headers = req.headers;
    if (route === undefined || !PLAIN_JSON.has(headers['content-type']?.toLowerCase() ?? '')) return app(req, res);
    if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return app(req, res);
    const length = Number(headers['content-length']);
    const limit = route === 'POST /api/reports' ? REPORT_LIMIT_BYTES : config.ingestMaxBytes;
    if (!(length > 0 && length <= limit)) return app(req, res);
    let key: string | undefined;
    if (route === 'POST /api/ingest') {
      key = headers['idempotency-key'] as string | undefined;
      if (!trusted(req) || (key !== undefined && !validIdempotencyKey(key))) return app(req, res);
    }
    const started = performance.now();
    // Node joins a repeated header into one string (only set-cookie comes as a list).
    const id = requestIdOf(headers['x-request-id'] as string | undefined);
    const chunks: Buffer[] = [];
    // A client gone mid-body: nothing to answer, and nothing was stored.
    req.on('error', ignore);
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: unknown;
      try {
        body = parseJson(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      } catch {
        return refuse(req, res, route, id, started, NOT_JSON);
      }
      answer(req, res, route, body, key, id, started);
    });
  };
}

/** JSON as body-parser reads it: UTF-8 with any BOM dropped, and strict (an object or an array). */
function parseJson(bytes: Buffer): unknown {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const first = /^[\x20\x09\x0a\x0d]*(.)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new SyntaxError('not an object or an array');
  return JSON.parse(text);
}
