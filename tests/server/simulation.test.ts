import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { Incident, ServiceInfo } from '../../shared/protocol.ts';
import { simulationKey } from '../../shared/simulation.ts';
import { MINUTE_MS, minuteOf } from '../../shared/time.ts';
import { SLOT_MINUTES } from '../../server/store/store.ts';
import { postJson, startServer, type RunningServer } from '../helpers/server.ts';

let server: RunningServer | undefined;
const children: Array<ReturnType<typeof spawn>> = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await server?.close();
  server = undefined;
});

const SERVICE = 'twitter';
const SIM = simulationKey(SERVICE);
const WEEK_MINUTES = 7 * 24 * 60;
/** The Twitter scenario lasts 360 data minutes: about 3 s at this speed. */
const FAST = 7200;

interface Run {
  exited: Promise<{ code: number | null; output: string }>;
  interrupt(): void;
}

/** The real `npm run simulate`, against the test server. */
function simulate(...args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/simulate.ts', '--scenario', 'twitter-2022-12-28', '--url', server!.url, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, output }));
  return { exited, interrupt: () => child.kill('SIGINT') };
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`${server!.url}${path}`);
  expect(res.status, path).toBe(200);
  return ((await res.json()) as { data: T }).data;
}

const incidents = (key: string) => getJson<Incident[]>(`/api/incidents?service=${encodeURIComponent(key)}`);
const services = () => getJson<ServiceInfo[]>('/api/services');
async function exportOf(key: string, from?: number): Promise<string> {
  const res = await fetch(`${server!.url}/api/history?service=${encodeURIComponent(key)}&format=ndjson${from === undefined ? '' : `&from=${from}`}`);
  expect(res.status).toBe(200);
  return res.text();
}

/**
 * Real history around the simulated span (which ends now and lasts six hours): the same stretch
 * a week earlier, so the simulated minutes have real baselines, and a few minutes inside it.
 */
async function seedRealHistory(now: number): Promise<void> {
  const rows = [];
  for (let m = minuteOf(now) - WEEK_MINUTES - 400; m < minuteOf(now) - WEEK_MINUTES; m += 7) rows.push({ service: SERVICE, country: 'US', at: m * MINUTE_MS, count: 40 });
  for (let m = minuteOf(now) - 200; m < minuteOf(now) - 100; m += 5) rows.push({ service: SERVICE, country: 'JP', at: m * MINUTE_MS, count: 3 });
  expect((await postJson(`${server!.url}/api/ingest`, rows)).status).toBe(200);
}

/** What the simulation must leave alone: the real rows, incidents, and baselines (including the week after the simulated span). */
async function realState(now: number) {
  const first = minuteOf(now) - 400;
  const slots: number[] = [];
  for (let m = first; m <= minuteOf(now) + WEEK_MINUTES; m += SLOT_MINUTES) slots.push(Math.floor(m / SLOT_MINUTES));
  const baselines = await server!.app.frames.slotBaselines(SERVICE, slots);
  return {
    history: await exportOf(SERVICE, now - 8 * 24 * 3600_000),
    incidents: await incidents(SERVICE),
    baselines: [...baselines].map(([slot, byCountry]) => [slot, Object.fromEntries(byCountry)]),
  };
}

/** Services that received commits while `during` runs. */
async function committedDuring(during: () => Promise<void>): Promise<Set<string>> {
  const touched = new Set<string>();
  const stop = server!.store.onCommit((commit) => touched.add(commit.service));
  try {
    await during();
  } finally {
    stop();
  }
  return touched;
}

