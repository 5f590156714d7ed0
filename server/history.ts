import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Timeline } from '../shared/protocol.ts';
import { instant, storeKey } from '../shared/schemas.ts';
import { isSimulationKey, serviceOfKey } from '../shared/simulation.ts';
import { MINUTE_MS, minuteOf } from '../shared/time.ts';
import type { Clocks } from './clocks.ts';
import type { Config } from './config.ts';
import { HttpError, parseQuery } from './errors.ts';
import type { ServiceCatalog } from './services.ts';
import type { FrameSource } from './frames.ts';
import type { IncidentFinder } from './incidents.ts';
import { buildTimeline } from './timeline.ts';
import type { HistoryStore } from './store/store.ts';

export interface HistoryDeps {
  config: Config;
  store: HistoryStore;
  frames: FrameSource;
  incidents: IncidentFinder;
  clocks: Clocks;
  services: ServiceCatalog;
}

const FORMATS = ['json', 'csv', 'ndjson'] as const;

const MAX_STEP_MINUTES = 7 * 24 * 60;
const STEP_FORMS = 'minutes (15) or a duration as Prometheus and Grafana write it (1m, 15m, 1h, 1d, 1h30m), from 1 minute to 7 days';
const UNIT_SECONDS = { w: 7 * 86_400, d: 86_400, h: 3_600, m: 60, s: 1 } as const;
/** Prometheus's duration grammar: units largest first, each at most once (`1h30m`, not `30m1h`). */
const DURATION = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * `step` as bare minutes (`15`, the original form) or a duration (`15m`, `1h`, `1d`), since
 * dashboards pass their own interval variable straight through. Seconds count only in whole minutes.
 */
