import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { HttpError } from './errors.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether the request comes over the loopback interface (never from a proxy header). */
export function fromLoopback(req: Request): boolean {
  return LOOPBACK.has(req.socket.remoteAddress ?? '');
}

/**
 * Trusted writers: `Authorization: Bearer <token>` when a token is set; otherwise only callers on
 * this machine, so a fresh install is not open to the world.
 */
export function requireTrusted(token: string | undefined, what: string): RequestHandler {
  return (req, _res, next) => {
    if (token === undefined) {
      if (fromLoopback(req)) return next();
      return next(new HttpError(403, `${what} is only open to this machine until INGEST_TOKEN is set`));
    }
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match) return next(new HttpError(401, `${what} needs Authorization: Bearer <INGEST_TOKEN>`));
    if (!sameSecret(match[1]!.trim(), token)) return next(new HttpError(401, `${what}: wrong token`));
    next();
  };
}
