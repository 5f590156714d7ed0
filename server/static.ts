import path from 'node:path';
import express, { Router } from 'express';

/** Serves the built client; unknown page paths get the app shell so deep links work. */
export function staticClient(dir: string): Router {
  const router = Router();
  // Vite fingerprints assets, so they can be cached for good; the shell must always be fresh.
  router.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));
  router.use(express.static(dir, { index: 'index.html', maxAge: 0 }));
  router.get(/^\/(?!api\/|socket\.io\/).*/, (req, res, next) => {
    if (!req.accepts('html')) return next();
    res.sendFile(path.join(dir, 'index.html'), { maxAge: 0 });
  });
  return router;
}
