import worldCountries from 'world-countries';

/** A country (or territory) with an ISO 3166-1 alpha-2 code, from the `world-countries` dataset. */
export interface CountryInfo {
  /** ISO 3166-1 alpha-2 (`XK` for Kosovo, the user-assigned code CDNs use). */
  code: string;
  /** ISO 3166-1 numeric, zero-padded ("840"); empty where none is assigned. */
  numeric: string;
  name: string;
  /** A representative point, `[lng, lat]`, for a marker where no shape is drawn. */
  lngLat: [number, number];
}

const byCode = new Map<string, CountryInfo>();
const byNumeric = new Map<string, string>();
const byName = new Map<string, string>();
for (const c of worldCountries) {
  const info: CountryInfo = {
    code: c.cca2,
    numeric: c.ccn3,
    name: c.name.common,
    lngLat: [c.latlng[1], c.latlng[0]],
  };
  byCode.set(info.code, info);
  if (info.numeric) byNumeric.set(info.numeric, info.code);
  byName.set(c.name.common.toLowerCase(), info.code);
}

/** Every accepted alpha-2 code. */
export const COUNTRY_CODES: readonly string[] = [...byCode.keys()].sort();

export function isCountryCode(code: string): boolean {
  return byCode.has(code);
}

export function countryInfo(code: string): CountryInfo | undefined {
  return byCode.get(code);
}

/** English common name, or the code itself when unknown. */
export function countryName(code: string): string {
  return byCode.get(code)?.name ?? code;
}

/** Alpha-2 for an ISO numeric code, accepting "840", "0840" or 840. */
export function alpha2FromNumeric(numeric: string | number): string | undefined {
  return byNumeric.get(String(numeric).padStart(3, '0').slice(-3));
}

/** Alpha-2 for a common English name ("Kosovo"), for shapes that carry a name but no code. */
export function alpha2FromName(name: string): string | undefined {
  return byName.get(name.toLowerCase());
}
