import { createHash } from 'node:crypto';
import path from 'node:path';
import express, { Router, type Response } from 'express';
import { CONTROL_COOKIE, isControlToken, isProducer } from './channel-routes.ts';
import type { Config } from './config.ts';
import { HttpError } from './errors.ts';
import { pageCsp } from './security.ts';

const REFUSED_STYLE = `body{font:16px system-ui,sans-serif;background:#0a1222;color:#e8eefc;display:grid;place-items:center;min-height:100vh;margin:0}
form{display:grid;gap:.75rem;padding:2rem;border:1px solid #2a3a5a;border-radius:12px;background:#111a2e;max-width:26rem}
input,button{font:inherit;padding:.5rem .75rem;border-radius:8px;border:1px solid #2a3a5a;background:#0a1222;color:inherit}
button{background:#2c6cf6;border-color:#2c6cf6;cursor:pointer}`;
// The refusal page's one inline style is allowed by its hash, not by 'unsafe-inline'.
const REFUSED_CSP = pageCsp(["'none'"], { 'style-src': [`'sha256-${createHash('sha256').update(REFUSED_STYLE).digest('base64')}'`] });

const REFUSED_PAGE = (message: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>outage-map control: refused</title>
<style>${REFUSED_STYLE}</style></head>
<body><form method="get" action="/control"><h1>Control refused</h1><p>${message}</p>
<label>Control token <input name="token" type="password" autocomplete="current-password" required></label>
<button>Open the control page</button></form></body></html>`;

/**
 * The built pages: `/` (map), `/screen` (kiosk), `/embed` (iframe), `/control` (producers only).
 * Framing is refused everywhere except `/embed`, which the `EMBED_ORIGINS` may frame.
 */
export function staticClient(dir: string, config: Config): Router {
  const router = Router();
  const embedCsp = pageCsp(["'self'", ...config.embedOrigins]);
  // Every page carries the CSP and framing rule of securityHeaders (helmet); only /embed relaxes them.
  const sendPage = (res: Response, file: string, embeddable = false) => {
    if (embeddable) {
      res.set('content-security-policy', embedCsp);
      res.removeHeader('x-frame-options');
    }
    res.sendFile(path.join(dir, file), { maxAge: 0 });
  };
  const refuse = (res: Response, message: string) => {
    res.status(401).set('content-security-policy', REFUSED_CSP).set('x-frame-options', 'DENY').set('cache-control', 'no-store').type('html').send(REFUSED_PAGE(message));
  };

  // One spelling per file: no percent-encoding, no empty, `.` or `..` segments, no backslash.
  // Otherwise `//control.html`, `/./control.html` or `/%63ontrol.html` would reach the file
  // through express.static, past the producers-only route below.
  router.use((req, _res, next) => {
    const raw = req.path;
    if (raw.includes('%') || raw.includes('\\') || raw.includes('//') || /\/\.{1,2}(\/|$)/.test(raw)) {
      return next(new HttpError(400, 'bad request: the path must be plain (no percent-encoding, empty or dot segments)', {}, 'invalid-path'));
    }
    next();
  });

  // Vite fingerprints assets, so they can be cached for good; pages must always be fresh.
  router.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));

  router.get(['/screen', '/screen.html'], (_req, res) => sendPage(res, 'screen.html'));
  router.get(['/embed', '/embed.html'], (_req, res) => sendPage(res, 'embed.html', true));

  router.get(['/control', '/control.html'], (req, res) => {
    const query = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (config.controlToken === undefined) {
      refuse(res, 'Control is disabled on this server: start it with CONTROL_TOKEN set.');
      return;
    }
    if (query !== undefined) {
      if (!isControlToken(query, config.controlToken)) {
        refuse(res, 'That token is not the control token.');
        return;
      }
      // The token moves into an HttpOnly cookie and out of the address bar (and its history).
      res.cookie(CONTROL_COOKIE, query, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
      // The rest of the link (`lang`, `channel`) survives the hop; only the token leaves the address.
      const kept = new URL(req.originalUrl, 'http://control.invalid').searchParams;
      kept.delete('token');
      res.redirect(303, kept.size ? `/control?${kept}` : '/control');
      return;
    }
    if (!isProducer(req, config.controlToken)) {
      refuse(res, 'This page is for producers: it needs the control token.');
      return;
    }
    res.set('cache-control', 'no-store');
    sendPage(res, 'control.html');
  });

  router.get(['/', '/index.html'], (_req, res) => sendPage(res, 'index.html'));
  // The control page is served by its route above only, whatever else asks for the file.
  router.use((req, _res, next) => next(/control\.html$/i.test(req.path) ? new HttpError(404, 'not found') : undefined));
  router.use(express.static(dir, { index: false, maxAge: 0, dotfiles: 'deny', redirect: false }));
  router.get(/^\/(?!api\/|socket\.io\/).*/, (req, res, next) => {
    if (!req.accepts('html')) return next();
    sendPage(res, 'index.html');
  });
  return router;
}
