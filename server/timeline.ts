import type { Timeline } from '../shared/protocol.ts';
import { MINUTE_MS, minuteOf } from '../shared/time.ts';
import type { Config } from './config.ts';
import type { FrameSource } from './frames.ts';
import { SLOT_MINUTES, type HistoryStore } from './store/store.ts';

/** Steps the chart may use, in minutes: round numbers a reader recognises on an axis. */
const STEPS = [1, 2, 5, 15, 30, 60, 120, 180, 360, 720, 1440];
const TOP_COUNTRIES = 5;

export interface TimelineQuery {
  service: string;
  from?: number;
  to?: number;
  points: number;
}

/**
 * The chart under the map: total reports, the top countries and the summed baseline, all in
 * reports per window so they read on the same scale as the map's counts. Defaults to the last
 * 24 hours of the service's history.
 */
export async function buildTimeline(store: HistoryStore, frames: FrameSource, config: Config, q: TimelineQuery): Promise<Timeline> {
  const range = await store.range(q.service);
  const toMinute = q.to !== undefined ? minuteOf(q.to) : (range?.to ?? minuteOf(Date.now()));
  const fromMinute = q.from !== undefined ? minuteOf(q.from) : Math.max(range?.from ?? toMinute, toMinute - 24 * 60);
  const span = Math.max(1, toMinute - fromMinute + 1);
  const step = STEPS.find((s) => span / s <= q.points) ?? STEPS[STEPS.length - 1]!;
  const first = Math.floor(fromMinute / step) * step;
  const points = Math.floor((toMinute - first) / step) + 1;
  const scale = config.windowMinutes / step;

  const total = new Array<number>(points).fill(0);
  const byCountry = new Map<string, number[]>();
  const bucketOf = (minute: number) => Math.floor((minute - first) / step);
  const addTo = (minute: number, country: string, count: number) => {
    const i = bucketOf(minute);
    if (i < 0 || i >= points) return;
    total[i]! += count;
    let series = byCountry.get(country);
    if (!series) byCountry.set(country, (series = new Array<number>(points).fill(0)));
    series[i]! += count;
  };
  if (step % SLOT_MINUTES === 0) {
    // Whole slots: the 15-minute sums are a fifteenth of the rows to read.
    for (const row of await store.slotRange(q.service, first / SLOT_MINUTES, (first + points * step) / SLOT_MINUTES - 1)) addTo(row.slot * SLOT_MINUTES, row.country, row.count);
  } else {
    for (const row of await store.rows(q.service, first, first + points * step - 1)) addTo(row.minute, row.country, row.count);
  }

  const times = Array.from({ length: points }, (_, i) => (first + i * step) * MINUTE_MS);
  const pointSlots = times.map((t) => Math.floor(minuteOf(t) / SLOT_MINUTES));
  const baselines = await frames.slotBaselines(q.service, [...new Set(pointSlots)]);
  // The band is what the reporting countries would normally send: each country with reports at a
  // point adds its baseline there (the floor where its history is thin).
  const floor = config.baselineFloor;
  const baseline = pointSlots.map((slot, i) => {
    let sum = 0;
    for (const [country, series] of byCountry) if (series[i]! > 0) sum += baselines.get(slot)?.get(country) ?? floor;
    return round(sum);
  });

  const top = [...byCountry.entries()]
    .map(([country, series]) => ({ country, peak: Math.max(...series) }))
    .sort((a, b) => b.peak - a.peak)
    .slice(0, TOP_COUNTRIES);
  return {
    service: q.service,
    from: first * MINUTE_MS,
    to: (first + points * step) * MINUTE_MS - 1,
    step: step * MINUTE_MS,
    windowMinutes: config.windowMinutes,
    times,
    total: total.map((v) => round(v * scale)),
    baseline,
    countries: Object.fromEntries(top.map(({ country }) => [country, byCountry.get(country)!.map((v) => round(v * scale))])),
  };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
