import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
// The worker's default URL does not survive bundling; point MapLibre at the emitted file.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
// maplibre-gl 6 does not re-export its style types; they come from its own style-spec dependency.
import type { ExpressionSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { DARK_PALETTE, paletteStops, type MapPalette } from './palette.ts';

maplibregl.setWorkerUrl(workerUrl);

export const SOURCE_ID = 'countries';
export const FILL_LAYER = 'country-fill';
export const MARKER_LAYER = 'country-markers';
export const INTERACTIVE_LAYERS = [MARKER_LAYER, FILL_LAYER];

/** Roughly the inhabited world: Antarctica left out, the Pacific east of the date line kept. */
export const WORLD: [[number, number], [number, number]] = [
  [-170, -58],
  [190, 80],
];

const heat: ExpressionSpecification = ['coalesce', ['feature-state', 'heat'], 0];
const hovered: ExpressionSpecification = ['boolean', ['feature-state', 'hover'], false];

const quietSmall = ['case', ['all', ['has', 'small'], ['<=', heat, 0]], 0, 1] as unknown as ExpressionSpecification;

/** Fill by tweened heat: zero is the quiet no-reports colour, then the palette's perceptual ramp. */
function heatFill(palette: MapPalette): ExpressionSpecification {
  return ['interpolate', ['linear'], heat, 0, palette.quiet, ...paletteStops(palette).flat()] as unknown as ExpressionSpecification;
}

function markerRing(palette: MapPalette): ExpressionSpecification {
  return ['case', hovered, palette.hoverLine, palette.markerRing];
}

/**
 * How much the chrome is scaled up from a laptop's 14 px root font (see style.css). Markers grow
 * with it so a small state stays visible on a wall screen viewed from across a room.
 */
function chromeScale(): number {
  const px = parseFloat(getComputedStyle(document.documentElement).fontSize);
  return Number.isFinite(px) && px > 14 ? px / 14 : 1;
}

function markerRadius(scale: number): ExpressionSpecification {
  return ['interpolate', ['linear'], ['zoom'], 1, 4 * scale, 4, 5 * scale, 7, 7 * scale];
}

function style(geoUrl: string, scale: number, palette: MapPalette): StyleSpecification {
  // No glyphs or sprite: the map must work with no network beyond our own server, so no text layers.
  return {
    version: 8,
    sources: {
      [SOURCE_ID]: { type: 'geojson', data: geoUrl, promoteId: 'iso' },
    },
    layers: [
      { id: 'ocean', type: 'background', paint: { 'background-color': palette.ocean } },
      {
        id: FILL_LAYER,
        type: 'fill',
        source: SOURCE_ID,
        filter: ['!=', ['geometry-type'], 'Point'],
        paint: { 'fill-color': heatFill(palette), 'fill-antialias': true },
      },
      {
        id: 'country-borders',
        type: 'line',
        source: SOURCE_ID,
        filter: ['!=', ['geometry-type'], 'Point'],
        paint: {
          'line-color': palette.border,
          'line-width': ['interpolate', ['linear'], ['zoom'], 0, 0.4, 4, 1, 8, 1.6],
        },
      },
      {
        id: 'country-hover',
        type: 'line',
        source: SOURCE_ID,
        filter: ['!=', ['geometry-type'], 'Point'],
        paint: {
          'line-color': palette.hoverLine,
          'line-width': 1.5,
          'line-opacity': ['case', hovered, 1, 0],
        },
      },
      {
        id: MARKER_LAYER,
        type: 'circle',
        source: SOURCE_ID,
        filter: ['==', ['geometry-type'], 'Point'],
        paint: {
          'circle-color': heatFill(palette),
          'circle-radius': markerRadius(scale),
          // The light ring keeps a marker visible on the ocean even with the no-reports fill.
          'circle-stroke-color': markerRing(palette),
          'circle-stroke-width': ['case', hovered, 2, 1],
          // A marker beside a tiny shape (Singapore) only shows while the country has reports.
          'circle-opacity': quietSmall,
          'circle-stroke-opacity': quietSmall,
        },
      },
    ],
  };
}

export interface MapPadding {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface MapOptions {
  /** Colours (default: the dark theme); `applyPalette` switches them later. */
  palette?: MapPalette;
  /** False for kiosks and embeds: no pan, zoom or keyboard, the camera is ours alone. */
  interactive?: boolean;
  /** Refit the world on resize until the viewer moves the map (default true); a screen that
   * steers its own camera refits itself. */
  fitWorldOnResize?: boolean;
}

/**
 * The map: country shapes from our own `/api/geo` (loaded by the worker), no tiles, rotation off.
 * `padding()` tells it how much chrome covers each edge so the world fits in the visible part.
 */
export function createMap(container: HTMLElement, padding: () => MapPadding, options: MapOptions = {}): maplibregl.Map {
  let scale = chromeScale();
  const map = new maplibregl.Map({
    container,
    style: style(new URL('/api/geo', location.href).href, scale, options.palette ?? DARK_PALETTE),
    interactive: options.interactive ?? true,
    bounds: WORLD,
    fitBoundsOptions: { padding: padding() },
    renderWorldCopies: true,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    maxPitch: 0,
    maxZoom: 8,
    // Below zero, and the default constraint replaced, so a portrait phone can fit the whole
    // world's width (with ocean above and below) instead of being held at Europe and Africa.
    minZoom: -2,
    transformConstrain: (center, zoom) => ({
      center: new maplibregl.LngLat(center.lng, Math.max(-75, Math.min(80, center.lat))),
      zoom: Math.max(-2, Math.min(8, zoom)),
    }),
    // Tests read canvas pixels back after a frame; without this the buffer is cleared.
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();

  // Refit the world when the screen changes size (kiosks, rotating phones) until the viewer has
  // moved the map themselves.
  let userMoved = false;
  map.on('movestart', (e) => {
    if ((e as { originalEvent?: Event }).originalEvent) userMoved = true;
  });
  map.on('resize', () => {
    if (!userMoved && options.fitWorldOnResize !== false) map.fitBounds(WORLD, { padding: padding(), animate: false });
    const next = chromeScale();
    if (next !== scale && map.getLayer(MARKER_LAYER)) {
      scale = next;
      map.setPaintProperty(MARKER_LAYER, 'circle-radius', markerRadius(scale));
    }
  });
  return map;
}

/** Calls `ready` once the style and the country shapes are in, so feature-state can be written. */
export function whenMapReady(map: maplibregl.Map, ready: () => void): void {
  if (map.loaded()) ready();
  else map.once('load', ready);
}

/** Recolours a loaded map for another theme (the layers stay, so feature-state heat is kept). */
export function applyPalette(map: maplibregl.Map, palette: MapPalette): void {
  map.setPaintProperty('ocean', 'background-color', palette.ocean);
  map.setPaintProperty(FILL_LAYER, 'fill-color', heatFill(palette));
  map.setPaintProperty('country-borders', 'line-color', palette.border);
  map.setPaintProperty('country-hover', 'line-color', palette.hoverLine);
  map.setPaintProperty(MARKER_LAYER, 'circle-color', heatFill(palette));
  map.setPaintProperty(MARKER_LAYER, 'circle-stroke-color', markerRing(palette));
}

export function setHeat(map: maplibregl.Map, code: string, heat: number): void {
  map.setFeatureState({ source: SOURCE_ID, id: code }, { heat });
}

export function setHover(map: maplibregl.Map, code: string | undefined, on: boolean): void {
  if (code) map.setFeatureState({ source: SOURCE_ID, id: code }, { hover: on });
}
