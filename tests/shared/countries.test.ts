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

  it('gives every country one circle point, a shape where the file has one, and marks shapes too small to see', () => {
    const shapes = geo.features.filter((f) => f.properties.iso && !f.properties.marker).map((f) => f.properties.iso!);
    const markers = geo.features.filter((f) => f.properties.marker).map((f) => f.properties.iso!);
    expect(new Set(shapes).size).toBe(shapes.length);
    expect(new Set(markers).size).toBe(markers.length);
    expect(new Set([...shapes, ...markers])).toEqual(new Set(COUNTRY_CODES));
    // Small states have their 1:50m shape and a marker, so a hot Singapore shows at world zoom.
    for (const code of ['SG', 'MT', 'BH']) {
      expect(shapes).toContain(code);
      expect(markers).toContain(code);
    }
    for (const code of ['GI', 'TV']) expect(markers).toContain(code);
    // Every country's circle point; only the small ones are flagged (their shape is a speck).
    expect(new Set(markers)).toEqual(new Set(COUNTRY_CODES));
    const small = geo.features.filter((f) => f.properties.small).map((f) => f.properties.iso!);
    expect(small).toContain('SG');
    expect(small).not.toContain('FR');
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
