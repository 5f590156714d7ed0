/**
 * Replays a bundled scenario into a running server, faster than real time:
 *
 *   npm run simulate -- --scenario twitter-2022-12-28 --speed 60
 *
 * The scenario is shifted to end at the moment the simulation starts, so no row lies in the
 * future (the server refuses those), and its data clock runs `speed` times faster than the wall
 * clock. The simulator leases that clock to the server (`PUT /api/simulation/:service`), so the
 * service's live view and its window run at the same speed, then feeds the rows whose minute
 * has started through `POST /api/simulation/:service/ingest`. The server keeps them apart from
 * the service's real history (under `service~sim`), and drops them when the run ends
 * (`DELETE /api/simulation/:service`), whether it finished or was interrupted, unless `--keep`.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadAddress } from '../server/config.ts';
import type { MinuteRow } from '../shared/frame.ts';
import type { IngestRow } from '../shared/protocol.ts';
import { isScenarioId, SCENARIOS, scenarioInfo, scenarioRows, type ScenarioInfo } from '../shared/scenarios.ts';
import type { SimulationLease } from '../shared/simulation.ts';
import { MINUTE_MS, minuteOf, minuteStart } from '../shared/time.ts';

const USAGE = `usage: npm run simulate -- --scenario <${SCENARIOS.join('|')}> [--speed 60]
                        [--port P (or PORT, default 3000)] [--host H (or HOST)] [--url http://127.0.0.1:3000]
                        [--token T (or INGEST_TOKEN)] [--service NAME] [--seed N] [--keep]`;
const TICK_MS = 250;
/** Renewal period of the clock lease; the TTL leaves two missed renewals before it lapses. */
const LEASE_EVERY_MS = 5_000;
const LEASE_TTL_MS = 15_000;
const CHUNK_ROWS = 5_000;
/** Consecutive failed ingest attempts (5xx) tolerated before giving up, about 5 s of retrying. */
const MAX_FAILURES = 20;
/** The server's default trailing window, for the line that explains the scaling. */
const WINDOW_MINUTES = 15;

/** A problem the user can fix; printed without a stack trace. */
class CliError extends Error {}

