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
const DAY_MS = 24 * 60 * 60 * 1000;

const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** How far `zone`'s wall clock is ahead of UTC at `t`, in ms (New York in December: -5 h). */
function zoneOffset(t: number, zone: string): number {
  let clock = wallClocks.get(zone);
  if (!clock) {
    clock = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    wallClocks.set(zone, clock);
  }
  const part: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const p of clock.formatToParts(t)) part[p.type] = Number(p.value);
  const wall = Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!);
  return wall - Math.floor(t / 1000) * 1000;
}

/**
 * `YYYY-MM-DDTHH:MM` on the wall clock of `zone`, the value format of `<input type="datetime-local">`
 * (which has no zone of its own: the page says which it means).
 */
export function toZonedInputValue(t: number, zone: string): string {
  return toUtcWall(t + zoneOffset(t, zone));
}

function toUtcWall(t: number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/**
 * The instant a datetime-local value names on the wall clock of `zone`. A time the clocks skipped
 * (a spring-forward hour) is read with the offset before the change, so it lands just after it;
 * a time that happened twice (the autumn hour) is the first. Undefined for a malformed value.
 */
export function fromZonedInputValue(value: string, zone: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map((n) => Number(n ?? 0)) as [number, number, number, number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 30 February over into March: a value must name its own day and hour.
  if (toUtcWall(wall) !== `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}`) return undefined;
  // At most one change of offset within a day of the wall time: the instants it may be are these.
  const before = wall - zoneOffset(wall - DAY_MS, zone);
  const after = wall - zoneOffset(wall + DAY_MS, zone);
  const exact = [before, after].filter((t) => t + zoneOffset(t, zone) === wall);
  return exact.length > 0 ? Math.min(...exact) : before;
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
