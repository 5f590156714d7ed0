import type { Feature, FeatureCollection, MultiPolygon, Point, Polygon, Position } from 'geojson';

/** `[west, south, east, north]` in degrees; `east` may pass 180 when a box spans the date line. */
export type Bounds = [number, number, number, number];

/**
 * Outlying parts smaller than this share of a country's largest polygon are left out of its box,
 * so France frames as France and not French Guiana too; Alaska and Indonesia's islands stay in.
 */
const PART_SHARE = 0.2;
/** Half-size of the box around a marker-only country (degrees), so a fit never zooms to a dot. */
const MARKER_PAD = 3;

/** Planar area of a ring in square degrees (shoelace), only to compare a country's parts. Not
 * shared/geo.ts's own: importing it would bundle the whole country dataset into the screen. */
function ringArea(ring: Position[]): number {
  let twice = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) twice += ring[j]![0]! * ring[i]![1]! - ring[i]![0]! * ring[j]![1]!;
  return Math.abs(twice) / 2;
}

/** Each country's framing box from the `/api/geo` shapes (their longitudes are already unwrapped). */
export function countryBounds(collection: FeatureCollection): Map<string, Bounds> {
  const out = new Map<string, Bounds>();
  for (const feature of collection.features as Array<Feature<Polygon | MultiPolygon | Point, { iso?: string }>>) {
    const iso = feature.properties?.iso;
    const g = feature.geometry;
    if (!iso || !g) continue;
    if (g.type === 'Point') {
      const [lng, lat] = g.coordinates as [number, number];
      // A marker beside a real shape (Singapore's dot) must not replace the shape's box.
      if (!out.has(iso)) out.set(iso, [lng - MARKER_PAD, lat - MARKER_PAD, lng + MARKER_PAD, lat + MARKER_PAD]);
      continue;
    }
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    const areas = polygons.map((rings) => ringArea(rings[0] ?? []));
    const largest = Math.max(...areas);
    const box: Bounds = [Infinity, Infinity, -Infinity, -Infinity];
    polygons.forEach((rings, i) => {
      if (areas[i]! < largest * PART_SHARE) return;
      for (const [lng, lat] of rings[0] ?? ([] as Position[])) {
        box[0] = Math.min(box[0], lng!);
        box[1] = Math.min(box[1], lat!);
        box[2] = Math.max(box[2], lng!);
        box[3] = Math.max(box[3], lat!);
      }
    });
    if (Number.isFinite(box[0])) out.set(iso, box);
  }
  return out;
}

/**
 * The smallest box holding all `boxes`, going the short way round the globe: the United States and
 * Japan frame across the Pacific, not across Europe. Undefined for an empty list.
 */
export function unionBounds(boxes: readonly Bounds[]): Bounds | undefined {
  if (boxes.length === 0) return undefined;
  const south = Math.min(...boxes.map((b) => b[1]));
  const north = Math.max(...boxes.map((b) => b[3]));
  // Longitude spans as arcs starting in [-180, 180), merged where they overlap.
  const arcs = boxes
    .map((b) => {
      const start = ((((b[0] + 180) % 360) + 360) % 360) - 180;
      return [start, start + Math.min(360, b[2] - b[0])] as [number, number];
    })
    .sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const arc of arcs) {
    const last = merged[merged.length - 1];
    if (last && arc[0] <= last[1]) last[1] = Math.max(last[1], arc[1]);
    else merged.push([...arc]);
  }
  // The widest empty stretch of longitude (including the one across the seam) is left outside.
  let cut = merged.length - 1;
  let widest = merged[0]![0] + 360 - merged[cut]![1];
  for (let i = 0; i < merged.length - 1; i++) {
    const gap = merged[i + 1]![0] - merged[i]![1];
    if (gap > widest) {
      widest = gap;
      cut = i;
    }
  }
  if (widest <= 0) return [-180, south, 180, north];
  const west = merged[(cut + 1) % merged.length]![0];
  let east = merged[cut]![1];
  while (east < west) east += 360;
  return [west, south, east, north];
}

/** Each country's circle point (its centroid, from the `/api/geo` markers), `[lng, lat]`. */
export function countryCentres(collection: FeatureCollection): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const feature of collection.features as Array<Feature<Polygon | MultiPolygon | Point, { iso?: string }>>) {
    const iso = feature.properties?.iso;
    if (iso && feature.geometry?.type === 'Point') out.set(iso, feature.geometry.coordinates as [number, number]);
  }
  return out;
}

/**
 * The centre longitude that keeps `lngs` closest together on the circle: the middle of the
 * shortest arc holding them all (the widest empty stretch of longitude is left out). The US, the
 * UK and Japan centre over the Pacific-side of North America; the UK and India over Europe.
 * Undefined for an empty list; in [-180, 180).
 */
export function centreLongitude(lngs: readonly number[]): number | undefined {
  if (lngs.length === 0) return undefined;
  const wrap = (x: number) => ((((x + 180) % 360) + 360) % 360) - 180;
  const sorted = lngs.map(wrap).sort((a, b) => a - b);
  // The gap after sorted[i] (the last one runs across the seam to the first).
  let widest = -1;
  let after = 0;
  for (let i = 0; i < sorted.length; i++) {
    const gap = i + 1 < sorted.length ? sorted[i + 1]! - sorted[i]! : sorted[0]! + 360 - sorted[i]!;
    if (gap > widest) {
      widest = gap;
      after = i;
    }
  }
  const west = sorted[(after + 1) % sorted.length]!;
  const span = 360 - widest;
  return wrap(west + span / 2);
}

/** `box` moved by whole turns so its middle is within 180° of `lng`. */
export function shiftNear(box: Bounds, lng: number): Bounds {
  const k = Math.round((lng - (box[0] + box[2]) / 2) / 360);
  return [box[0] + 360 * k, box[1], box[2] + 360 * k, box[3]];
}
