import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id: the caller's `X-Request-Id` when it is a plain token, else a new UUID. */
    id: string;
  }
}

const GIVEN_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The request id for a request that sent `given` as `X-Request-Id`. */
export function requestIdOf(given: string | undefined): string {
  return given && GIVEN_ID.test(given) ? given : randomUUID();
}

/**
 * First middleware of every request: an id (echoed in `X-Request-Id` and in every log line about
 * the request), and, when the response ends, one count by route and status class and a debug line.
 */
export function requestContext(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    req.id = requestIdOf(req.get('x-request-id'));
    res.set('x-request-id', req.id);
    const started = performance.now();
    res.once('finish', () => {
      const route = routeOf(req);
      metrics.responses.inc({ route, class: `${Math.floor(res.statusCode / 100)}xx` });
      logger.debug({ reqId: req.id, method: req.method, route, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
    });
    next();
  };
}

/** The matched route pattern (bounded: never the raw path, which a client may vary at will). */
function routeOf(req: Request): string {
  const path = req.route?.path as unknown;
  if (typeof path === 'string') return `${req.method} ${path}`;
  if (Array.isArray(path)) return `${req.method} ${String(path[0])}`;
  if (path instanceof RegExp) return `${req.method} page`;
  // Files served by express.static match no route; anything else is a path nobody serves.
  return (req.res?.statusCode ?? 500) < 400 ? 'static' : 'unmatched';
}
