import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { describeIssues } from '../shared/schemas.ts';
import type { Metrics } from './metrics.ts';

/** Stable codes of API errors, beside the human message; pages and scripts branch on these. */
const CODE_OF_STATUS: Record<number, string> = {
  400: 'invalid-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  408: 'timeout',
  409: 'conflict',
  411: 'length-required',
  413: 'too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  416: 'range-not-satisfiable',
  422: 'unprocessable',
  429: 'rate-limited',
  431: 'headers-too-large',
  503: 'unavailable',
};

/** An error whose message is safe and useful to show the client. */
export class HttpError extends Error {
  readonly code: string;
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
    code?: string,
  ) {
    super(message);
    this.code = code ?? (typeof details.code === 'string' ? details.code : codeOf(status));
  }
}

/**
 * A failed write, as the client sees it: 503 with a stable code, whatever the route (ingest,
 * reports, channels). The cause (a full disk, a read-only folder) goes to the log only.
 */
export function storageError(cause: unknown): HttpError {
  return Object.assign(new HttpError(503, 'storage unavailable: nothing was stored, try again later', {}, 'storage-unavailable'), { cause });
}

function codeOf(status: number): string {
  return CODE_OF_STATUS[status] ?? (status >= 500 ? 'internal' : 'invalid-request');
}

/** Parses `value` with `schema` or throws a 400 that lists each problem with its field. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = describeIssues(result.error);
  throw new HttpError(400, `invalid ${what}: ${issues[0]}`, { issues });
}

/**
 * A query string checked against `shape`: an unknown parameter (`service[$ne]`, a typo) or a
 * repeated one (`service=a&service=b`) is refused by name, never ignored or half-read.
 */
export function parseQuery<S extends z.ZodRawShape>(
  shape: S,
  query: Request['query'],
  prepare: (query: Record<string, unknown>) => Record<string, unknown> = (q) => q,
): z.output<z.ZodObject<S>> {
  const given = Object.keys(query);
  const unknown = given.filter((k) => !Object.hasOwn(shape, k));
  if (unknown.length > 0) {
    const known = Object.keys(shape);
    throw new HttpError(400, `invalid query: unknown parameter(s): ${unknown.map((k) => JSON.stringify(k)).join(', ')}${known.length ? ` (expected: ${known.join(', ')})` : ' (none expected)'}`, {}, 'invalid-query');
  }
  const repeated = given.filter((k) => typeof query[k] !== 'string');
  if (repeated.length > 0) throw new HttpError(400, `invalid query: repeated parameter(s): ${repeated.join(', ')}`, {}, 'invalid-query');
  return parseOr400(z.object(shape), prepare({ ...query }), 'query');
}

/** Refuses any query string: for routes that take none. */
export const noQuery: RequestHandler = (req, _res, next) => {
  parseQuery({}, req.query);
  next();
};

// body-parser and raw-body mark their own failures with a `type`; these are the client's mistakes.
const BODY_ERRORS: Record<string, [number, string]> = {
  'entity.parse.failed': [400, 'body: not valid JSON'],
  'entity.too.large': [413, 'body: too large'],
  'entity.verify.failed': [400, 'body: refused'],
  'encoding.unsupported': [415, 'body: unsupported content encoding (identity, gzip, deflate or br)'],
  'charset.unsupported': [415, 'body: unsupported charset'],
  'request.aborted': [400, 'body: request aborted'],
  'request.size.invalid': [400, 'body: shorter or longer than its Content-Length'],
  'stream.encoding.set': [500, 'internal error'],
};

/** A readable message for a 4xx raised by a library (router, static files, body decoding). */
function libraryMessage(status: number, error: { type?: unknown; code?: unknown; message?: unknown }): string {
  if (status === 404) return 'not found';
  if (status === 400 && /decode|URI/i.test(String(error.message))) return 'bad request: malformed percent-encoding in the path';
  // zlib errors while inflating the body: a body marked gzip (or deflate, br) that is not.
  if (typeof error.code === 'string' && error.code.startsWith('Z_')) return 'body: not valid for its content-encoding';
  return status === 400 ? 'bad request' : (CODE_OF_STATUS[status] ?? 'refused').replace(/-/g, ' ');
}

export interface Refusal {
  status: number;
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** What the client is told about `error`: never a stack, never an internal message. */
export function describeError(error: unknown): Refusal {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message, details: error.details };
  const e = (error ?? {}) as { type?: unknown; status?: unknown; statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof e.type === 'string' && BODY_ERRORS[e.type]) {
    const [status, message] = BODY_ERRORS[e.type]!;
    return { status, code: codeOf(status), message, details: {} };
  }
  const raw = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
  const status = Number.isInteger(raw) && raw >= 400 && raw <= 599 ? raw : 500;
  if (status >= 500) return { status, code: codeOf(status), message: status === 503 ? 'unavailable: try again' : 'internal error', details: {} };
  return { status, code: codeOf(status), message: libraryMessage(status, e), details: {} };
}

export function notFound(): RequestHandler {
  return (req, _res, next) => next(new HttpError(404, `no such endpoint: ${req.method} ${safePath(req)}`));
}

/**
 * What the client is told about `error`, after logging it once (a stack only for 5xx) and counting
 * a refusal by its code: the error handler's and the fast write path's (write-path.ts) one rule.
 */
export function refusalOf(error: unknown, where: { reqId: string; method: string | undefined; path: string }, logger: Logger, metrics: Metrics): Refusal {
  const refusal = describeError(error);
  const { status, code, message } = refusal;
  if (status >= 500) logger.error({ ...where, status, err: error }, 'request failed');
  else {
    metrics.refusals.inc({ reason: code });
    logger.info({ ...where, status, code, message }, 'request refused');
  }
  return refusal;
}

/** Clients get a stable message with a code; the log gets the real error, once (a stack only for 5xx). */
export function errorHandler(logger: Logger, metrics: Metrics): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const { status, code, message, details } = refusalOf(error, { reqId: req.id, method: req.method, path: safePath(req) }, logger, metrics);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status === 429 && typeof details.retryAfterSeconds === 'number') res.set('retry-after', String(details.retryAfterSeconds));
    res.status(status).json({ ok: false, error: message, code, ...details });
  };
}

/** The path as sent, for logs, without the query (a token may ride in it) and cut short. */
function safePath(req: Request): string {
  return (req.originalUrl ?? req.url).split('?')[0]!.slice(0, 200);
}