interface Options {
  scenario: string;
  speed: number;
  url: string;
  token: string | undefined;
  service: string | undefined;
  seed: number | undefined;
  /** Keep the run's rows on the server for replay, instead of dropping them at the end. */
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        scenario: { type: 'string', default: 'twitter-2022-12-28' },
        speed: { type: 'string', default: '60' },
        url: { type: 'string' },
        // The server's own flags (and PORT/HOST): the same settings start it and find it.
        port: { type: 'string' },
        host: { type: 'string' },
        token: { type: 'string' },
        service: { type: 'string' },
        seed: { type: 'string' },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const speed = Number(values.speed);
  // The server accepts clock speeds up to 100,000x.
  if (!(speed > 0 && speed <= 100_000)) throw new CliError(`--speed must be a number above 0 and at most 100000, got ${values.speed}`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got ${values.seed}`);
  const url = values.url ?? serverUrl(values);
  try {
    new URL(url);
  } catch {
    throw new CliError(`--url is not a URL: ${url}`);
  }
  return {
    scenario: values.scenario,
    speed,
    url: url.replace(/\/+$/, ''),
    token: values.token || process.env.INGEST_TOKEN || undefined,
    service: values.service,
    seed,
    keep: values.keep,
  };
}

/**
 * The server on this machine, at the port and host it reads from the same flags and environment;
 * a server listening on every interface is reached on loopback.
 */
function serverUrl(flags: { port?: string; host?: string }): string {
  let address;
  try {
    address = loadAddress(flags);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`${error.message}\n${USAGE}`);
    throw error;
  }
  const host = address.host === '0.0.0.0' ? '127.0.0.1' : address.host === '::' ? '::1' : address.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

interface Reply {
  status: number;
  body: unknown;
}

/** One JSON request to the server; throws a CliError naming the URL when it cannot be reached. */
async function callServer(method: string, url: string, token: string | undefined, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const { origin, pathname } = new URL(url);
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new CliError(`cannot reach the server at ${origin} (${method} ${pathname}: ${reason}); is it running? (--url, or --port/PORT and --host/HOST as the server reads them)`);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page, say): keep the text for the message.
  }
  return { status: response.status, body: parsed };
}

function serverError(reply: Reply): string {
  const error = (reply.body as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? error : `HTTP ${reply.status}`;
}

/** Throws for the answers the simulator cannot go on after: the caller must fix something. */
function refuseOn4xx(reply: Reply, what: string): void {
  // The clock lease and ingest share the token, so one message fits both.
  if (reply.status === 401) throw new CliError(`ingest refused: set --token or INGEST_TOKEN (server: ${serverError(reply)})`);
  if (reply.status >= 400 && reply.status < 500) throw new CliError(`${what} refused (${reply.status}): ${serverError(reply)}`);
}

/** Set by SIGINT/SIGTERM; wakes the loop from its sleep. */
class Stop {
  signal: NodeJS.Signals | undefined;
  private wake: (() => void) | undefined;

  request(signal: NodeJS.Signals): void {
    this.signal = signal;
    this.wake?.();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);
const thousands = (n: number) => n.toLocaleString('en-US');

class Simulation {
  /** True once the server granted the lease: from then on the run is ours to end. */
  private leased = false;
  private sent = 0;
  private readonly byMinute = new Map<number, MinuteRow[]>();
  private readonly simulationUrl: string;

  constructor(
    private readonly options: Options,
    private readonly info: ScenarioInfo,
    private readonly rows: readonly MinuteRow[],
    private readonly stop: Stop,
  ) {
    for (const row of rows) {
      const list = this.byMinute.get(row.minute) ?? [];
      list.push(row);
      this.byMinute.set(row.minute, list);
    }
    this.simulationUrl = `${options.url}/api/simulation/${encodeURIComponent(info.service)}`;
  }

  /** Plays the scenario once; resolves when it ends or a stop is requested. */
  async playOnce(): Promise<void> {
    const { speed } = this.options;
    const span = this.info.minutes * MINUTE_MS;
    const realStart = Date.now();
    // Floor, not round: the whole shifted scenario must lie in the past.
    const dataStart = minuteStart(minuteOf(realStart - span));
    const dataEnd = dataStart + span;
    const shift = dataStart - this.info.start;
    const dataNow = () => Math.min(dataEnd, dataStart + (Date.now() - realStart) * speed);
    const tty = process.stdout.isTTY === true;
    let next = 0;
    let pending: IngestRow[] = [];
    let failures = 0;
    let leasedAt = -Infinity;
    let shownAt = -Infinity;

    while (!this.stop.signal) {
      const now = dataNow();
      if (Date.now() - leasedAt >= LEASE_EVERY_MS) {
        await this.lease(now);
        leasedAt = Date.now();
      }
      // Rows go out two ticks before the data clock enters their minute: the server counts a minute
      // only once its clock is in it, so sending early is invisible, and it means every live frame
      // already holds its minute's rows, exactly as a replay of the same moment does.
      const horizon = now + 2 * TICK_MS * speed;
      for (; next < this.rows.length && minuteStart(this.rows[next]!.minute) + shift <= horizon; next++) {
        const row = this.rows[next]!;
        if (row.count > 0) pending.push({ service: this.info.service, country: row.country, at: minuteStart(row.minute) + shift, count: row.count, ...(row.problem ? { problem: row.problem } : {}) });
      }
      while (pending.length > 0) {
        const chunk = pending.slice(0, CHUNK_ROWS);
        const reply = await callServer('POST', `${this.simulationUrl}/ingest`, this.options.token, chunk);
        if (reply.status === 409) throw new CliError(`the server ended the simulation (${serverError(reply)}); its lease lapsed: start again`);
        refuseOn4xx(reply, 'ingest');
        if (reply.status >= 300) {
          // A 5xx may pass (the store is busy): keep the rows and try again on the next tick.
          if (++failures >= MAX_FAILURES) throw new CliError(`ingest keeps failing: ${serverError(reply)}`);
          break;
        }
        failures = 0;
        pending = pending.slice(chunk.length);
        this.sent += chunk.reduce((n, r) => n + r.count, 0);
      }
      const done = now >= dataEnd && next >= this.rows.length && pending.length === 0;
      if (Date.now() - shownAt >= (tty ? 1_000 : 5_000) || done) {
        const line = this.progressLine(now - shift, (now - dataStart) / span);
        if (tty) process.stdout.write(`\r${line}\x1b[K`);
        else console.log(line);
        shownAt = Date.now();
      }
      if (done) break;
      await this.stop.sleep(TICK_MS);
    }
    if (tty) process.stdout.write('\n');
  }

  /** `twitter-2022-12-28 00:45 UTC  42%  sent 61,234  US 812/min JP 190/min GB 176/min` */
  private progressLine(scenarioT: number, fraction: number): string {
    const top = [...(this.byMinute.get(minuteOf(scenarioT)) ?? [])]
      .sort((a, b) => b.count - a.count)
      .slice(0, 3)
      .map((r) => `${r.country} ${thousands(r.count)}/min`)
      .join(' ');
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    return `${this.info.id} ${hhmm(scenarioT)} UTC ${percent}  sent ${thousands(this.sent)}  ${top}`.trimEnd();
  }

  /** Starts or renews the server's clock lease for the service. */
  private async lease(t: number): Promise<void> {
    const reply = await callServer('PUT', this.simulationUrl, this.options.token, { t, speed: this.options.speed, ttlMs: LEASE_TTL_MS });
    if (reply.status === 404) {
      // Without simulation runs the rows could only go into the service's real history.
      throw new CliError(`the server at ${this.options.url} does not keep simulation runs apart (PUT ${new URL(this.simulationUrl).pathname}: 404); upgrade it`);
    }
    refuseOn4xx(reply, 'simulation clock');
    if (reply.status >= 300) {
      console.warn(`\nsimulation clock not renewed: ${serverError(reply)}`);
      return;
    }
    const lease = (reply.body as { data: SimulationLease }).data;
    // A renewal that starts a new run means the old one lapsed and the server dropped its rows.
    if (this.leased && lease.started) throw new CliError('the simulation lease lapsed (no renewal reached the server in time) and the server dropped the run: start again');
    this.leased = true;
  }

  /**
   * Ends the run: hands the service back to the wall clock and drops the run's rows, or keeps
   * them with `--keep`. If the server cannot be reached, the lease lapses and the server drops them.
   */
  async end(): Promise<void> {
    if (!this.leased) return;
    const { keep, token } = this.options;
    try {
      const reply = await callServer('DELETE', `${this.simulationUrl}${keep ? '?keep=1' : ''}`, token);
      if (reply.status >= 300) throw new CliError(serverError(reply));
      const { key, kept } = (reply.body as { data: { key: string; kept: boolean } }).data;
      if (kept) console.log(`kept the run as "${key}" (simulated); replay it at ${this.options.url}/?service=${encodeURIComponent(key)}`);
      else console.log('removed the simulated rows; the real history of the service is untouched');
    } catch (error) {
      console.warn(`could not end the simulation (${(error as Error).message}); the server drops its rows when the lease lapses`);
    }
  }

  get reportsSent(): number {
    return this.sent;
  }
}

function announce(options: Options, info: ScenarioInfo, seed: number | undefined): void {
  const realMs = (info.minutes * MINUTE_MS) / options.speed;
  const realTime = realMs >= 60_000 ? `${Math.floor(realMs / 60_000)}m ${Math.round((realMs % 60_000) / 1000)}s` : `${(realMs / 1000).toFixed(1)}s`;
  const windowSeconds = Number(((WINDOW_MINUTES * 60) / options.speed).toFixed(2));
  console.log(`Simulating "${info.title}" (${info.id}${seed === undefined ? '' : `, seed ${seed}`}) as service "${info.service}"`);
  console.log(`  ${info.note}${info.sources.length ? `; sources: ${info.sources.join(', ')}` : ''}`);
  console.log(`  ${info.minutes} data minutes at ${options.speed}x = ${realTime} real time, shifted to end now`);
  console.log(`  The window scales with the clock: ${WINDOW_MINUTES} data minutes = ${windowSeconds} real seconds at ${options.speed}x`);
  console.log(`  Open ${options.url}/?service=${encodeURIComponent(info.service)}`);
  console.log(`  Kept apart from the real history; ${options.keep ? 'kept for replay when it ends (--keep)' : 'removed when it ends (--keep to keep it)'}`);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!isScenarioId(options.scenario)) throw new CliError(`unknown scenario "${options.scenario}": one of ${SCENARIOS.join(', ')}`);
  const scenarioOptions = { seed: options.seed, service: options.service };
  const info = scenarioInfo(options.scenario, scenarioOptions);
  // With the problem types people reported, where the scenario has them (Twitter's), as the bundled replay.
  const rows = scenarioRows(options.scenario, { ...scenarioOptions, problems: true });
  announce(options, info, options.seed);

  const stop = new Stop();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.request(signal));
  const simulation = new Simulation(options, info, rows, stop);
  try {
    await simulation.playOnce();
  } finally {
    await simulation.end();
  }
  console.log(`${stop.signal ? `stopped by ${stop.signal}` : 'done'}: sent ${thousands(simulation.reportsSent)} reports`);
  return stop.signal === 'SIGINT' ? 130 : stop.signal === 'SIGTERM' ? 143 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (!(error instanceof CliError)) throw error;
    console.error(`\n${error.message}`);
    process.exit(1);
  },
);
