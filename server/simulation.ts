import express, { Router } from 'express';
import { serviceId, simulationBody, simulationEndQuery, type ParsedIngestRow } from '../shared/schemas.ts';
import { simulationKey, type SimulationLease } from '../shared/simulation.ts';
import { requireTrusted } from './auth.ts';
import type { Clocks } from './clocks.ts';
import type { Config } from './config.ts';
import { HttpError, noQuery, parseOr400, parseQuery } from './errors.ts';
import { bulkBody, bulkRows, commit, countOfRow } from './ingest.ts';
import type { HistoryStore } from './store/store.ts';

/**
 * Simulation runs. A simulator leases a service's clock, then sends the scenario's rows; they are
 * kept under the service's simulation key (`twitter~sim`), so they never enter its real history,
 * its baselines or its incidents. A run ends in one of three ways:
 * - `DELETE` (the simulator finished or was interrupted): the lease ends and the rows are dropped,
 *   unless `keep`, when they stay as a replayable run listed as `twitter~sim` (simulated: true);
 * - the lease lapses (the simulator was killed): the rows are dropped, as nobody asked to keep them;
 * - a new simulation of the service starts: it replaces the earlier run, kept or not.
 */
export class SimulationRuns {
  /** Writes in flight per key: a drop waits for them, or a late commit would bring rows back. */
  private readonly writes = new Map<string, Set<Promise<void>>>();

  constructor(
    private readonly store: HistoryStore,
    private readonly clocks: Clocks,
  ) {
    // On failure (the store is closing) the rows stay under the simulation key, still marked
    // simulated, until the next simulation of the service replaces them.
    clocks.on('expire', (service) => void this.drop(service).catch(() => {}));
  }

  /** Starts or renews the lease; a start first drops any earlier run of the service. */
  async lease(service: string, t: number, speed: number, ttlMs: number): Promise<SimulationLease> {
    this.clocks.expire();
    const started = !this.clocks.simulated(service);
    if (started) await this.drop(service);
    return { ...this.clocks.simulate(service, t, speed, ttlMs), key: simulationKey(service), started };
  }

  /** Stores rows of the running simulation of `service`; resolves once they are on disk. */
  async add(service: string, rows: readonly ParsedIngestRow[]): Promise<number> {
    this.clocks.expire();
    if (!this.clocks.simulated(service)) {
      throw new HttpError(409, `no simulation of "${service}" is running: lease its clock first (PUT /api/simulation/${service})`);
    }
    const stray = rows.findIndex((r) => r.service !== service);
    if (stray >= 0) throw new HttpError(400, `rows[${stray}].service: must be "${service}", the simulated service, got "${rows[stray]!.service}"`);
    const key = simulationKey(service);
    const write = this.store.add(rows.map((r) => ({ ...countOfRow(r), service: key })));
    let inFlight = this.writes.get(key);
    if (!inFlight) this.writes.set(key, (inFlight = new Set()));
    inFlight.add(write);
    try {
      await commit(write);
    } finally {
      inFlight.delete(write);
      if (inFlight.size === 0) this.writes.delete(key);
    }
    return rows.length;
  }

  /** Ends the lease; drops the run's rows unless `keep`. */
  async end(service: string, keep: boolean): Promise<{ ended: boolean; key: string; kept: boolean }> {
    const ended = this.clocks.end(service);
    const key = simulationKey(service);
    if (!keep) await this.drop(service);
    return { ended, key, kept: keep && (await this.store.range(key)) !== null };
  }

  private async drop(service: string): Promise<void> {
    const key = simulationKey(service);
    await Promise.allSettled(this.writes.get(key) ?? []);
    await this.store.dropService(key);
  }
}

/** `PUT`, `DELETE /api/simulation/:service` (the lease) and `POST .../ingest` (the run's rows). */
export function simulationRoutes(config: Config, runs: SimulationRuns): Router {
  const router = Router();
  // The simulator is a trusted writer like a feed: the same token guards both.
  const trusted = requireTrusted(config.ingestToken, 'simulation');

  router.put('/api/simulation/:service', noQuery, trusted, express.json({ limit: '4kb' }), async (req, res) => {
    const service = parseOr400(serviceId, req.params.service, 'path: service');
    const body = parseOr400(simulationBody, req.body ?? {}, 'simulation');
    res.json({ ok: true, data: await runs.lease(service, body.t, body.speed, body.ttlMs) });
  });

  router.post('/api/simulation/:service/ingest', noQuery, trusted, ...bulkBody(config), async (req, res) => {
    const service = parseOr400(serviceId, req.params.service, 'path: service');
    const accepted = await runs.add(service, await bulkRows(req, config));
    res.json({ ok: true, data: { accepted, key: simulationKey(service) } });
  });

  router.delete('/api/simulation/:service', trusted, async (req, res) => {
    const service = parseOr400(serviceId, req.params.service, 'path: service');
    const { keep } = parseQuery(simulationEndQuery.shape, req.query);
    res.json({ ok: true, data: await runs.end(service, keep) });
  });

  return router;
}
