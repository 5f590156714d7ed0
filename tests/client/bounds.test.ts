import type { FeatureCollection } from 'geojson';
import { describe, expect, it } from 'vitest';
import { centreLongitude, countryBounds, unionBounds, type Bounds } from '../../client/map/bounds.ts';
import { hotFrame } from '../../client/screen/camera.ts';

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

describe('screen camera centre', () => {
  // Centroids from the countries dataset: US, UK, Japan, Canada, Brazil (Twitter's top five at the peak).
  const centres = new Map<string, [number, number]>([
    ['US', [-97, 38]],
    ['GB', [-2, 54]],
    ['JP', [138, 36]],
    ['CA', [-95, 60]],
    ['BR', [-55, -10]],
    ['IN', [77, 20]],
    ['FR', [2, 46]],
  ]);
  const boxes = new Map<string, Bounds>([
    ['US', [-171, 19, -66, 71]],
    ['GB', [-8, 50, 2, 59]],
    ['JP', [129, 31, 146, 46]],
    ['CA', [-141, 42, -52, 83]],
    ['BR', [-74, -34, -34, 5]],
    ['IN', [68, 7, 97, 36]],
    ['FR', [-5, 42, 8, 51]],
  ]);

  it('picks the middle of the shortest arc holding every centroid', () => {
    // US, UK, Japan: the widest empty stretch is Europe to Japan (140°), so the arc runs from
    // Japan east over the Pacific and America to the UK, centred west of the US.
    expect(centreLongitude([-97, -2, 138])).toBeCloseTo(-112, 6);
    // The UK and India: over the Middle East, not the Pacific.
    expect(centreLongitude([-2, 77])).toBeCloseTo(37.5, 6);
    // Across the date line: Japan and Hawaii-ish centre on the Pacific.
    expect(centreLongitude([170, -170])).toBeCloseTo(-180, 6);
    expect(centreLongitude([])).toBeUndefined();
  });

  it('frames the Twitter peak with the US, the UK and Japan in one box, on one side of the globe', () => {
    const box = hotFrame(['BR', 'CA', 'GB', 'JP', 'US'], boxes, centres)!;
    for (const code of ['US', 'GB', 'JP']) {
      const [lng, lat] = centres.get(code)!;
      const inside = [lng - 360, lng, lng + 360].some((x) => x >= box[0] && x <= box[2]);
      expect(inside, code).toBe(true);
      expect(lat).toBeGreaterThanOrEqual(box[1]);
      expect(lat).toBeLessThanOrEqual(box[3]);
    }
    // Less than the whole globe, and the Arctic trimmed.
    expect(box[2] - box[0]).toBeLessThan(300);
    expect(box[3]).toBeLessThanOrEqual(72);
  });

  it('frames Europe and India over the Middle East', () => {
    const box = hotFrame(['GB', 'FR', 'IN'], boxes, centres)!;
    expect(box).toEqual([-8, 7, 97, 59]);
  });
});
