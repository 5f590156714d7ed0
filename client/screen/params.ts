import type { Theme } from '../../shared/protocol.ts';
import { serviceName } from '../../shared/services.ts';
import type { WatchTarget } from '../feed.ts';
import { matchLocale, resolveLocale, type Locale } from '../i18n/locale.ts';

/** What an unattended page follows: a producer's named channel, or one service live. */
export type FollowTarget = Extract<WatchTarget, { channel: string }> | { service: string };

/** What the address asks of a kiosk screen; a channel's own settings win over these once known. */
export interface ScreenParams {
  target: FollowTarget | undefined;
  headline: string;
  theme: Theme;
  /** The newsroom's IANA zone, shown beside UTC. */
  timeZone: string;
  /** `?problems=1`: what people report (the service's shares of each problem type) under the counters. */
  problems: boolean;
}

/** Whether Intl knows the zone (an unknown one throws), so a typo falls back to UTC, not a blank. */
export function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function readScreenParams(search: string): ScreenParams {
  const q = new URLSearchParams(search);
  const channel = q.get('channel')?.trim();
  const service = q.get('service')?.trim();
  const tz = q.get('tz')?.trim() ?? '';
  return {
    target: channel ? { channel } : service ? { service } : undefined,
    headline: q.get('headline')?.trim() ?? '',
    theme: q.get('theme') === 'light' ? 'light' : 'dark',
    timeZone: tz && validZone(tz) ? tz : 'UTC',
    problems: ['1', 'true', 'yes'].includes(q.get('problems')?.trim().toLowerCase() ?? ''),
  };
}

/** A service id as a name on air: "twitter" reads "Twitter", "whatsapp" "WhatsApp". */
export function serviceTitle(service: string): string {
  return serviceName(service);
}

/**
 * The language a screen speaks. On a channel the producer's `locale` wins over the address (a
 * newsroom sets its wall's language once, for every screen on it); without one, and on a plain
 * screen, `?lang=` wins, then the browser's languages.
 */
export function screenLocale(search: string, target: FollowTarget | undefined, channelLocale: string | undefined, browser: readonly string[] = []): Locale {
  const fromChannel = target && 'channel' in target ? matchLocale(channelLocale) : undefined;
  return fromChannel ?? resolveLocale(search, undefined, browser);
}
