/**
 * `npm run bench`: every case, ours beside its bare baseline in the same run, as a Markdown table
 * on stdout and in bench/results/latest.md, every figure in bench/results/latest.json. Never part
 * of `npm test`.
 *
 *   npm run bench                     all default cases (about 15 minutes)
 *   npm run bench -- --quick          fewer rounds, shorter windows, the smaller viewer counts (about a minute)
 *   npm run bench -- <case> [--quick] one case: reports, ingest, live, seek, tween, frames, names, soak [minutes], cluster, seek-postgres
 *   --app DIR                         start our server from another checkout (reports, ingest, live)
 *   --viewers 1000,3000               the live case's viewer counts
 *
 * A one-case or quick run writes latest-<case>.* or latest-quick.* so the full table stays.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_DIR, describeCheckout, machine } from './harness.ts';
import { atMost, markdownTable, ratioRow, valueRow, verdict, type CaseResult } from './table.ts';
// Each case loads its own modules when it runs, so one case's broken import cannot stop another.

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const valueOf = (flag: string) => (args.indexOf(flag) >= 0 ? args[args.indexOf(flag) + 1] : undefined);
const app = path.resolve(valueOf('--app') ?? REPO_DIR);
const positional = args.filter((a, i) => !a.startsWith('--') && !['--app', '--viewers'].includes(args[i - 1] ?? ''));
const only = positional[0];

const CASES: Record<string, () => Promise<CaseResult>> = {
  async reports() {
    const { benchReports, httpOptions } = await import('./http.ts');
    return benchReports(httpOptions(quick, app));
  },
  async ingest() {
    const { benchIngest, httpOptions } = await import('./http.ts');
    return benchIngest(httpOptions(quick, app));
  },
  async live() {
    const { benchLive, liveOptions } = await import('./live.ts');
    const options = liveOptions(quick, app);
    const viewers = valueOf('--viewers')?.split(',').map(Number);
    if (viewers) Object.assign(options, { viewerCounts: viewers, latencyAt: viewers.filter((n) => n >= 3000 || quick) });
    return benchLive(options);
  },
  async seek() {
    const { benchSeek } = await import('./store.ts');
    const s = await benchSeek();
    return {
      name: 'seek',
      rows: [
        ratioRow(`seek to a random minute of ${(s.rows / 1e6).toFixed(1)}M rows (30 days x ${Math.round(s.rows / 43_200)} countries), to the snapshot on the client, vs a bare Socket.IO round trip: p50`, 'ms', [s.seekP50], [s.roundTripP50]),
        { ...ratioRow('same: p99', 'ms', [s.seekP99], [s.roundTripP99], atMost(50, ' ms')), targetOnOurs: true },
      ],
      detail: s,
      notes: [`Seek: ${(s.bytesPerCount).toFixed(1)} bytes on disk per stored count; the history was ${s.cached ? `copied from an earlier run's build (${s.buildSeconds.toFixed(0)} s when built)` : `built in ${s.buildSeconds.toFixed(0)} s (kept for the next run)`}.`],
    };
  },
  /** Not in the default run: the PostgreSQL store's seek (DATABASE_URL) against SQLite's, the same history. */
  async 'seek-postgres'() {
    const { benchSeekEngines } = await import('./store.ts');
    const s = await benchSeekEngines(quick ? 7 : 30, quick ? 50 : 150, quick ? 2 : 4);
    return {
      name: 'seek-postgres',
      rows: [
        ratioRow(`seek on PostgreSQL vs SQLite, ${(s.rows / 1e6).toFixed(1)}M rows, to the snapshot on the client: p50 per round`, 'ms', s.postgres.map((r) => r.p50), s.sqlite.map((r) => r.p50)),
        ratioRow('same: p99 per round', 'ms', s.postgres.map((r) => r.p99), s.sqlite.map((r) => r.p99)),
        ratioRow(`same: p99 of all ${s.rounds * s.seeksPerRound} seeks`, 'ms', [s.pooled.postgres.p99], [s.pooled.sqlite.p99], atMost(1.5)),
      ],
      detail: s,
      notes: [
        `Seek on PostgreSQL: the history put into a private PostgreSQL in ${s.postgresBuildSeconds.toFixed(0)} s, then VACUUM ANALYZE; ${s.rounds} alternated rounds of ${s.seeksPerRound} seeks per engine after a warm-up. The target is on the p99 of all seeks: a round's p99 rests on its slowest one or two seeks.`,
      ],
    };
  },
  async tween() {
    const { benchTween } = await import('./tween.ts');
    // Software rendering on a loaded machine sometimes misses the page's 30 s wait for the map: once more.
    const tween = (w: number, h: number) => benchTween(w, h).catch((error: Error) => {
      console.error(`  tween ${w}x${h}: ${error.message.split('\n')[0]}; trying once more`);
      return benchTween(w, h);
    });
    const views = [await tween(640, 360), await tween(1280, 720)];
    return {
      name: 'tween',
      rows: views.map((t) => ratioRow(`${t.viewport}: main-thread time per animation frame, ${t.countries} countries tweening vs the same map repainting`, 'ms', t.frameMsTween, t.frameMsBaseline, atMost(1.2))),
      detail: views,
      notes: [],
    };
  },
  async frames() {
    const { benchFrames } = await import('./frames.ts');
    const f = await benchFrames();
    return {
      name: 'frames',
      rows: [
        ratioRow(`live frame, median bytes (${f.frames} frames, Twitter replay at 600x) vs the full state`, 'bytes', [f.medianBytes], [f.medianFullBytes]),
        valueRow('live frame, p95 / max', 'bytes', [f.p95Bytes, f.maxBytes]),
      ],
      detail: f,
      notes: [],
    };
  },
  async names() {
    const { benchNames } = await import('./names.ts');
    const n = await benchNames();
    return {
      name: 'names',
      rows: [ratioRow(`heap after ${n.names / 1000}k GETs of invented service names and 10k watches, after GC, vs the same GETs of one known service`, 'MB', [n.heapAfterNamesMb], [n.heapAfterKnownMb])],
      detail: n,
      notes: [`Names: answers by status ${JSON.stringify(n.statuses)}; ${n.refusedWatches} watches refused.`],
    };
  },
  async cluster() {
    // Several nodes (issue 12): three nodes vs one, PostgreSQL vs SQLite. Not in the default run.
    const { benchCluster } = await import('./cluster.ts');
    return benchCluster(quick);
  },
  async soak() {
    const { benchSoak } = await import('./soak.ts');
    const minutes = Number(positional[1] ?? 10);
    const s = await benchSoak(minutes);
    return {
      name: 'soak',
      rows: [
        ratioRow(`soak ${s.minutes} min at 3600x (${s.seeks} seeks, ${s.blips} network blips): screen JS heap after GC, end vs start`, 'MB', [s.pageHeapEndMb], [s.pageHeapStartMb]),
        ratioRow('same: server heap, end vs start', 'MB', [s.serverHeapEndMb], [s.serverHeapStartMb]),
        valueRow('same: screen JS heap every 2 min', 'MB', s.pageHeapSamplesMb),
      ],
      detail: s,
      notes: [],
    };
  },
};

