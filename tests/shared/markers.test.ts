import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { MultiPolygon, Polygon, Position } from 'geojson';
import type { Topology } from 'topojson-specification';
import { describe, expect, it } from 'vitest';
import { buildCountryGeo, poleOfInaccessibility } from '../../shared/geo.ts';

const topology = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('world-atlas/countries-50m.json'), 'utf8')) as Topology;
const geo = buildCountryGeo(topology, 'countries', () => []);

/** Even-odd point in polygon, written here so the check does not lean on the code it checks. */
function inside([x, y]: Position, rings: Position[][]): boolean {
  let odd = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!;
      const [xj, yj] = ring[j]!;
      if (yi! > y! !== yj! > y! && x! < ((xj! - xi!) * (y! - yi!)) / (yj! - yi!) + xi!) odd = !odd;
    }
  }
  return odd;
}

function onShape(point: Position, shape: Polygon | MultiPolygon): boolean {
  const polygons = shape.type === 'Polygon' ? [shape.coordinates] : shape.coordinates;
  return [0, 360, -360].some((shift) => polygons.some((rings) => inside([point[0]! + shift, point[1]!], rings)));
}

const marker = (iso: string) => geo.features.find((f) => f.properties.marker && f.properties.iso === iso)!;

describe('country markers', () => {
  it('puts every country\'s circle on its own land, Malta\'s on Malta rather than in the sea beside it', () => {
    const shapes = new Map(geo.features.filter((f) => f.properties.iso && !f.properties.marker).map((f) => [f.properties.iso!, f.geometry as Polygon | MultiPolygon]));
    const offshore = geo.features
      .filter((f) => f.properties.marker && shapes.has(f.properties.iso!))
      .filter((f) => !onShape((f.geometry as { coordinates: Position }).coordinates, shapes.get(f.properties.iso!)!))
      .map((f) => f.properties.iso);
    expect(offshore).toEqual([]);
    const [lng, lat] = (marker('MT').geometry as { coordinates: Position }).coordinates;
    // Malta island proper (not Gozo): 14.33-14.58 E, 35.80-35.99 N.
    expect(lng).toBeGreaterThan(14.33);
    expect(lng).toBeLessThan(14.58);
    expect(lat).toBeGreaterThan(35.8);
    expect(lat).toBeLessThan(35.99);
  });

  it('lets a small state\'s circle give way to its shape from the zoom where the shape is big enough to see', () => {
    // Malta covers about 20 x 20 px a little past zoom 6: at zoom 7 the island is plain to see.
    expect(marker('MT').properties.shapeZoom).toBeGreaterThan(5.5);
    expect(marker('MT').properties.shapeZoom).toBeLessThan(7);
    for (const code of ['SG', 'BH']) expect(marker(code).properties.shapeZoom).toBeLessThan(8);
    // A large country's circle is its count on the map at every zoom.
    for (const code of ['US', 'FR', 'JP']) expect(marker(code).properties.shapeZoom).toBeUndefined();
  });

  it('finds the point of a polygon farthest from its edges, inside a C-shaped one whose centroid is outside', () => {
    const c: Position[] = [[0, 0], [10, 0], [10, 2], [2, 2], [2, 8], [10, 8], [10, 10], [0, 10], [0, 0]];
    const pole = poleOfInaccessibility([c], 0.001);
    // The centroid, near (4.1, 5), is in the C's mouth; the pole is in its spine or a corner.
    expect(inside(pole, [c])).toBe(true);
    expect(pole[0]).toBeLessThan(2);
  });
});
