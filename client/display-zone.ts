/**
 * The one zone a page shows time in: its header clock and its chart axis read the same zone, and
 * the reader switches between UTC, the newsroom's zone (a screen's or channel's `timeZone`) and
 * their own. The address keeps the choice (`?tz=viewer`, `?tz=utc` or an IANA name).
 */
import { UTC, viewerZone } from './format.ts';
import { writeParam } from './url-state.ts';

export type ZoneChoice = 'utc' | 'newsroom' | 'viewer';

let choice: ZoneChoice = 'utc';
let newsroom: string | undefined;
const listeners = new Set<() => void>();

function read(): void {
  if (typeof location === 'undefined') return;
  const tz = new URLSearchParams(location.search).get('tz')?.trim();
  if (!tz || tz.toLowerCase() === 'utc') return;
  if (tz.toLowerCase() === 'viewer' || tz.toLowerCase() === 'local') choice = 'viewer';
  else if (isZone(tz)) {
    newsroom = tz;
    choice = 'newsroom';
  }
}

function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

read();

/** The IANA zone every clock and axis of the page uses now. */
export function displayZone(): string {
  if (choice === 'viewer') return viewerZone();
  if (choice === 'newsroom' && newsroom) return newsroom;
  return UTC;
}

export function zoneChoice(): ZoneChoice {
  return choice === 'newsroom' && !newsroom ? 'utc' : choice;
}

/** The choices worth offering: UTC, the newsroom's zone when there is one, the reader's own. */
export function zoneChoices(): Array<{ choice: ZoneChoice; zone: string }> {
  const out: Array<{ choice: ZoneChoice; zone: string }> = [{ choice: 'utc', zone: UTC }];
  if (newsroom) out.push({ choice: 'newsroom', zone: newsroom });
  out.push({ choice: 'viewer', zone: viewerZone() });
  return out;
}

/** The reader's switch: the choice goes into the address too (`tz`), so a copied link keeps the zone. */
export function setZoneChoice(next: ZoneChoice): void {
  if (next === choice) return;
  choice = next;
  writeParam('tz', tzParam());
  for (const listener of listeners) listener();
}

/** A newsroom zone from a setting (a channel's or a screen's `timeZone`); unknown names are ignored. */
export function setNewsroomZone(zone: string | undefined): void {
  const next = zone && isZone(zone) && zone !== UTC ? zone : undefined;
  if (next === newsroom) return;
  newsroom = next;
  for (const listener of listeners) listener();
}

/** The `tz` value that reopens the current choice; undefined for UTC, the default. */
function tzParam(): string | undefined {
  if (zoneChoice() === 'viewer') return 'viewer';
  if (zoneChoice() === 'newsroom') return newsroom;
  return undefined;
}

export function onZoneChange(listener: () => void): void {
  listeners.add(listener);
}