const stepMinutes = z.string().transform((text, ctx) => {
  const match = text === '' ? null : DURATION.exec(text);
  const minutes = /^\d+$/.test(text)
    ? Number(text)
    : match
      ? (['w', 'd', 'h', 'm', 's'] as const).reduce((sum, unit, i) => sum + Number(match[i + 1] ?? 0) * UNIT_SECONDS[unit], 0) / 60
      : NaN;
  if (!(Number.isInteger(minutes) && minutes >= 1 && minutes <= MAX_STEP_MINUTES)) {
    ctx.addIssue({ code: 'custom', message: `must be ${STEP_FORMS}, got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return minutes;
});

const historyQuery = {
  service: storeKey,
  from: instant.optional(),
  to: instant.optional(),
  step: stepMinutes.default(1),
  format: z.enum(FORMATS, { error: `must be one of ${FORMATS.join(', ')}` }).default('json'),
};

const EARLIEST_CHART_TIME = Date.UTC(2000, 0, 1);
/**
 * A chart's range may reach past the wall clock: a simulation's live clock runs ahead of it, and
 * the chart follows that clock. Otherwise read as `instant`.
 */
const chartTime = z
  .union([z.number({ error: 'must be epoch milliseconds or an ISO 8601 UTC string' }), z.iso.datetime({ offset: true, error: 'must be an ISO 8601 UTC time such as 2022-12-29T00:45:00Z' })])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)))
  .refine((t) => Number.isFinite(t) && t >= EARLIEST_CHART_TIME, { error: 'must be after 2000-01-01 (epoch milliseconds, not seconds)' });

const timelineQuery = {
  service: storeKey,
  /** The page's mode: live follows a running simulation, a replay reads the real history. */
  mode: z.enum(['live', 'replay'], { error: 'must be live or replay' }).default('live'),
  from: chartTime.optional(),
  to: chartTime.optional(),
  points: z.coerce.number().int().min(10).max(5_000).default(600),
};

/** Query strings carry numbers as text: epoch ms digits become numbers before validation. */
function timesAsNumbers(query: Record<string, unknown>): Record<string, unknown> {
  const out = { ...query };
  for (const key of ['from', 'to']) if (typeof out[key] === 'string' && /^\d+$/.test(out[key] as string)) out[key] = Number(out[key]);
  return out;
}

/** `GET /api/history` (export), `GET /api/timeline` (the chart), `GET /api/incidents`. */
export function historyRoutes({ config, store, frames, incidents, clocks, services }: HistoryDeps): Router {
  const router = Router();

  router.get('/api/history', async (req, res) => {
    // No state is kept per service here: a key with no rows (a removed run) exports nothing.
    const q = parseQuery(historyQuery, req.query, timesAsNumbers);
    const range = await store.range(q.service);
    const from = q.from !== undefined ? minuteOf(q.from) : (range?.from ?? 0);
    const to = q.to !== undefined ? minuteOf(q.to) : (range?.to ?? -1);
    if (to < from && q.from !== undefined && q.to !== undefined) throw new HttpError(400, 'invalid query: to: must not be before from');
    res.type(q.format === 'csv' ? 'text/csv' : q.format === 'ndjson' ? 'application/x-ndjson' : 'application/json');
    res.set('content-disposition', `attachment; filename="${q.service}-history.${q.format}"`);
    // A simulation run's rows say so; in CSV its key (`twitter~sim`) cannot be imported as a service.
    const simulated = isSimulationKey(q.service) ? { simulated: true } : {};
    let first = true;
    // `problem` is always a CSV column (an empty cell: the part that named none); JSON rows carry it when set.
    if (q.format === 'csv') await write(res, 'time,service,country,count,problem\n');
    if (q.format === 'json') await write(res, '[');
    for await (const chunk of store.iterate(q.service, from, to, q.step)) {
      let text = '';
      for (const row of chunk) {
        const time = new Date(row.minute * MINUTE_MS).toISOString();
        if (q.format === 'csv') text += `${time},${q.service},${row.country},${row.count},${row.problem ?? ''}\n`;
        else {
          const json = JSON.stringify({ time, service: q.service, country: row.country, count: row.count, ...(row.problem ? { problem: row.problem } : {}), ...simulated });
          text += q.format === 'ndjson' ? `${json}\n` : `${first ? '' : ','}\n${json}`;
          first = false;
        }
      }
      await write(res, text);
    }
    if (q.format === 'json') await write(res, first ? ']' : '\n]\n');
    res.end();
  });

  router.get('/api/timeline', async (req, res) => {
    const q = parseQuery(timelineQuery, req.query, timesAsNumbers);
    await services.require(q.service);
    if (q.from !== undefined && q.to !== undefined && q.to < q.from) throw new HttpError(400, 'invalid query: to: must not be before from');
    // The chart follows the map: live, a simulation's rows, up to its data clock, against the real
    // baselines; a replay of the same service reads the real history the map replays.
    const service = serviceOfKey(q.service);
    const live = q.mode === 'live' ? clocks.source(service) : q.service;
    const source = isSimulationKey(q.service) ? q.service : live;
    // A running simulation's chart ends at its data clock: its newest point is the map's moment.
    const to = q.to ?? (q.mode === 'live' && clocks.simulated(service) && source === live ? clocks.now(service) : undefined);
    const baselines = { slotBaselines: (_key: string, slots: readonly number[]) => frames.slotBaselines(service, slots) };
    const data: Timeline = { ...(await buildTimeline(store, baselines, config, { ...q, service: source, to })), service: q.service };
    res.json({ ok: true, data });
  });

  router.get('/api/incidents', async (req, res) => {
    const key = parseQuery({ service: storeKey.optional() }, req.query).service ?? config.services[0]!;
    await services.require(key);
    res.json({ ok: true, data: await incidents.find(key) });
  });

  return router;
}

/** Writes with backpressure, so a long export streams in constant memory. */
function write(res: Response, text: string): Promise<void> {
  if (!text) return Promise.resolve();
  return res.write(text) ? Promise.resolve() : new Promise((resolve) => res.once('drain', () => resolve()));
}
