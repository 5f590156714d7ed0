/**
 * Named shortcuts into the message catalogue (client/i18n) for the words several pages share.
 * Every text here is read from the catalogue when used, so it follows the page's locale; new
 * words go into client/i18n/en.ts (and ar.ts, fr.ts), read with `t('…')`.
 */
import type { FeedErrorCode } from './feed.ts';
import { t } from './i18n/index.ts';
import type { ConnectionState } from './feed.ts';

const states = ['connecting', 'live', 'reconnecting', 'offline'] as const satisfies readonly ConnectionState[];

function table<K extends string>(keys: readonly K[], text: (key: K) => string): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const key of keys) Object.defineProperty(out, key, { get: () => text(key), enumerable: true });
  return out;
}

export const CONNECTION_LABELS = table(states, (s) => t(`connection.labels.${s}`));
export const CONNECTION_HINTS = table(states, (s) => t(`connection.hints.${s}`));
/** The short notes unattended pages show while the socket is down. */
export const LINK_NOTES = table(states, (s) => t(`connection.notes.${s}`));

export const MODE_LABELS = table(['live', 'replay'] as const, (m) => t(`common.${m}`));

/** A refused or unanswered watch, by its stable code (never by the server's message). */
export function watchError(code: FeedErrorCode): string {
  return t(`errors.${code}`);
}
export const WATCH_ERRORS = table(
  ['unsupported-protocol', 'invalid-request', 'invalid-time', 'unknown-service', 'unknown-channel', 'internal', 'timeout'] as const satisfies readonly FeedErrorCode[],
  watchError,
);

/** Every page marks simulated data with the same word and explanation. */
export const SIMULATED = {
  get label() {
    return t('simulated.label');
  },
  get hint() {
    return t('simulated.hint');
  },
  /** With the simulation's speed already formatted, e.g. "60×". */
  withSpeed: (speed: string) => t('simulated.withSpeed', { speed }),
};


/** The data table of every country (the map's data as text), its toggle and the live announcements. */
const sortKeys = ['name', 'count', 'baseline', 'level', 'trend'] as const;
const levels = ['normal', 'elevated', 'outage'] as const;
const trendNames = ['rising', 'falling', 'steady'] as const;
export const DATA_VIEW = {
  get mapLabel() {
    return t('a11y.mapLabel');
  },
  get toggle() {
    return t('a11y.toggle');
  },
  get toggleHint() {
    return t('a11y.toggleHint');
  },
  get empty() {
    return t('a11y.empty');
  },
  caption: (minutes: string) => t('a11y.caption', { count: Number(minutes.replace(/\D/g, '')) || 0 }),
  columns: table(sortKeys, (k) => t(`a11y.columns.${k}`)),
  sortedBy: (column: string, ascending: boolean) => t(ascending ? 'a11y.sortedAscending' : 'a11y.sortedDescending', { column }),
  levels: table(levels, (l) => t(`level.${l}`)),
  trends: table(trendNames, (k) => t(`trend.${k}`)),
};

export const ANNOUNCE = {
  levels: table(levels, (l) => (l === 'normal' ? t('a11y.back') : t(`level.${l}`))),
  change: (country: string, level: string, count: string, n: number) => t('a11y.change', { country, level, reports: count, count: n }),
  more: (n: string) => t('a11y.more', { count: Number(n.replace(/\D/g, '')) || 0 }),
};

export const TIMELINE_SLIDER = {
  get label() {
    return t('a11y.sliderLabel');
  },
  value: (time: string, total: string) => t('a11y.sliderValue', { time, reports: total }),
};

/** The map page's own messages. */
export const MAIN = {
  get loading() {
    return t('common.loading');
  },
  get noServices() {
    return t('main.noServices');
  },
  get waiting() {
    return t('main.waiting');
  },
  /** `minutes` is the window length as a number. */
  source: (replay: boolean, minutes: number) => t(replay ? 'main.sourceReplay' : 'main.sourceLive', { count: minutes }),
};
