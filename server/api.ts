import express, { Router } from 'express';
import type { ServiceInfo } from '../shared/protocol.ts';
import { serviceId, simulationBody } from '../shared/schemas.ts';
import { requireTrusted } from './auth.ts';
import type { Clocks } from './clocks.ts';
import type { Config } from './config.ts';
import { parseOr400 } from './errors.ts';
import { countryGeo } from './geo.ts';
import type { LiveFeeds } from './live.ts';
import type { Metrics } from './metrics.ts';
import type { HistoryStore } from './store/store.ts';

export interface ApiDeps {
  config: Config;
  store: HistoryStore;
  clocks: Clocks;
  live: LiveFeeds;
  metrics: Metrics;
  startedAt: number;
}

/** Read endpoints, health, metrics and the simulator's clock lease. */
export function apiRoutes({ config, store, clocks, live, metrics, startedAt }: ApiDeps): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ ok: true, data: { status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) } });
  });

  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  router.get('/api/services', async (_req, res) => {
    const ids = [...new Set([...config.services, ...(await store.services())])];
    const data: ServiceInfo[] = ids.map((id) => ({ id, public: config.services.includes(id), simulated: clocks.simulated(id) }));
    res.json({ ok: true, data });
  });

  router.get('/api/live', async (req, res) => {
    const service = parseOr400(serviceId, req.query.service ?? config.services[0], 'query: service');
    res.json({ ok: true, data: await live.snapshot(service) });
  });

  router.get('/api/geo', (req, res) => {
    const geo = countryGeo();
    res.set('etag', geo.etag).set('cache-control', 'public, max-age=3600');
    if (req.get('if-none-match') === geo.etag) {
      res.status(304).end();
      return;
    }
    res.type('application/geo+json').send(geo.json);
  });

  const trusted = requireTrusted(config.ingestToken, 'simulation');
  router.put('/api/simulation/:service', trusted, express.json({ limit: '4kb' }), (req, res) => {
    const service = parseOr400(serviceId, req.params.service, 'path: service');
    const body = parseOr400(simulationBody, req.body ?? {}, 'simulation');
    res.json({ ok: true, data: clocks.simulate(service, body.t, body.speed, body.ttlMs) });
  });

  router.delete('/api/simulation/:service', trusted, (req, res) => {
    const service = parseOr400(serviceId, req.params.service, 'path: service');
    res.json({ ok: true, data: { ended: clocks.end(service) } });
  });

  return router;
}
