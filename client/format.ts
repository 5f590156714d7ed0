/**
 * Locale-aware formatting for the page. Everything goes through Intl so numbers, region names and
 * time zones follow the viewer's locale and the IANA database, never hand-written tables.
 */

const counts = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export function formatCount(n: number): string {
  return counts.format(n);
}

/** Short form for tight places such as legend ticks (1, 10, 100, 1K, 10K). */
export function formatCompact(n: number): string {
  return compact.format(n);
}

// DisplayNames is missing in some older embedded browsers; the feature's own name is the fallback.
const regions = (() => {
  try {
    return new Intl.DisplayNames(undefined, { type: 'region' });
  } catch {
    return undefined;
  }
})();

/** The viewer-language name of an alpha-2 region, else `fallback`, else the code itself. */
export function countryName(code: string | undefined, fallback?: string): string {
  if (code) {
    try {
      const name = regions?.of(code);
      if (name && name !== code) return name;
    } catch {
      // A code ICU does not know throws a RangeError; the fallback below covers it.
    }
  }
  return fallback || code || 'Unknown';
}

const utcTime = new Intl.DateTimeFormat(undefined, {
  timeZone: 'UTC',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const utcDate = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });
const viewerTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function formatUtcTime(t: number): string {
  return utcTime.format(t);
}

export function formatUtcDate(t: number): string {
  return utcDate.format(t);
}

/** The instant `t` on the viewer's own clock (their time zone). */
export function formatViewerTime(t: number): string {
  return viewerTime.format(t);
}

const zoneFormatters = new Map<string, { time: Intl.DateTimeFormat; parts: Intl.DateTimeFormat } | null>();

// Invalid zone names throw; caching null keeps a bad entry from throwing on every pointer move.
function zoneFormatter(tz: string) {
  let f = zoneFormatters.get(tz);
  if (f === undefined) {
    try {
      f = {
        time: new Intl.DateTimeFormat(undefined, { timeZone: tz, hour: '2-digit', minute: '2-digit' }),
        parts: new Intl.DateTimeFormat('en-US', {
          timeZone: tz,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
        }),
      };
    } catch {
      f = null;
    }
    zoneFormatters.set(tz, f);
  }
  return f;
}

/** Minutes the zone's wall clock is ahead of UTC at `t`, read back from Intl (no offset tables). */
function offsetMinutes(t: number, parts: Intl.DateTimeFormat): number {
  const p: Record<string, number> = {};
  for (const { type, value } of parts.formatToParts(t)) p[type] = Number(value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!);
  return Math.round((wall - Math.floor(t / 60_000) * 60_000) / 60_000);
}

/**
 * Local time at `t` in a country with the comma-separated zones `tzList`: one time, or the range
 * from its westernmost to its easternmost distinct offset ("14:13 – 19:13").
 */
export function localTimeRange(t: number, tzList: string): string {
  const zones: Array<{ offset: number; time: Intl.DateTimeFormat }> = [];
  for (const tz of tzList.split(',')) {
    const f = tz ? zoneFormatter(tz.trim()) : null;
    if (f) zones.push({ offset: offsetMinutes(t, f.parts), time: f.time });
  }
  if (zones.length === 0) return '';
  zones.sort((a, b) => a.offset - b.offset);
  const first = zones[0]!.time.format(t);
  const last = zones[zones.length - 1]!.time.format(t);
  return first === last ? first : `${first} – ${last}`;
}

const utcDateTime = new Intl.DateTimeFormat(undefined, {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const viewerDateTime = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
});

/** Date and minute in UTC, for lists where the instant must be unambiguous. */
export function formatUtcDateTime(t: number): string {
  return `${utcDateTime.format(t)} UTC`;
}

/** Date and minute on the viewer's clock, with the zone's short name. */
export function formatViewerDateTime(t: number): string {
  return viewerDateTime.format(t);
}

/** The viewer's IANA zone, for hints ("Europe/Paris"). */
export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const hours = new Intl.NumberFormat(undefined, { style: 'unit', unit: 'hour', unitDisplay: 'narrow' });
const minutes = new Intl.NumberFormat(undefined, { style: 'unit', unit: 'minute', unitDisplay: 'narrow' });

/** A duration to the minute, "2h 15m" in the viewer's locale. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 60_000));
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (h === 0) return minutes.format(m);
  return m === 0 ? hours.format(h) : `${hours.format(h)} ${minutes.format(m)}`;
}

const zoneClocks = new Map<string, Intl.DateTimeFormat | null>();

/**
 * The instant `t` on the wall clock of IANA `zone` ("19:45", or "19:45:12" with seconds); empty
 * for a zone Intl does not know. Formatters are cached per zone (a few hundred zones at most).
 */
export function formatZoneTime(t: number, zone: string, seconds = false): string {
  const key = `${zone}|${seconds}`;
  let f = zoneClocks.get(key);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat(undefined, { timeZone: zone, hour: '2-digit', minute: '2-digit', second: seconds ? '2-digit' : undefined, hourCycle: 'h23' });
    } catch {
      f = null;
    }
    zoneClocks.set(key, f);
  }
  return f ? f.format(t) : '';
}

/** A zone as a newsroom says it: "America/New_York" reads "New York" (the IANA name's city part). */
export function zoneCity(zone: string): string {
  return (zone.split('/').pop() ?? zone).replace(/_/g, ' ');
}
