/**
 * Locale-aware formatting for every page. Everything goes through Intl with the page's locale
 * (i18n/locale.ts), so numbers, region names, lists, durations and time zones follow the reader's
 * language and the IANA database, never hand-written tables. One hour cycle per page: the
 * locale's own (12-hour for `en`/`ar`, 24-hour for `fr`/`en-GB`), passed to every time format.
 */
import { locale, onLocaleChange, type Language } from './i18n/locale.ts';

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.ListFormat | Intl.DisplayNames | null>();
onLocaleChange(() => cache.clear());

/** One formatter per locale and options; null when Intl refuses the options (an unknown zone). */
function cached<T>(kind: string, options: object, make: (tag: string) => T): T | null {
  const tag = locale().tag;
  const key = `${kind}|${tag}|${JSON.stringify(options)}`;
  let f = cache.get(key) as T | null | undefined;
  if (f === undefined) {
    try {
      f = make(tag);
    } catch {
      f = null;
    }
    cache.set(key, f as never);
  }
  return f;
}

const number = (options: Intl.NumberFormatOptions) => cached('n', options, (tag) => new Intl.NumberFormat(tag, options))!;
const dateTime = (options: Intl.DateTimeFormatOptions) => cached('d', options, (tag) => new Intl.DateTimeFormat(tag, { hourCycle: hourCycle(), ...options }));

export function formatCount(n: number): string {
  return number({ maximumFractionDigits: 0 }).format(n);
}

/** A whole-percent share, "82%" ("٨٢٪" in Arabic): the locale places the sign. */
export function formatShare(percent: number): string {
  return number({ style: 'percent', maximumFractionDigits: 0 }).format(percent / 100);
}

/** Short form for tight places such as legend ticks (1, 10, 100, 1K, 10K; "10 ألف" in Arabic). */
export function formatCompact(n: number): string {
  return number({ notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

/** A replay speed, "60×". */
export function formatSpeed(speed: number): string {
  return `${number({ maximumFractionDigits: 2 }).format(speed)}×`;
}

/** "a, b and c" in the locale ("a، وb، وc" in Arabic). */
export function formatList(items: readonly string[], type: Intl.ListFormatType = 'conjunction'): string {
  // The style is part of the cache key: durations join units narrow ("3h 15m"), lists short ("a, b").
  const f = cached('l', { type, style: 'short' }, (tag) => new Intl.ListFormat(tag, { type, style: 'short' }));
  return f ? f.format(items) : items.join(', ');
}

/**
 * A list as the locale joins it, one part per item and per separator, so a page can isolate
 * each item (a Latin name in Arabic text) and keep the locale's own commas and "and".
 */
export function listParts<T>(items: readonly T[]): Array<{ item: T } | { separator: string }> {
  const f = cached('l', { type: 'conjunction', style: 'short' }, (tag) => new Intl.ListFormat(tag, { type: 'conjunction', style: 'short' })) as Intl.ListFormat | null;
  const parts = f ? f.formatToParts(items.map((_, i) => String(i))) : items.flatMap((_, i) => [...(i > 0 ? [{ type: 'literal', value: ', ' }] : []), { type: 'element', value: String(i) }]);
  return parts.map((part) => (part.type === 'element' ? { item: items[Number(part.value)]! } : { separator: part.value }));
}

/** The locale-language name of an alpha-2 region (Intl's CLDR names), else `fallback`, else the code. */
export function countryName(code: string | undefined, fallback?: string): string {
  if (code) {
    try {
      // DisplayNames is missing in some older embedded browsers; the fallback below covers it.
      const name = cached('r', {}, (tag) => new Intl.DisplayNames(tag, { type: 'region' }))?.of(code);
      if (name && name !== code) return name;
    } catch {
      // A code ICU does not know throws a RangeError.
    }
  }
  return fallback || code || '?';
}

/** A language's name in the page's language (`ar` reads "Arabic" on an English page, "arabe" on a French one), else the code. */
export function languageName(code: string): string {
  try {
    return cached('lang', {}, (tag) => new Intl.DisplayNames(tag, { type: 'language' }))?.of(code) ?? code;
  } catch {
    return code;
  }
}

// ---- Time ---------------------------------------------------------------------------------

/** The locale's clock: 'h12' or 'h23' (Intl's default for the locale's hour). */
export function hourCycle(): Intl.DateTimeFormatOptions['hourCycle'] {
  const tag = locale().tag;
  const key = `hc|${tag}`;
  let f = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) cache.set(key, (f = new Intl.DateTimeFormat(tag, { hour: 'numeric' })));
  const cycle = f.resolvedOptions().hourCycle;
  // h11 and h24 are rare locale defaults; keep the two clocks people read.
  return cycle === 'h11' || cycle === 'h12' ? 'h12' : 'h23';
}

export const UTC = 'UTC';

function isUtc(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'Etc/GMT' || zone === 'GMT';
}

/** The instant `t` on the wall clock of IANA `zone` ("19:45", "7:45 PM", with seconds if asked); '' for an unknown zone. */
export function formatTime(t: number, zone: string, seconds = false): string {
  return dateTime({ timeZone: zone, hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) })?.format(t) ?? '';
}

/** The date of `t` in `zone`: "29 Dec 2022". */
export function formatDate(t: number, zone: string): string {
  return dateTime({ timeZone: zone, day: 'numeric', month: 'short', year: 'numeric' })?.format(t) ?? '';
}

/** Date and minute of `t` in `zone`, for lists where the instant must be unambiguous. */
export function formatDateTime(t: number, zone: string, seconds = false): string {
  return (
    dateTime({ timeZone: zone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) })?.format(t) ?? ''
  );
}

