import type { Logger } from 'pino';
import { scenarioInfo, scenarioRows, type ScenarioId } from '../shared/scenarios.ts';
import type { HistoryStore } from './store/store.ts';

/** Replays shipped with the product; bump a version to reload a changed reconstruction. */
export const BUNDLED: ReadonlyArray<{ id: ScenarioId; version: number }> = [
  { id: 'twitter-2022-12-28', version: 1 },
  { id: 'rogers-2022-07-08', version: 1 },
];

/**
 * Loads each bundled replay once per data folder. Rows are put (not added), and the dataset is
 * recorded after its rows, so a start interrupted half-way loads it again without doubling.
 */
export async function loadBundledReplays(store: HistoryStore, logger: Pick<Logger, 'info'>): Promise<number> {
  const loaded = new Set((await store.datasets()).map((d) => d.key));
  let count = 0;
  for (const { id, version } of BUNDLED) {
    const key = `bundled:${id}:v${version}`;
    if (loaded.has(key)) continue;
    const info = scenarioInfo(id);
    const rows = scenarioRows(id).map((r) => ({ ...r, service: info.service }));
    await store.put(rows);
    const minutes = rows.map((r) => r.minute);
    await store.markDataset({
      key,
      service: info.service,
      from: Math.min(...minutes),
      to: Math.max(...minutes),
      rows: rows.length,
      note: info.note,
      sources: [...info.sources],
    });
    logger.info(`loaded the bundled replay "${info.title}" (${rows.length} rows; ${info.note})`);
    count++;
  }
  return count;
}
