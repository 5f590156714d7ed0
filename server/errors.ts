import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { describeIssues } from '../shared/schemas.ts';
import type { Metrics } from './metrics.ts';

/** An error whose message is safe and useful to show the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Parses `value` with `schema` or throws a 400 that lists each problem with its field. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = describeIssues(result.error);
  throw new HttpError(400, `invalid ${what}: ${issues[0]}`, { issues });
}

// body-parser marks its own failures with a `type`; these are the client's mistakes.
const BODY_ERRORS: Record<string, [number, string]> = {
  'entity.parse.failed': [400, 'body: not valid JSON'],
  'entity.too.large': [413, 'body: too large'],
  'encoding.unsupported': [415, 'body: unsupported content encoding'],
  'charset.unsupported': [415, 'body: unsupported charset'],
  'request.aborted': [400, 'body: request aborted'],
};

export function notFound(): RequestHandler {
  return (req, _res, next) => next(new HttpError(404, `no such endpoint: ${req.method} ${req.originalUrl.split('?')[0]}`));
}

/** Clients get a stable message; the log gets the real error, once. */
export function errorHandler(logger: Logger, metrics: Metrics): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let status = 500;
    let message = 'internal error';
    let details: Record<string, unknown> = {};
    if (error instanceof HttpError) {
      ({ status, message, details } = error);
    } else if (typeof error?.type === 'string' && BODY_ERRORS[error.type]) {
      [status, message] = BODY_ERRORS[error.type]!;
    }
    if (status >= 500) logger.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
    else {
      metrics.rejected.inc({ status: String(status) });
      logger.debug({ status, message, url: req.originalUrl }, 'request refused');
    }
    if (res.headersSent) return;
    res.status(status).json({ ok: false, error: message, ...details });
  };
}
