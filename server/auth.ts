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
  return secretMatcher(expected)(given);
}

/** `sameSecret` against a fixed secret, whose hash is computed once. */
export function secretMatcher(expected: string): (given: string) => boolean {
  const b = createHmac('sha256', COMPARE_KEY).update(expected).digest();
  return (given) => timingSafeEqual(createHmac('sha256', COMPARE_KEY).update(given).digest(), b);
}

// Any of these means a proxy stands between the client and us: the caller is not on this machine.
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host', 'x-client-ip', 'cf-connecting-ip', 'true-client-ip'];

/**
 * Whether the *client* is on this machine: the connection comes over loopback, the client address
 * Express resolved through TRUST_PROXY is loopback too, and no proxy header is present. Behind a
 * local reverse proxy the socket is always loopback; the client is not.
 */
export function fromLoopback(req: Pick<Request, 'socket' | 'ip' | 'headers'>): boolean {
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return false;
  if (!LOOPBACK.has(req.ip ?? '')) return false;
  return FORWARDING_HEADERS.every((h) => req.headers[h] === undefined);
}

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]!.trim();
}

/**
 * Trusted writers: `Authorization: Bearer <token>` when a token is set; otherwise only callers on
 * this machine, so a fresh install is not open to the world.
 */
export function requireTrusted(token: string | undefined, what: string): RequestHandler {
  const matches = token === undefined ? undefined : secretMatcher(token);
  return (req, _res, next) => {
    if (token === undefined) {
      if (fromLoopback(req)) return next();
      return next(new HttpError(403, `${what} is only open to this machine until INGEST_TOKEN is set`));
    }
    const given = bearerToken(req.get('authorization'));
    if (given === undefined) return next(new HttpError(401, `${what} needs Authorization: Bearer <INGEST_TOKEN>`));
    if (!matches!(given)) return next(new HttpError(401, `${what}: wrong token`));
    next();
  };
}
