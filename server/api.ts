import { Router } from 'express';
import type { ServiceInfo } from '../shared/protocol.ts';
import { serviceId } from '../shared/schemas.ts';
import { isSimulationKey } from '../shared/simulation.ts';
import type { Clocks } from './clocks.ts';
import type { Config } from './config.ts';
import { noQuery, parseQuery } from './errors.ts';
import { countryGeo } from './geo.ts';
import type { PlayheadEngine } from './playheads/engine.ts';
import type { ServiceCatalog } from './services.ts';
import type { Metrics } from './metrics.ts';
import { SimulationRuns, simulationRoutes } from './simulation.ts';
import type { HistoryStore } from './store/store.ts';

export interface ApiDeps {
  config: Config;
  store: HistoryStore;
  clocks: Clocks;
  engine: PlayheadEngine;
  services: ServiceCatalog;
  metrics: Metrics;
  startedAt: number;
}

/** Read endpoints, health, metrics, and the simulation routes. */
export function apiRoutes({ config, store, clocks, engine, services, metrics, startedAt }: ApiDeps): Router {
  const router = Router();

  // Liveness: the process answers. Whether it can store anything is /readyz's question.
  router.get('/healthz', noQuery, (_req, res) => {
    res.json({ ok: true, data: { status: 'alive', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) } });
  });

  // Readiness: 503 while nothing can be written (a full disk, a read-only data folder), so a
  // load balancer stops sending writes; the map keeps being served meanwhile.
  router.get('/readyz', noQuery, async (_req, res) => {
    const storage = await store.health();
    res.status(storage.writable ? 200 : 503).json(storage.writable
      ? { ok: true, data: { status: 'ready', storage } }
      : { ok: false, error: `not ready: storage is not writable (${storage.reason})`, code: 'storage-unavailable', storage });
  });

  router.get('/metrics', noQuery, async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  router.get('/api/services', noQuery, async (_req, res) => {
    const ids = [...new Set([...config.services, ...(await store.services())])];
    // A kept simulation run is listed under its own key; a service is simulated while its live map shows a run.
    const data: ServiceInfo[] = ids.map((id) => ({ id, public: config.services.includes(id), simulated: isSimulationKey(id) || clocks.simulated(id) }));
    res.json({ ok: true, data });
  });

  router.get('/api/live', async (req, res) => {
    const service = parseQuery({ service: serviceId.optional() }, req.query).service ?? config.services[0]!;
    await services.require(service);
    res.json({ ok: true, data: await engine.liveSnapshot(service) });
  });

  router.get('/api/geo', noQuery, (req, res) => {
    const geo = countryGeo();
    res.set('etag', geo.etag).set('cache-control', 'public, max-age=3600');
    if (req.get('if-none-match') === geo.etag) {
      res.status(304).end();
      return;
    }
    res.type('application/geo+json').send(geo.json);
  });

  router.use(simulationRoutes(config, new SimulationRuns(store, clocks)));

  return router;
}
