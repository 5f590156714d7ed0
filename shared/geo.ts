import type { Feature, FeatureCollection, Geometry, MultiPolygon, Point, Polygon, Position } from 'geojson';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { feature } from 'topojson-client';
import { COUNTRY_CODES, alpha2FromName, alpha2FromNumeric, countryInfo } from './countries.ts';

/** Properties of a country feature served by `GET /api/geo`. */
export interface CountryProperties {
  /** Alpha-2 code; absent for shapes that have none (N. Cyprus, Somaliland). */
  iso?: string;
  name: string;
  /** The country's IANA time zones, comma-separated (MapLibre properties must be scalars). */
  tz: string;
  /**
   * A point where the country's proportional circle is drawn (only while it has reports): every
   * country has one, at its centroid, so circles compare counts whatever the land area.
   */
  marker?: true;
  /**
   * A marker beside a shape too small to see at world zoom (Singapore, Malta, Bahrain): drawn only
   * while the country has reports, so quiet micro-states do not clutter the map.
   */
  small?: true;
}

/**
 * Shapes under this planar area (square degrees; 1 is about 12,000 km² at the equator, a little
 * more than Cyprus) also get a marker, or a hot Singapore would be a single invisible pixel.
 */
export const SMALL_SHAPE_DEG2 = 1;

export type CountryFeature = Feature<Polygon | MultiPolygon | Point, CountryProperties>;

/**
 * Shifts ring longitudes by whole turns so consecutive points never jump more than 180°.
 * world-atlas rings that cross the antimeridian (Russia, Fiji) otherwise draw streaks across the map.
 */
export function unwrapRing(ring: Position[]): Position[] {
  const out: Position[] = [];
  let shift = 0;
  let prev: number | undefined;
  for (const [lng, lat] of ring) {
    if (prev !== undefined) {
      const d = lng! + shift - prev;
      if (d > 180) shift -= 360;
      else if (d < -180) shift += 360;
    }
    const x = lng! + shift;
    out.push([round(x), round(lat!)]);
    prev = x;
  }
  return out;
}

// 0.01° is about 1 km: below a pixel at world zooms, and it halves the payload.
function round(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Planar area of a polygon's outer rings in square degrees (shoelace); only for a size test. */
export function shapeArea(g: Polygon | MultiPolygon): number {
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  let area = 0;
  for (const rings of polygons) {
    const ring = rings[0] ?? [];
    let twice = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) twice += (ring[j]![0]! * ring[i]![1]!) - (ring[i]![0]! * ring[j]![1]!);
    area += Math.abs(twice) / 2;
  }
  return area;
}

function unwrapGeometry(g: Geometry): Polygon | MultiPolygon | undefined {
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates.map(unwrapRing) };
  if (g.type === 'MultiPolygon') {
    return { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map(unwrapRing)) };
  }
  return undefined;
}

/**
 * Country shapes for the map: every polygon of the topology, keyed by alpha-2, plus a marker
 * point for every country in the dataset that the topology has no shape for (Gibraltar, Tuvalu...).
 */
export function buildCountryGeo(
  topology: Topology,
  objectName: string,
  timeZones: (code: string) => readonly string[],
): FeatureCollection<Polygon | MultiPolygon | Point, CountryProperties> {
  const collection = feature(topology, topology.objects[objectName] as GeometryCollection);
  const features: CountryFeature[] = [];
  const drawn = new Set<string>();
  for (const f of collection.features) {
    const name = String((f.properties as { name?: string } | null)?.name ?? '');
    const iso = (f.id !== undefined ? alpha2FromNumeric(f.id) : undefined) ?? alpha2FromName(name);
    const geometry = f.geometry && unwrapGeometry(f.geometry);
    if (!geometry) continue;
    const properties: CountryProperties = { name: iso ? countryInfo(iso)!.name : name, tz: '' };
    if (iso && !drawn.has(iso)) {
      properties.iso = iso;
      properties.tz = timeZones(iso).join(',');
      drawn.add(iso);
      const info = countryInfo(iso)!;
      features.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: info.lngLat },
        properties: { iso, name: info.name, tz: properties.tz, marker: true, ...(shapeArea(geometry) < SMALL_SHAPE_DEG2 ? { small: true as const } : {}) },
      });
    }
    features.push({ type: 'Feature', geometry, properties });
  }
  for (const code of COUNTRY_CODES) {
    if (drawn.has(code)) continue;
    const info = countryInfo(code)!;
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: info.lngLat },
      properties: { iso: code, name: info.name, tz: timeZones(code).join(','), marker: true },
    });
  }
  return { type: 'FeatureCollection', features };
}
