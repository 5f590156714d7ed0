import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getCountry } from 'countries-and-timezones';
import type { Topology } from 'topojson-specification';
import { buildCountryGeo } from '../shared/geo.ts';

export interface GeoPayload {
  json: string;
  etag: string;
  features: number;
}

let cached: GeoPayload | undefined;

/**
 * The map's country shapes, built once per process from Natural Earth's 1:50m countries
 * (world-atlas): 1:110m lacks small states such as Singapore, Malta and Bahrain.
 */
export function countryGeo(): GeoPayload {
  if (cached) return cached;
  const file = createRequire(import.meta.url).resolve('world-atlas/countries-50m.json');
  const topology = JSON.parse(readFileSync(file, 'utf8')) as Topology;
  const collection = buildCountryGeo(topology, 'countries', (code) => getCountry(code)?.timezones ?? []);
  const json = JSON.stringify(collection);
  cached = { json, etag: `"${createHash('sha1').update(json).digest('base64url')}"`, features: collection.features.length };
  return cached;
}
