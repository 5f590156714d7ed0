import type { FeatureCollection } from 'geojson';
import { describe, expect, it } from 'vitest';
import { countryBounds, unionBounds, type Bounds } from '../../client/map/bounds.ts';

const square = (w: number, s: number, e: number, n: number) => [[[w, s], [e, s], [e, n], [w, n], [w, s]]];

describe('camera bounds', () => {
  it('frames a country by its main parts, not a far-away small one', () => {
    const geo: FeatureCollection = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { iso: 'FR' }, geometry: { type: 'MultiPolygon', coordinates: [square(-5, 42, 8, 51), square(-54, 2, -52, 5)] } },
        { type: 'Feature', properties: { iso: 'SG' }, geometry: { type: 'Point', coordinates: [103.8, 1.35] } },
      ],
    };
    const boxes = countryBounds(geo);
    expect(boxes.get('FR')).toEqual([-5, 42, 8, 51]);
    expect(boxes.get('SG')).toEqual([100.8, -1.65, 106.8, 4.35]);
  });

  it('joins the United States and Japan across the Pacific, not across Europe', () => {
    const us: Bounds = [-125, 25, -66, 49];
    const jp: Bounds = [129, 31, 146, 45];
    const box = unionBounds([us, jp])!;
    expect(box[2] - box[0]).toBeLessThan(200);
    expect(box).toEqual([129, 25, 294, 49]);
  });

  it('joins neighbours as a plain box and nothing as nothing', () => {
    expect(unionBounds([[-5, 42, 8, 51], [-8, 50, 2, 59]])).toEqual([-8, 42, 8, 59]);
    expect(unionBounds([])).toBeUndefined();
  });
});