/** The default run; `--quick` keeps the server cases at their smallest (seek and tween take minutes). */
const DEFAULT = quick ? ['reports', 'ingest', 'live'] : ['reports', 'ingest', 'live', 'seek', 'tween'];

if (only && !CASES[only]) {
  console.error(`unknown case "${only}"; cases: ${Object.keys(CASES).join(', ')}`);
  process.exit(2);
}
const names = only ? [only] : DEFAULT;
const began = Date.now();
const loadStart = os.loadavg();
const results: CaseResult[] = [];
const failures: string[] = [];
for (const [i, name] of names.entries()) {
  const t0 = Date.now();
  console.error(`[${i + 1}/${names.length}] ${name}${quick ? ' (quick)' : ''}, load average ${os.loadavg()[0]!.toFixed(1)} ...`);
  try {
    results.push(await CASES[name]!());
    console.error(`[${i + 1}/${names.length}] ${name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } catch (error) {
    failures.push(`${name} failed: ${(error as Error).stack ?? error}`);
    console.error(`[${i + 1}/${names.length}] ${name} FAILED: ${(error as Error).message}`);
  }
}
const loadEnd = os.loadavg();
const m = machine();
const seconds = (Date.now() - began) / 1000;
const heading = `Run ${new Date(began).toISOString()} (${(seconds / 60).toFixed(1)} min${quick ? ', --quick' : ''}) on ${m.cores} cores (${m.cpu}), Node ${m.node}, of ${describeCheckout(app)}; load average ${loadStart[0]!.toFixed(1)} at the start, ${loadEnd[0]!.toFixed(1)} at the end (the machine is shared: every ratio is against its baseline in the same run, rounds alternated).`;
const table = [
  heading,
  '',
  ...markdownTable(results.flatMap((r) => r.rows)),
  '',
  ...results.flatMap((r) => r.notes).map((n) => `- ${n}`),
  ...failures.map((f) => `- ${f.split('\n')[0]}`),
].join('\n');
console.log(table);

const suffix = only ? `-${only}${quick ? '-quick' : ''}` : quick ? '-quick' : '';
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/latest${suffix}.md`, `${table}\n`);
writeFileSync(
  `bench/results/latest${suffix}.json`,
  `${JSON.stringify({ started: new Date(began).toISOString(), seconds, quick, app, checkout: describeCheckout(app), machine: m, loadAverage: { start: loadStart, end: loadEnd }, cases: results.map((r) => ({ ...r, rows: r.rows.map((row) => ({ ...row, target: row.target?.text, verdict: verdict(row) })) })), failures }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`,
);
if (failures.length) process.exitCode = 1;
