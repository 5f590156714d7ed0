import { interpolateInferno } from 'd3-scale-chromatic';
import { HEAT_RAMP_FROM, NO_REPORTS_COLOR, heatColor, rampStops } from '../../shared/heat.ts';
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
  /** Outline of an elevated (dashed) or outage (solid) country: the level without colour. */
  levelLine: string;
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
  levelLine: '#f4f7ff',
  heat: heatColor,
};

// Hot is hot on both themes: the light theme runs the same inferno ramp in the same direction, so a
// colour means the same count on the studio wall and on a laptop. Its last stretch (pale yellow)
// is left out, or the hottest country would melt into the pale land; it ends on a saturated amber.
const LIGHT_TO = 0.86;
const LIGHT_QUIET = '#e3e6eb';

/** Studio light: pale land on a blue-grey sea, dark borders, for projection in a lit room. */
export const LIGHT_PALETTE: MapPalette = {
  theme: 'light',
  ocean: '#b9cadb',
  quiet: LIGHT_QUIET,
  border: '#7d8a9b',
  markerRing: 'rgba(40, 52, 72, 0.7)',
  hoverLine: '#10182a',
  levelLine: '#0b1220',
  heat: (h) => (h > 0 ? interpolateInferno(HEAT_RAMP_FROM + (LIGHT_TO - HEAT_RAMP_FROM) * Math.min(1, h)) : LIGHT_QUIET),
};

export function paletteFor(theme: Theme | undefined): MapPalette {
  return theme === 'light' ? LIGHT_PALETTE : DARK_PALETTE;
}

/** The theme's heat ramp as `[heat, colour]` stops. */
export function paletteStops(palette: MapPalette, steps = 16): Array<[number, string]> {
  return rampStops(palette.heat, steps);
}
