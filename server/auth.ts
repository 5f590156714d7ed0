import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { HttpError } from './errors.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const COMPARE_KEY = randomBytes(32);

/**
 * Whether `given` is `expected`, in time that depends on neither: both are hashed to the same
 * length first, so not even the secret's length leaks.
 */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHmac('sha256', COMPARE_KEY).update(given).digest();
  const b = createHmac('sha256', COMPARE_KEY).update(expected).digest();
  return timingSafeEqual(a, b);
}

// Any of these means a proxy stands between the client and us: the caller is not on this machine.
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host', 'x-client-ip', 'cf-connecting-ip', 'true-client-ip'];

/**
 * Whether the *client* is on this machine: the connection comes over loopback, the client address
 * Express resolved through TRUST_PROXY is loopback too, and no proxy header is present. Behind a
 * local reverse proxy the socket is always loopback; the client is not.
 */
export function fromLoopback(req: Request): boolean {
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return false;
  if (!LOOPBACK.has(req.ip ?? '')) return false;
  return FORWARDING_HEADERS.every((h) => req.headers[h] === undefined);
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