/** Catalogue languages written in Latin script, where a Latin city name is at home. */
const LATIN_SCRIPT = new Set<Language>(['en', 'fr']);

/** A zone as a reader says it, in their language: "UTC", "ET", "توقيت نيويورك", "heure : New York". */
export function zoneLabel(zone: string, t = Date.now()): string {
  if (isUtc(zone)) return UTC;
  const name = (style: 'shortGeneric' | 'longGeneric') => dateTime({ timeZone: zone, timeZoneName: style })?.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value;
  const short = name('shortGeneric');
  // Browsers ship city names for few locales: Chromium says "توقيت New York" in Arabic. A label
  // left in Latin script in a language written otherwise takes the longer metazone name, which
  // is translated ("التوقيت الشرقي لأمريكا الشمالية").
  if (short && !LATIN_SCRIPT.has(locale().language) && /[A-Za-z]{3,}/.test(short.replace(/GMT|UTC/g, ''))) return name('longGeneric') ?? short;
  return short ?? zoneCity(zone);
}

/** `t` in `zone` with the zone named after it ("00:53 UTC", "7:53 PM ET"); the one way a clock is labelled. */
export function formatZoned(t: number, zone: string, seconds = false): string {
  const time = formatTime(t, zone, seconds);
  return time ? `${time} ${zoneLabel(zone, t)}` : '';
}

export function formatUtcTime(t: number): string {
  return formatTime(t, UTC, true);
}

export function formatUtcDate(t: number): string {
  return formatDate(t, UTC);
}

/** The instant `t` on the viewer's own clock (their time zone). */
export function formatViewerTime(t: number): string {
  return formatTime(t, viewerZone());
}

/** Date and minute in UTC, labelled. */
export function formatUtcDateTime(t: number): string {
  return `${formatDateTime(t, UTC)} ${UTC}`;
}

/** Date and minute on the viewer's clock, with the zone's name. */
export function formatViewerDateTime(t: number): string {
  const zone = viewerZone();
  return `${formatDateTime(t, zone)} ${zoneLabel(zone, t)}`;
}

/** The viewer's IANA zone, for hints ("Europe/Paris"). */
export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The instant `t` on the wall clock of IANA `zone`; empty for a zone Intl does not know. */
export function formatZoneTime(t: number, zone: string, seconds = false): string {
  return formatTime(t, zone, seconds);
}

/** A zone's city, from its IANA name: "America/New_York" reads "New York". */
export function zoneCity(zone: string): string {
  return (zone.split('/').pop() ?? zone).replace(/_/g, ' ');
}

/** Minutes the zone's wall clock is ahead of UTC at `t`, read back from Intl (no offset tables). */
function offsetMinutes(t: number, zone: string): number | undefined {
  const f = cached('o', { zone }, () => new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }));
  if (!f) return undefined;
  const p: Record<string, number> = {};
  for (const { type, value } of (f as Intl.DateTimeFormat).formatToParts(t)) p[type] = Number(value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!);
  return Math.round((wall - Math.floor(t / 60_000) * 60_000) / 60_000);
}

/**
 * Local time at `t` in a country with the comma-separated zones `tzList`: one time, or the range
 * from its westernmost to its easternmost distinct offset ("14:13–19:13", Intl's own range form).
 */
export function localTimeRange(t: number, tzList: string): string {
  const zones: Array<{ offset: number; zone: string }> = [];
  for (const raw of tzList.split(',')) {
    const zone = raw.trim();
    const offset = zone ? offsetMinutes(t, zone) : undefined;
    if (offset !== undefined) zones.push({ offset, zone });
  }
  if (zones.length === 0) return '';
  zones.sort((a, b) => a.offset - b.offset);
  const first = formatTime(t, zones[0]!.zone);
  const last = formatTime(t, zones[zones.length - 1]!.zone);
  // Shown as a range of two wall-clock times; Intl's range separator keeps the order in RTL.
  return first === last ? first : `${first} – ${last}`;
}

/**
 * A duration to the minute, "3h 15m", "3 س و15 د", "3h 15min": the one duration format of
 * every page. Rounds to the nearest minute.
 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 60_000));
  const h = Math.floor(total / 60);
  const m = total % 60;
  const minutes = number({ style: 'unit', unit: 'minute', unitDisplay: 'narrow' }).format(m);
  if (h === 0) return minutes;
  const hours = number({ style: 'unit', unit: 'hour', unitDisplay: 'narrow' }).format(h);
  if (m === 0) return hours;
  const f = cached('l', { type: 'unit', style: 'narrow' }, (tag) => new Intl.ListFormat(tag, { type: 'unit', style: 'narrow' }));
  return f ? f.format([hours, minutes]) : `${hours} ${minutes}`;
}

/**
 * How long an incident lasted: its `end` is the start of its last minute above normal, so the
 * length counts that minute too; an ongoing one runs to `now`.
 */
export function incidentLength(incident: { start: number; end: number | null }, now: number): number {
  return (incident.end === null ? now : incident.end + 60_000) - incident.start;
}

/** Day and month of `t` in `zone` ("29 Dec"), for axis labels that mark a new day. */
export function formatDateTimeParts(t: number, zone: string): { dayMonth: string } {
  return { dayMonth: dateTime({ timeZone: zone, day: 'numeric', month: 'short' })?.format(t) ?? '' };
}
