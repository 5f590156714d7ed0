/**
 * `npm run bench`: every benchmark, side by side with its baseline in the same run, as a
 * Markdown table on stdout and in bench/results/latest.md. Never part of `npm test`.
 * `npm run bench -- store`, `-- client` or `-- soak [minutes]` runs one group (soak is not in the default run: it takes 10 minutes).
 * `npm run bench -- latency [--app DIR] [--quick] [--viewers N] [--frame-ms N]`: the live path against a server process started
 * from DIR (default: this checkout), report-to-viewer latency and the live path's CPU.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
// Each group loads its own modules when it runs, so one group's broken import cannot stop another.

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const only = process.argv[2]?.startsWith('--') ? undefined : process.argv[2];
const notes: string[] = [];
const lines = [
  `Run ${new Date().toISOString()} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} at the start.`,
  '',
  '| measure | ours | baseline | ratio |',
  '| --- | --- | --- | --- |',
];

if (!only || only === 'store') {
  const { benchIngest, benchSeek } = await import('./store.ts');
  console.error('ingest: one-row POSTs, 50 concurrent, 5 s per variant, twice ...');
  const ingest = await benchIngest();
  console.error('seek: 30-day history of every country ...');
  const seek = await benchSeek();
  lines.push(
    `| ingest, requests/s: SQLite with group commit vs no store at all | ${fmt(ingest.groupCommit, 0)} | ${fmt(ingest.noStore, 0)} | ${fmt(ingest.groupCommit / ingest.noStore, 2)} |`,
    `| ingest, requests/s: SQLite with group commit vs a commit per request | ${fmt(ingest.groupCommit, 0)} | ${fmt(ingest.perRequest, 0)} | ${fmt(ingest.groupCommit / ingest.perRequest, 2)} |`,
    `| seek to a random minute of ${(seek.rows / 1e6).toFixed(1)}M rows (30 days x ${Math.round(seek.rows / 43_200)} countries), ms to the snapshot, p50 vs a bare Socket.IO round trip | ${fmt(seek.seekP50)} | ${fmt(seek.roundTripP50)} | ${fmt(seek.seekP50 / seek.roundTripP50, 0)} |`,
    `| same, p99 (target under 100 ms) | ${fmt(seek.seekP99)} | ${fmt(seek.roundTripP99)} | ${fmt(seek.seekP99 / seek.roundTripP99, 0)} |`,
    `| bytes on disk per stored non-zero count (minutes + 15-minute sums + index), history built in ${fmt(seek.buildSeconds, 0)} s | ${fmt(seek.bytesPerCount)} | | |`,
  );
}

if (!only || only === 'client') {
  const { benchFrames } = await import('./frames.ts');
  const { benchTween } = await import('./tween.ts');
  console.error('frames: simulated Twitter outage at 600x ...');
  const frames = await benchFrames();
  console.error('tween: all countries in headless Chromium ...');
  const small = await benchTween(640, 360);
  const large = await benchTween(1280, 720);
  lines.push(
    `| live frame, median bytes (${frames.frames} frames, Twitter replay at 600x) vs the full state | ${frames.medianBytes} | ${frames.medianFullBytes} | ${fmt(frames.medianBytes / frames.medianFullBytes, 2)} |`,
    `| live frame, p95 / max bytes | ${frames.p95Bytes} / ${frames.maxBytes} | | |`,
    `| countries changed per frame, median | ${frames.medianCountriesChanged} | | |`,
    ...[small, large].flatMap((t) => [
      `| ${t.viewport}: ms per animation frame, ${t.countries} countries tweening vs plain repaint | ${fmt(t.frameMsTween)} | ${fmt(t.frameMsBaseline)} | ${fmt(t.frameMsTween / t.frameMsBaseline, 2)} |`,
      `| ${t.viewport}: tween JS per frame (setFeatureState for every country), mean / p95 ms | ${fmt(t.tweenTickMeanMs, 2)} / ${fmt(t.tweenTickP95Ms, 2)} | | |`,
    ]),
  );
}

if (!only || only === 'latency') {
  const { benchLatency, latencyOptions, latencyRows } = await import('./latency.ts');
  const latency = latencyRows(await benchLatency(latencyOptions(process.argv.slice(2))));
  lines.push(...latency.rows);
  notes.push(...latency.notes);
}

if (!only || only === 'names') {
  const { benchNames } = await import('./names.ts');
  console.error('names: 100k invented service names over HTTP, 10k over Socket.IO ...');
  const n = await benchNames();
  lines.push(
    `| heap after ${n.names / 1000}k GETs of invented service names (incidents, live, timeline) and 10k watches, MB after GC, vs after the same GETs of one known service | ${fmt(n.heapAfterNamesMb)} | ${fmt(n.heapAfterKnownMb)} | ${fmt(n.heapAfterNamesMb / n.heapAfterKnownMb, 2)} |`,
    `| same: answers by status; watches refused | ${Object.entries(n.statuses).map(([s, c]) => `${s}: ${c}`).join(', ')}; ${n.refusedWatches} | | |`,
  );
}

if (only === 'soak') {
  const { benchSoak } = await import('./soak.ts');
  const minutes = Number(process.argv[3] ?? 10);
  console.error(`soak: a screen following a 3600x replay for ${minutes} minutes ...`);
  const soak = await benchSoak(minutes);
  lines.push(
    `| soak ${soak.minutes} min at 3600x (${soak.seeks} seeks, ${soak.blips} network blips): screen JS heap after GC, MB, end vs start | ${fmt(soak.pageHeapEndMb)} | ${fmt(soak.pageHeapStartMb)} | ${fmt(soak.pageHeapEndMb / soak.pageHeapStartMb, 2)} |`,
    `| same: server heap, MB, end vs start | ${fmt(soak.serverHeapEndMb)} | ${fmt(soak.serverHeapStartMb)} | ${fmt(soak.serverHeapEndMb / soak.serverHeapStartMb, 2)} |`,
    `| same: screen JS heap every 2 min, MB | ${soak.pageHeapSamplesMb.map((v) => fmt(v)).join(' / ')} | | |`,
  );
}

const table = [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
console.log(table);
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/latest${only ? `-${only}` : ''}.md`, `${table}\n`);