describe('npm run simulate', () => {
  it('keeps its rows apart from the real history and removes them when it ends', async () => {
    server = await startServer({}, { bundled: true });
    const now = Date.now();
    await seedRealHistory(now);
    const before = await realState(now);
    expect(before.history).not.toBe('');
    expect(before.incidents.length).toBeGreaterThan(0);

    let result!: { code: number | null; output: string };
    const touched = await committedDuring(async () => {
      result = await simulate('--speed', String(FAST)).exited;
    });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/done: sent [1-9][\d,]* reports/);
    // Every simulated row went to the simulation key, none to the service.
    expect([...touched]).toEqual([SIM]);

    expect(server.app.clocks.simulated(SERVICE)).toBe(false);
    expect(server.app.clocks.source(SERVICE)).toBe(SERVICE);
    expect((await services()).map((s) => s.id)).not.toContain(SIM);
    expect(await exportOf(SIM)).toBe('');
    // The run is gone: its key is no longer a service.
    expect((await fetch(`${server!.url}/api/incidents?service=${encodeURIComponent(SIM)}`)).status).toBe(404);
    expect(await realState(now)).toEqual(before);
  }, 60_000);

  it('removes its rows when interrupted with SIGINT', async () => {
    server = await startServer();
    const now = Date.now();
    await seedRealHistory(now);
    const before = await realState(now);

    // Slow enough (36 s) to be interrupted mid-run, once its first rows are stored.
    const run = simulate('--speed', '600');
    const firstRows = new Promise<void>((resolve) => {
      const stop = server!.store.onCommit((commit) => {
        if (commit.service !== SIM) return;
        stop();
        resolve();
      });
    });
    await firstRows;
    expect(server.app.clocks.source(SERVICE)).toBe(SIM);
    run.interrupt();
    const { code, output } = await run.exited;
    expect(code, output).toBe(130);
    expect(output).toMatch(/stopped by SIGINT/);

    expect(server.app.clocks.simulated(SERVICE)).toBe(false);
    expect((await services()).map((s) => s.id)).not.toContain(SIM);
    expect(await exportOf(SIM)).toBe('');
    expect(await realState(now)).toEqual(before);
  }, 60_000);

  it('keeps the run with --keep, listed and marked as simulated, until the next simulation of the service', async () => {
    server = await startServer({}, { bundled: true });
    const now = Date.now();
    await seedRealHistory(now);
    const before = await realState(now);

    const { code, output } = await simulate('--speed', String(FAST), '--keep').exited;
    expect(code, output).toBe(0);
    expect(output).toContain(`kept the run as "${SIM}"`);

    expect(await services()).toContainEqual({ id: SIM, public: false, simulated: true });
    expect((await services()).find((s) => s.id === SERVICE)?.simulated).toBe(false);
    const kept = await incidents(SIM);
    expect(kept.length).toBeGreaterThan(0);
    for (const incident of kept) expect(incident).toMatchObject({ service: SIM, simulated: true, level: 'outage' });
    // The kept run is over: none of its incidents goes on.
    expect(kept.every((incident) => incident.end !== null)).toBe(true);
    const exported = (await exportOf(SIM)).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(exported.length).toBeGreaterThan(100);
    expect(exported.every((row) => row.service === SIM && row.simulated === true)).toBe(true);
    // Replayable: its chart reads its own rows.
    const chart = await getJson<{ service: string; total: number[] }>(`/api/timeline?service=${encodeURIComponent(SIM)}`);
    expect(chart.service).toBe(SIM);
    expect(Math.max(...chart.total)).toBeGreaterThan(10_000);
    expect(await realState(now)).toEqual(before);

    // The next simulation of the service replaces the kept run.
    const lease = await fetch(`${server.url}/api/simulation/${SERVICE}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ t: now, speed: 60 }),
    });
    expect((await lease.json()).data).toMatchObject({ simulated: true, key: SIM, started: true });
    expect((await services()).map((s) => s.id)).not.toContain(SIM);
    // The run is gone: no incidents, or (once the service list is read again) no such key.
    const gone = await fetch(`${server.url}/api/incidents?service=${encodeURIComponent(SIM)}`);
    expect(gone.status === 404 || (await gone.json()).data.length === 0).toBe(true);
  }, 60_000);
});

describe('simulation routes', () => {
  const lease = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${server!.url}/api/simulation/${SERVICE}`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const ingest = (rows: unknown, headers: Record<string, string> = {}) => postJson(`${server!.url}/api/simulation/${SERVICE}/ingest`, rows, headers);
  const row = (at: number, count = 5) => ({ service: SERVICE, country: 'US', at, count });

  it('refuses rows with 409 while no simulation runs, and rows of another service with 400', async () => {
    server = await startServer();
    const at = minuteOf(Date.now() - 3600_000) * MINUTE_MS;
    expect((await ingest([row(at)])).status).toBe(409);
    expect((await lease({ t: at, speed: 60 })).status).toBe(200);
    const stray = await ingest([row(at), { ...row(at), service: 'youtube' }]);
    expect(stray.status).toBe(400);
    expect(stray.body.error).toMatch(/rows\[1\]\.service: must be "twitter"/);
    const invalid = await ingest([{ ...row(at), country: 'XX' }]);
    expect(invalid.status).toBe(400);
    expect((await ingest([row(at)])).body).toEqual({ ok: true, data: { accepted: 1, key: SIM } });
    expect(await server.store.rows(SERVICE, 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
    expect(await server.store.rows(SIM, 0, Number.MAX_SAFE_INTEGER)).toEqual([{ minute: minuteOf(at), country: 'US', count: 5 }]);
  });

  it('needs the ingest token like /api/ingest', async () => {
    const token = 'a-long-enough-test-token';
    server = await startServer({ ingestToken: token });
    const at = minuteOf(Date.now() - 3600_000) * MINUTE_MS;
    expect((await lease({ t: at, speed: 60 })).status).toBe(401);
    expect((await lease({ t: at, speed: 60 }, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await ingest([row(at)])).status).toBe(401);
    expect((await ingest([row(at)], { authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('drops the run when its lease lapses (a simulator killed without cleaning up)', async () => {
    server = await startServer();
    const at = minuteOf(Date.now() - 3600_000) * MINUTE_MS;
    expect((await lease({ t: at, speed: 60, ttlMs: 1000 })).status).toBe(200);
    expect((await ingest([row(at)])).status).toBe(200);
    expect(await server.store.range(SIM)).not.toBeNull();
    await once(server.app.clocks, 'expire');
    expect(server.app.clocks.source(SERVICE)).toBe(SERVICE);
    await expect.poll(() => server!.store.range(SIM)).toBeNull();
    expect((await ingest([row(at)])).status).toBe(409);
  });

  it('follows the simulated clock on the live chart', async () => {
    server = await startServer();
    const wall = Date.now();
    // Real reports now, simulated ones two hours back: the chart shows the simulation, up to its clock.
    expect((await postJson(`${server.url}/api/ingest`, [{ ...row(minuteOf(wall) * MINUTE_MS), count: 7 }])).status).toBe(200);
    const t = minuteOf(wall - 2 * 3600_000) * MINUTE_MS;
    expect((await lease({ t, speed: 1 })).status).toBe(200);
    expect((await ingest([row(t - 5 * MINUTE_MS, 11)])).status).toBe(200);
    const chart = await getJson<{ service: string; times: number[]; total: number[] }>(`/api/timeline?service=${SERVICE}`);
    expect(chart.service).toBe(SERVICE);
    expect(minuteOf(chart.times.at(-1)!)).toBe(minuteOf(server.app.clocks.now(SERVICE)));
    expect(chart.total.at(-1)).toBe(11);

    // A replay of the same service meanwhile reads the real history, not the simulation's rows.
    const from = minuteOf(wall - 10 * MINUTE_MS) * MINUTE_MS;
    const to = minuteOf(wall) * MINUTE_MS;
    const replayed = await getJson<{ service: string; times: number[]; total: number[] }>(`/api/timeline?service=${SERVICE}&mode=replay&from=${from}&to=${to}`);
    expect(replayed.service).toBe(SERVICE);
    expect(minuteOf(replayed.times.at(-1)!)).toBe(minuteOf(wall));
    expect(replayed.total.at(-1)).toBe(7);
    const pastFrom = t - 10 * MINUTE_MS;
    const past = await getJson<{ total: number[] }>(`/api/timeline?service=${SERVICE}&mode=replay&from=${pastFrom}&to=${t}`);
    expect(past.total.reduce((a, b) => a + b, 0)).toBe(0);
    expect((await fetch(`${server.url}/api/timeline?service=${SERVICE}&mode=later`)).status).toBe(400);

    // Ended: the chart is the real history again, and the simulated rows are gone.
    await fetch(`${server.url}/api/simulation/${SERVICE}`, { method: 'DELETE' });
    const real = await getJson<{ times: number[]; total: number[] }>(`/api/timeline?service=${SERVICE}`);
    expect(minuteOf(real.times.at(-1)!)).toBe(minuteOf(wall));
    expect(real.total.at(-1)).toBe(7);
    expect(await server.store.range(SIM)).toBeNull();
  });
});
