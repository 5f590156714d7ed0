import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from './config.ts';

/**
 * The pages' Content-Security-Policy. Scripts come only from our own origin (Vite bundles every
 * script into files, none inline). MapLibre starts its workers from blob: URLs, hence worker-src
 * and child-src blob:. Styles need no 'unsafe-inline': the built pages link their stylesheets,
 * and MapLibre and uPlot set element styles through the CSSOM (element.style), which CSP does
 * not govern; the e2e test loads each page and fails on any violation.
 */
function directives(frameAncestors: readonly string[]): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    // 'self' covers ws: and wss: to the same host in current browsers (CSP level 3).
    'connect-src': ["'self'"],
    'worker-src': ["'self'", 'blob:'],
    'child-src': ["'self'", 'blob:'],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': [...frameAncestors],
  };
}

/** The CSP header value for a page that `frameAncestors` may frame, plus any extra directives. */
export function pageCsp(frameAncestors: readonly string[] = ["'self'"], extra: Record<string, string[]> = {}): string {
  return Object.entries({ ...directives(frameAncestors), ...extra }).map(([k, v]) => `${k} ${v.join(' ')}`).join('; ');
}

/**
 * Security headers on every response (helmet): CSP, nosniff, framing refused (only /embed relaxes
 * it, in static.ts), no referrer leaking paths, cross-origin isolation of the opener.
 */
export function securityHeaders(_config: Config): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: directives(["'self'"]) },
    frameguard: { action: 'sameorigin' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // The map is served over plain HTTP on a LAN as often as behind TLS: HSTS is the proxy's call.
    strictTransportSecurity: false,
  });
}

/**
 * Socket.IO's origin check. A request without Origin is not from a browser page (Node, Python
 * clients) and cannot carry a victim's cookies across sites, so it passes; a browser's must be
 * this server's own origin (its Host), one of EMBED_ORIGINS (an embedded map opens a socket) or
 * one of SOCKET_ORIGINS.
 */
export function socketOriginAllowed(origin: string | undefined, host: string | undefined, config: Pick<Config, 'embedOrigins' | 'socketOrigins'>): boolean {
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (host !== undefined && parsed.host === host.toLowerCase()) return true;
  return config.embedOrigins.includes(parsed.origin) || config.socketOrigins.includes(parsed.origin);
}
