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
   * country has one, on its land (markerPoint), so circles compare counts whatever the land area.
   */
  marker?: true;
  /**
   * A marker beside a shape too small to see at world zoom (Singapore, Malta, Bahrain): drawn only
   * while the country has reports, so quiet micro-states do not clutter the map.
   */
  small?: true;
  /**
   * On a small shape's marker: the zoom from which the shape itself is big enough to see (about
   * 20 x 20 px); the marker gives way to it there, rather than sitting over the island it stands for.
   */
  shapeZoom?: number;
}

/**
 * Shapes under this planar area (square degrees; 1 is about 12,000 km² at the equator, a little
 * more than Cyprus) also get a marker, or a hot Singapore would be a single invisible pixel.
 */
export const SMALL_SHAPE_DEG2 = 1;

/** On-screen area (px²) from which a shape counts as big enough to see: about 20 x 20 px. */
const VISIBLE_PX2 = 400;
/** Pixels per degree of longitude at zoom 0: MapLibre draws the world 512 px wide. */
const PX_PER_DEG_Z0 = 512 / 360;

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

/** Whether `p` lies in the polygon (inside its outer ring and outside its holes), even-odd rule. */
function inPolygon([x, y]: Position, rings: Position[][]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i] as [number, number];
      const [xj, yj] = ring[j] as [number, number];
      if (yi > y! !== yj > y! && x! < ((xj - xi) * (y! - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

function polygonsOf(g: Polygon | MultiPolygon): Position[][][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
}

/** Distance from (x, y) to the polygon's outline, positive inside and negative outside. */
function signedDistance(x: number, y: number, rings: Position[][]): number {
  let min = Infinity;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [ax, ay] = ring[j] as [number, number];
      const [bx, by] = ring[i] as [number, number];
      const dx = bx - ax;
      const dy = by - ay;
      const t = dx || dy ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy))) : 0;
      min = Math.min(min, Math.hypot(x - ax - t * dx, y - ay - t * dy));
    }
  }
  return inPolygon([x, y], rings) ? min : -min;
}

/**
 * The polygon's pole of inaccessibility: the inside point farthest from its outline, found to
 * `precision` degrees by refining a grid of cells (Garcia-Castellanos and Lombardo 2007, as in
 * Mapbox's polylabel). Unlike a centroid it is always on the land, whatever the shape (a bay, an
 * island chain, Malta beside Gozo).
 */
export function poleOfInaccessibility(rings: Position[][], precision = 0.01): Position {
  const outer = rings[0]!;
  const xs = outer.map((p) => p[0]!);
  const ys = outer.map((p) => p[1]!);
  const [minX, minY, maxX, maxY] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  const size = Math.min(maxX - minX, maxY - minY);
  if (size === 0) return [minX, minY];
  interface Cell { x: number; y: number; h: number; d: number; max: number }
  const cell = (x: number, y: number, h: number): Cell => {
    const d = signedDistance(x, y, rings);
    return { x, y, h, d, max: d + h * Math.SQRT2 };
  };
  const queue: Cell[] = [];
  for (let x = minX; x < maxX; x += size) for (let y = minY; y < maxY; y += size) queue.push(cell(x + size / 2, y + size / 2, size / 2));
  let best = cell((minX + maxX) / 2, (minY + maxY) / 2, 0);
  while (queue.length > 0) {
    // The cell that could hold the farthest point first (a linear scan: shapes are few, once per process).
    let at = 0;
    for (let i = 1; i < queue.length; i++) if (queue[i]!.max > queue[at]!.max) at = i;
    const c = queue.splice(at, 1)[0]!;
    if (c.d > best.d) best = c;
    if (c.max - best.d <= precision) continue;
    const h = c.h / 2;
    queue.push(cell(c.x - h, c.y - h, h), cell(c.x + h, c.y - h, h), cell(c.x - h, c.y + h, h), cell(c.x + h, c.y + h, h));
  }
  // Not rounded to the shapes' 0.01°: the pole of a speck such as the Vatican would leave it.
  return [best.x, best.y];
}

/**
 * Where a country's circle goes: the dataset's representative point when it lies on one of the
 * country's shapes, else the pole of inaccessibility of its largest polygon. The dataset's point is
 * a rounded centroid, which for an island state can fall in the sea (Malta's is off its east coast).
 */
export function markerPoint(point: [number, number], g: Polygon | MultiPolygon): [number, number] {
  const polygons = polygonsOf(g);
  // Rings are unwrapped across the antimeridian: look for the point a turn either way too.
  for (const shift of [0, 360, -360]) if (polygons.some((rings) => inPolygon([point[0] + shift, point[1]], rings))) return point;
  const largest = polygons.reduce((a, b) => (shapeArea({ type: 'Polygon', coordinates: b }) > shapeArea({ type: 'Polygon', coordinates: a }) ? b : a));
  const [x, y] = poleOfInaccessibility(largest);
  return [((x! + 540) % 360) - 180, y!];
}

/** The zoom from which a shape of `area` square degrees at latitude `lat` covers VISIBLE_PX2 on screen. */
function visibleZoom(area: number, lat: number): number {
  // Web Mercator stretches latitude by 1/cos(lat), so a degree² there covers more pixels.
  const pxPerDegree = Math.sqrt((VISIBLE_PX2 * Math.cos((lat * Math.PI) / 180)) / area);
  return Math.round(Math.log2(pxPerDegree / PX_PER_DEG_Z0) * 100) / 100;
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
      const point = markerPoint(info.lngLat, geometry);
      const area = shapeArea(geometry);
      const small = area < SMALL_SHAPE_DEG2 ? { small: true as const, shapeZoom: visibleZoom(area, point[1]) } : {};
      features.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: point },
        properties: { iso, name: info.name, tz: properties.tz, marker: true, ...small },
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
