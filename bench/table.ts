/**
 * The rows every case of `npm run bench` hands back, and the Markdown table made of them:
 * ours and the bare baseline as medians over the alternated rounds, the ratio as its median and
 * spread (min-max) over the rounds, the target and whether it holds.
 */
import { SATURATED_MS_PER_S, spread, type Spread } from './harness.ts';

export interface Row {
  measure: string;
  unit: string;
  ours: Spread;
  bare?: Spread;
  /** ours / bare per round. */
  ratio?: Spread;
  /** e.g. `>= 0.7`, `<= 250 ms`; checked against the ratio if there is one, else against ours. */
  target?: { text: string; holds: (value: number) => boolean };
  /** The target is on ours itself (a latency in ms), the baseline shown for scale. */
  targetOnOurs?: boolean;
  /** Things the reader must know (a saturated generator, failed requests). */
  flags: string[];
}

export interface CaseResult {
  name: string;
  rows: Row[];
  /** Everything measured, for latest.json. */
  detail: unknown;
  notes: string[];
}

export function ratioRow(measure: string, unit: string, ours: number[], bare: number[], target?: Row['target'], flags: string[] = []): Row {
  return { measure, unit, ours: spread(ours), bare: spread(bare), ratio: spread(ours.map((v, i) => v / bare[i]!)), target, flags };
}

export function valueRow(measure: string, unit: string, values: number[], target?: Row['target'], flags: string[] = []): Row {
  return { measure, unit, ours: spread(values), target, flags };
}

export const atLeast = (x: number, suffix = 'x'): Row['target'] => ({ text: `>= ${x}${suffix}`, holds: (v) => v >= x });
export const atMost = (x: number, suffix = 'x'): Row['target'] => ({ text: `<= ${x}${suffix}`, holds: (v) => v <= x });

/** Flags for generator processes that used more than 90% of a core in any window. */
export function saturation(perWindow: number[][], names: string): string[] {
  const peak = Math.max(0, ...perWindow.flat());
  return peak > SATURATED_MS_PER_S ? [`${names} saturated (${(peak / 10).toFixed(0)}% of a core)`] : [];
}

function num(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-';
  const abs = Math.abs(n);
  if (Number.isInteger(n) || abs >= 1000) return Math.round(n).toLocaleString('en');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function range(s: Spread): string {
  return s.values.length > 1 ? `${num(s.median)} (${num(s.min)}-${num(s.max)})` : num(s.median);
}

export function verdict(row: Row): string {
  if (!row.target) return '';
  const value = row.targetOnOurs ? row.ours.median : row.ratio?.median ?? row.ours.median;
  return `${row.target.text}: ${row.target.holds(value) ? 'holds' : '**misses**'}`;
}

export function markdownTable(rows: readonly Row[]): string[] {
  return [
    '| measure | ours | bare | ratio, median (min-max) | target | flags |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...rows.map((r) => `| ${r.measure}, ${r.unit} | ${r.ratio ? num(r.ours.median) : range(r.ours)} | ${r.bare ? num(r.bare.median) : ''} | ${r.ratio ? range(r.ratio) : ''} | ${verdict(r)} | ${r.flags.join('; ')} |`),
  ];
}
