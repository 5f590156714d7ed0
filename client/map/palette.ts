import { interpolateInferno } from 'd3-scale-chromatic';
import { NO_REPORTS_COLOR, heatColor, rampStops } from '../../shared/heat.ts';
import type { Theme } from '../../shared/protocol.ts';

/** The map's colours for one theme: ground, borders, and heat in (0, 1] to a colour. */
export interface MapPalette {
  theme: Theme;
  ocean: string;
  /** Countries with no reports: a neutral apart from every step of heat. */
  quiet: string;
  border: string;
  /** Ring that keeps a marker visible on the ocean. */
  markerRing: string;
  hoverLine: string;
  heat(h: number): string;
}

/** The page's own colours (the main map has always used these). */
export const DARK_PALETTE: MapPalette = {
  theme: 'dark',
  ocean: '#0a1222',
  quiet: NO_REPORTS_COLOR,
  border: '#0d1628',
  markerRing: 'rgba(205, 218, 240, 0.65)',
  hoverLine: '#eef3ff',
  heat: heatColor,
};

// On a light ground the hottest country must be the darkest to stand out, so the same inferno
// ramp (perceptually uniform, colour-blind-safe) runs the other way: yellow through red to a deep
// purple. Its near-white end is left out so the first step of heat never reads as "no reports".
const LIGHT_FROM = 0.9;
const LIGHT_TO = 0.12;

/** Studio light: pale land on a blue-grey sea, dark borders, for projection in a lit room. */
export const LIGHT_PALETTE: MapPalette = {
  theme: 'light',
  ocean: '#b9cadb',
  quiet: '#f3f4f6',
  border: '#7d8a9b',
  markerRing: 'rgba(40, 52, 72, 0.7)',
  hoverLine: '#10182a',
  heat: (h) => (h > 0 ? interpolateInferno(LIGHT_FROM + (LIGHT_TO - LIGHT_FROM) * Math.min(1, h)) : '#f3f4f6'),
};

export function paletteFor(theme: Theme | undefined): MapPalette {
  return theme === 'light' ? LIGHT_PALETTE : DARK_PALETTE;
}

/** The theme's heat ramp as `[heat, colour]` stops. */
export function paletteStops(palette: MapPalette, steps = 16): Array<[number, string]> {
  return rampStops(palette.heat, steps);
}
