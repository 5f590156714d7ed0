import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
// The worker's default URL does not survive bundling; point MapLibre at the emitted file.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
// maplibre-gl 6 does not re-export its style types; they come from its own style-spec dependency.
import type { ExpressionSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { circleScale, countAtHeat, DEFAULT_HEAT_MAX } from '../../shared/heat.ts';
import type { Level } from '../../shared/protocol.ts';
import { DARK_PALETTE, paletteStops, type MapPalette } from './palette.ts';

maplibregl.setWorkerUrl(workerUrl);

export const SOURCE_ID = 'countries';
export const FILL_LAYER = 'country-fill';
export const MARKER_LAYER = 'country-markers';
export const INTERACTIVE_LAYERS = [MARKER_LAYER, FILL_LAYER];
const OUTAGE_LINE = 'country-outage';
const ELEVATED_LINE = 'country-elevated';

/** Roughly the inhabited world: Antarctica left out, the Pacific east of the date line kept. */
export const WORLD: [[number, number], [number, number]] = [
  [-170, -58],
  [190, 80],
];

const heat: ExpressionSpecification = ['coalesce', ['feature-state', 'heat'], 0];
const hovered: ExpressionSpecification = ['boolean', ['feature-state', 'hover'], false];

/** 0 normal, 1 elevated, 2 outage (mount-heat writes it beside the heat). */
const level: ExpressionSpecification = ['coalesce', ['feature-state', 'level'], 0];
/** A circle only for a country with reports: a quiet marker on the ocean would read as data. */
const reported = ['case', ['>', heat, 0], 1, 0] as unknown as ExpressionSpecification;

/** Zooms at which a small state's circle is checked against its `shapeZoom` (geo.ts); it fades between them. */
const GIVE_WAY_ZOOMS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

/**
 * A reported country's circle, until its small shape (Malta, Singapore) is big enough to see: from
 * there the shape's own colour shows it, and a circle would only hide the island it stands for.
 * MapLibre takes the zoom only as the input of a top-level curve, so the per-country threshold is
 * checked at each stop.
 */
const markerOpacity = [
  'interpolate',
  ['linear'],
  ['zoom'],
  ...GIVE_WAY_ZOOMS.flatMap((z) => [z, ['case', ['<', z, ['coalesce', ['get', 'shapeZoom'], 99]], reported, 0]]),
] as unknown as ExpressionSpecification;

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

/** Radius of the biggest circle (`HEAT_MAX` reports) at world zoom, in CSS px before the chrome scale. */
const CIRCLE_MAX_PX = 26;
/** The smallest circle, so a single report in Singapore is still a visible dot. */
const CIRCLE_MIN_PX = 3.5;

/**
 * Proportional circles: area by count (radius by its square root), so the United States outweighs
 * Canada however much land each paints. The heat is tweened, not the count, so the radius is an
 * interpolation over heat with stops at the counts the heat scale gives.
 */
function circleRadius(scale: number, heatMax: number): ExpressionSpecification {
  const stops: number[] = [];
  for (let i = 1; i <= 24; i++) {
    const h = i / 24;
    stops.push(h, Math.max(CIRCLE_MIN_PX, CIRCLE_MAX_PX * circleScale(countAtHeat(h, heatMax), heatMax)) * scale);
  }
  const byHeat = (k: number) => ['interpolate', ['linear'], heat, 0, 0, 0.001, CIRCLE_MIN_PX * scale * k, ...stops.map((v, i) => (i % 2 ? v * k : v))];
  // A phone fits the world below zoom 0: the circles shrink with it, or the US's would cover Mexico.
  return ['interpolate', ['linear'], ['zoom'], -1, byHeat(0.5), 1, byHeat(1), 5, byHeat(1.8)] as unknown as ExpressionSpecification;
}

/** The level without colour: a thin ring when normal, thicker when elevated, thickest in an outage. */
function circleStroke(scale: number): ExpressionSpecification {
  return ['case', hovered, 2.5 * scale, ['match', level, 2, 3 * scale, 1, 1.8 * scale, 0.8 * scale]] as unknown as ExpressionSpecification;
}

function style(geoUrl: string, scale: number, palette: MapPalette, heatMax: number): StyleSpecification {
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
      // The level, readable without colour: a solid outline round a country in an outage, a
      // dashed one round an elevated country (dasharray cannot follow feature-state, so two layers).
      {
        id: OUTAGE_LINE,
        type: 'line',
        source: SOURCE_ID,
        filter: ['!=', ['geometry-type'], 'Point'],
        paint: { 'line-color': palette.levelLine, 'line-width': 1.6, 'line-opacity': ['case', ['==', level, 2], 1, 0] },
      },
      {
        id: ELEVATED_LINE,
        type: 'line',
        source: SOURCE_ID,
        filter: ['!=', ['geometry-type'], 'Point'],
        paint: { 'line-color': palette.levelLine, 'line-width': 1.4, 'line-dasharray': [2, 2], 'line-opacity': ['case', ['==', level, 1], 1, 0] },
      },
      {
        id: MARKER_LAYER,
        type: 'circle',
        source: SOURCE_ID,
        filter: ['==', ['geometry-type'], 'Point'],
        paint: {
          'circle-color': heatFill(palette),
          'circle-radius': circleRadius(scale, heatMax),
          'circle-stroke-color': markerRing(palette),
          'circle-stroke-width': circleStroke(scale),
          'circle-opacity': markerOpacity,
          'circle-stroke-opacity': markerOpacity,
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
  /** Keep the view in the address's hash as `#zoom/lat/lng` (MapLibre's own format), so a copied
   * link reopens the same framing; a hash present at load wins over the world fit. */
  hash?: boolean;
  /** `globe` for screens that want the round earth; Mercator otherwise. */
  projection?: Projection;
  /** Draw copies of the world beside each other (a screen framing across the Pacific needs them);
   * the minimum zoom still keeps one world at least as wide as the map. Default false. */
  worldCopies?: boolean;
  /** Width of the map left visible by the chrome (default: the whole container), for that floor. */
  visibleWidth?: () => number;
}

export type Projection = 'mercator' | 'globe';

/** `?projection=globe` from an address; anything else is Mercator. */
export function projectionFrom(search: string): Projection {
  return new URLSearchParams(search).get('projection') === 'globe' ? 'globe' : 'mercator';
}

/** Least zoom at which one world (512 px at zoom 0) is as wide as the map, so no country shows twice. */
export function oneWorldZoom(width: number): number {
  return Math.log2(Math.max(1, width) / 512);
}

/**
 * The map: country shapes from our own `/api/geo` (loaded by the worker), no tiles, rotation off.
 * `padding()` tells it how much chrome covers each edge so the world fits in the visible part.
 */
export function createMap(container: HTMLElement, padding: () => MapPadding, options: MapOptions = {}): maplibregl.Map {
  let scale = chromeScale();
  let heatMax = DEFAULT_HEAT_MAX;
  const copies = options.worldCopies ?? false;
  // A link with a view in its hash keeps that view; the world fit is for a fresh page.
  const hashed = options.hash === true && /^#-?[\d.]+\/-?[\d.]+\/-?[\d.]+/.test(location.hash);
  const map = new maplibregl.Map({
    container,
    style: style(new URL('/api/geo', location.href).href, scale, options.palette ?? DARK_PALETTE, heatMax),
    interactive: options.interactive ?? true,
    bounds: hashed ? undefined : WORLD,
    fitBoundsOptions: { padding: padding() },
    hash: options.hash ?? false,
    renderWorldCopies: copies,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    maxPitch: 0,
    maxZoom: 8,
    // Below zero, and the default constraint replaced, so a portrait phone can fit the whole
    // world's width (with ocean above and below) instead of being held at Europe and Africa.
    // With world copies drawn, the floor is one world as wide as the map (never two Japans).
    minZoom: -2,
    transformConstrain: (center, zoom) => ({
      center: new maplibregl.LngLat(center.lng, Math.max(-75, Math.min(80, center.lat))),
      zoom: Math.max(copies ? oneWorldZoom(options.visibleWidth?.() ?? container.clientWidth) : -2, Math.min(8, zoom)),
    }),
    // Tests read canvas pixels back after a frame; without this the buffer is cleared.
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  if (options.projection === 'globe') map.on('style.load', () => map.setProjection({ type: 'globe' }));

  // Refit the world when the screen or its chrome changes size (kiosks, rotating phones, a panel
  // opened) until the viewer has moved the map themselves.
  let userMoved = hashed;
  map.on('movestart', (e) => {
    if ((e as { originalEvent?: Event }).originalEvent) userMoved = true;
  });
  map.on('resize', () => {
    if (!userMoved && options.fitWorldOnResize !== false) map.fitBounds(WORLD, { padding: padding(), animate: false });
    const next = chromeScale();
    if (next !== scale && map.getLayer(MARKER_LAYER)) {
      scale = next;
      map.setPaintProperty(MARKER_LAYER, 'circle-radius', circleRadius(scale, heatMax));
      map.setPaintProperty(MARKER_LAYER, 'circle-stroke-width', circleStroke(scale));
    }
  });
  heatMaxSetters.set(map, (max) => {
    if (max === heatMax) return;
    heatMax = max;
    whenMapReady(map, () => map.setPaintProperty(MARKER_LAYER, 'circle-radius', circleRadius(scale, heatMax)));
  });
  return map;
}

const heatMaxSetters = new WeakMap<maplibregl.Map, (max: number) => void>();

/** The circles' sizes follow the service's heat scale (`HEAT_MAX`), the same for every viewer. */
export function setHeatMax(map: maplibregl.Map, max: number): void {
  heatMaxSetters.get(map)?.(max);
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
  map.setPaintProperty(OUTAGE_LINE, 'line-color', palette.levelLine);
  map.setPaintProperty(ELEVATED_LINE, 'line-color', palette.levelLine);
}

export function setHeat(map: maplibregl.Map, code: string, heat: number): void {
  map.setFeatureState({ source: SOURCE_ID, id: code }, { heat });
}

const LEVEL_STATE: Record<Level, number> = { normal: 0, elevated: 1, outage: 2 };

export function setLevel(map: maplibregl.Map, code: string, level: Level): void {
  map.setFeatureState({ source: SOURCE_ID, id: code }, { level: LEVEL_STATE[level] });
}

export function setHover(map: maplibregl.Map, code: string | undefined, on: boolean): void {
  if (code) map.setFeatureState({ source: SOURCE_ID, id: code }, { hover: on });
}
