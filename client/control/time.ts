import type { ChannelState } from '../../shared/protocol.ts';
import { dataTimeAt } from '../../shared/time.ts';
import { t as message } from '../i18n/index.ts';
import { formatDateTime, UTC, zoneLabel } from '../format.ts';

export { isTimeZone } from '../../shared/time.ts';

/**
 * The channel's data time at `now`. The producer's laptop and the server are usually on one clock
 * (NTP), so no offset estimate is made here; screens do their own.
 */
export function dataTimeOf(state: ChannelState, now = Date.now()): number {
  return dataTimeAt(state, now);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DDTHH:MM` in UTC, the value format of `<input type="datetime-local">`. */
export function toUtcInputValue(t: number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/**
 * Reads a datetime-local value as UTC. The input has no zone of its own and the browser would read
 * it in the laptop's zone; the label says UTC, so the page appends Z itself.
 */
export function fromUtcInputValue(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return undefined;
  const t = Date.parse(`${value}Z`);
  return Number.isFinite(t) ? t : undefined;
}

/** Zones newsrooms ask for most; the input takes any other IANA name too. */
export const COMMON_ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Dublin',
  'Europe/Lisbon',
  'Europe/Paris',
  'Europe/Berlin',
  'Europe/Madrid',
  'Europe/Rome',
  'Europe/Amsterdam',
  'Europe/Stockholm',
  'Europe/Warsaw',
  'Europe/Athens',
  'Europe/Kyiv',
  'Europe/Istanbul',
  'Europe/Moscow',
  'Africa/Lagos',
  'Africa/Johannesburg',
  'Africa/Nairobi',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Hong_Kong',
  'Asia/Shanghai',
  'Asia/Seoul',
  'Asia/Tokyo',
  'Australia/Perth',
  'Australia/Sydney',
  'Pacific/Auckland',
  'America/Sao_Paulo',
  'America/Mexico_City',
  'America/New_York',
  'America/Toronto',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Vancouver',
  'America/Anchorage',
  'Pacific/Honolulu',
] as const;

/**
 * Date and second of `t` in `zone`, the zone named in the page's language ("29 Dec 2022, 00:53:00
 * UTC"): the producer must never guess which day a replay is on. '' for a zone Intl does not know.
 */
export function formatFull(t: number, zone = UTC): string {
  const time = formatDateTime(t, zone, true);
  return time ? message('time.zoneLabel', { time, zone: zoneLabel(zone, t) }) : '';
}
