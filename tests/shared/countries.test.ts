import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Topology } from 'topojson-specification';
import { describe, expect, it } from 'vitest';
import { COUNTRY_CODES, alpha2FromNumeric, countryName, isCountryCode } from '../../shared/countries.ts';
import { buildCountryGeo, unwrapRing } from '../../shared/geo.ts';

const require = createRequire(import.meta.url);
const topology = JSON.parse(readFileSync(require.resolve('world-atlas/countries-50m.json'), 'utf8')) as Topology;
const geo = buildCountryGeo(topology, 'countries', () => []);

describe('country mapping', () => {
  it('knows every ISO 3166-1 country (249) plus Kosovo', () => {
    expect(COUNTRY_CODES.length).toBe(250);
    for (const code of ['US', 'JP', 'GB', 'SG', 'MT', 'BH', 'XK', 'TV']) expect(isCountryCode(code)).toBe(true);
    expect(isCountryCode('UK')).toBe(false);
    expect(isCountryCode('XX')).toBe(false);
  });

  it('maps ISO numeric ids to alpha-2 from the dataset', () => {
    expect(alpha2FromNumeric('840')).toBe('US');
    expect(alpha2FromNumeric(392)).toBe('JP');
    expect(alpha2FromNumeric('826')).toBe('GB');
    expect(countryName('JP')).toBe('Japan');
  });

  it('gives every country exactly one visible feature: a shape, or a marker where the shape file has none', () => {
    const isoFeatures = geo.features.filter((f) => f.properties.iso);
    const codes = isoFeatures.map((f) => f.properties.iso!);
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(codes)).toEqual(new Set(COUNTRY_CODES));
    const markers = isoFeatures.filter((f) => f.properties.marker).map((f) => f.properties.iso);
    // Small states are drawn as shapes from the 1:50m file, not reduced to markers.
    for (const code of ['SG', 'MT', 'BH']) expect(markers).not.toContain(code);
    for (const code of ['GI', 'TV']) expect(markers).toContain(code);
  });

  it('maps every coded shape of the file (no shape left grey for want of a code)', () => {
    const coded = topology.objects.countries as unknown as { geometries: Array<{ id?: string }> };
    const withId = coded.geometries.filter((g) => g.id).length;
    const shapes = geo.features.filter((f) => f.properties.iso && !f.properties.marker).length;
    expect(shapes).toBeGreaterThanOrEqual(withId);
  });
});

describe('antimeridian', () => {
  it('unwraps a ring that crosses 180° so no edge spans the globe', () => {
    const ring = unwrapRing([[179, 60], [-179, 61], [-178, 62], [179, 60]]);
    expect(ring.map((p) => p[0])).toEqual([179, 181, 182, 179]);
  });

  it('leaves no edge longer than 180° in Russia or Fiji', () => {
    for (const code of ['RU', 'FJ']) {
      const f = geo.features.find((x) => x.properties.iso === code)!;
      const polygons = f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates : f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : [];
      for (const ring of polygons.flat()) {
        for (let i = 1; i < ring.length; i++) expect(Math.abs(ring[i]![0]! - ring[i - 1]![0]!)).toBeLessThanOrEqual(180);
      }
    }
  });
});
