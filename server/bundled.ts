import type { Logger } from 'pino';
import { scenarioInfo, scenarioRows, type ScenarioId } from '../shared/scenarios.ts';
import type { HistoryStore } from './store/store.ts';

/** Replays shipped with the product; bump a version to reload a changed reconstruction. */
export const BUNDLED: ReadonlyArray<{ id: ScenarioId; version: number }> = [
  // v2: the problem types people reported (Downdetector's US split; assumed elsewhere);
  // v3: the same split without random draws (a data folder started on v2 reloads it).
  { id: 'twitter-2022-12-28', version: 3 },
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
    const info = scenarioInfo(id, { problems: true });
    // One put: a minute's rows (a row per problem type) are its total and its breakdown together.
    const rows = scenarioRows(id, { problems: true }).map((r) => ({ ...r, service: info.service }));
    await store.put(rows);
    const minutes = rows.map((r) => r.minute);
    // Rows of a breakdown are parts of one minute's count; the dataset counts minutes per country.
    const counted = new Set(rows.map((r) => `${r.minute}\0${r.country}`)).size;
    await store.markDataset({
      key,
      service: info.service,
      from: Math.min(...minutes),
      to: Math.max(...minutes),
      rows: counted,
      note: info.note,
      sources: [...info.sources],
    });
    logger.info(`loaded the bundled replay "${info.title}" (${counted} rows; ${info.note})`);
    count++;
  }
  return count;
}
