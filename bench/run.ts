/**
 * `npm run bench`: every benchmark, side by side with its baseline in the same run, as a
 * Markdown table on stdout and in bench/results/latest.md. Never part of `npm test`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { benchFrames } from './frames.ts';
import { benchTween } from './tween.ts';

const fmt = (n: number, digits = 1) => n.toFixed(digits);

console.error('frames: simulated Twitter outage at 600x ...');
const frames = await benchFrames();
console.error('tween: all countries in headless Chromium ...');
const small = await benchTween(640, 360);
const large = await benchTween(1280, 720);

const lines = [
  `Run ${new Date().toISOString()} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}.`,
  '',
  '| measure | ours | baseline | ratio |',
  '| --- | --- | --- | --- |',
  `| live frame, median bytes (${frames.frames} frames, Twitter replay at 600x) vs the full state | ${frames.medianBytes} | ${frames.medianFullBytes} | ${fmt(frames.medianBytes / frames.medianFullBytes, 2)} |`,
  `| live frame, p95 / max bytes | ${frames.p95Bytes} / ${frames.maxBytes} | | |`,
  `| countries changed per frame, median | ${frames.medianCountriesChanged} | | |`,
  ...[small, large].flatMap((t) => [
    `| ${t.viewport}: ms per animation frame, ${t.countries} countries tweening vs plain repaint | ${fmt(t.frameMsTween)} | ${fmt(t.frameMsBaseline)} | ${fmt(t.frameMsTween / t.frameMsBaseline, 2)} |`,
    `| ${t.viewport}: tween JS per frame (setFeatureState for every country), mean / p95 ms | ${fmt(t.tweenTickMeanMs, 2)} / ${fmt(t.tweenTickP95Ms, 2)} | | |`,
  ]),
];
const table = lines.join('\n');
console.log(table);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.md', `${table}\n`);
