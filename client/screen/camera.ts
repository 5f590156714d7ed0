import type * as maplibregl from 'maplibre-gl';
import type { Camera, CountryStates } from '../../shared/protocol.ts';
import { centreLongitude, shiftNear, unionBounds, type Bounds } from '../map/bounds.ts';
import { WORLD, type MapPadding } from '../map/map.ts';
import { WorldMask } from '../map/world-mask.ts';
import { hottest } from './counters.ts';

/** A slow move reads as deliberate on air; a fast one looks like a glitch. */
const MOVE_MS = 5_000;
/** The camera settles at least this long before it moves again, however the ranking churns. */
const SETTLE_MS = 10_000;
const TOP_N = 5;
/** One small country alone (Singapore) must not fill the screen: this close, at most. */
const AUTO_MAX_ZOOM = 4.5;
/** A new box whose edges all lie within this share of the current one's size is not worth a move. */
const NEAR_SHARE = 0.08;
/** The chrome may cover at most this share of each dimension, or MapLibre cannot fit at all. */
const MAX_COVER = 0.7;

const WORLD_BOX: Bounds = [WORLD[0][0], WORLD[0][1], WORLD[1][0], WORLD[1][1]];
/** Arctic islands and Tierra del Fuego would cost the frame height for land nobody reports from. */
const FRAME_NORTH = 72;
const FRAME_SOUTH = -50;
/** Room between the hot countries and the chrome, as a share of the visible map. */
const MARGIN_SHARE = 0.04;

/**
 * The box that frames the hot countries: centred on the longitude that keeps their centroids
 * closest together on the circle (the US, the UK and Japan across the Pacific side, not split at
 * the date line), each country's box moved to that side of the globe, the Arctic trimmed.
 */
export function hotFrame(codes: readonly string[], boxes: ReadonlyMap<string, Bounds>, centres: ReadonlyMap<string, [number, number]>): Bounds | undefined {
  const known = codes.filter((c) => boxes.has(c) || centres.has(c));
  const centre = centreLongitude(known.map((c) => centres.get(c)?.[0] ?? ((boxes.get(c)![0] + boxes.get(c)![2]) / 2)));
  if (centre === undefined) return undefined;
  const moved = known.map((c) => shiftNear(boxes.get(c) ?? [...centres.get(c)!, ...centres.get(c)!] as Bounds, centre));
  const box: Bounds = [Math.min(...moved.map((b) => b[0])), Math.min(...moved.map((b) => b[1])), Math.max(...moved.map((b) => b[2])), Math.max(...moved.map((b) => b[3]))];
  // One country alone keeps its own box (Canada is mostly north of 72°N's cut only in the islands).
  if (known.length === 1) return unionBounds([box]);
  return [box[0], Math.max(FRAME_SOUTH, box[1]), box[2], Math.min(FRAME_NORTH, box[3])];
}

/** Slow out of the start, slow into the end: a move on air should not jolt. */
function easeInOut(k: number): number {
  return k < 0.5 ? 4 * k ** 3 : 1 - (-2 * k + 2) ** 3 / 2;
}

function near(a: Bounds, b: Bounds): boolean {
  const w = (a[2] - a[0]) * NEAR_SHARE;
  const h = (a[3] - a[1]) * NEAR_SHARE;
  return Math.abs(a[0] - b[0]) <= w && Math.abs(a[2] - b[2]) <= w && Math.abs(a[1] - b[1]) <= h && Math.abs(a[3] - b[3]) <= h;
}

function fitPadding(p: MapPadding, width: number, height: number): MapPadding {
  const sx = Math.min(1, (width * MAX_COVER) / Math.max(1, p.left + p.right));
  const sy = Math.min(1, (height * MAX_COVER) / Math.max(1, p.top + p.bottom));
  return { top: p.top * sy, bottom: p.bottom * sy, left: p.left * sx, right: p.right * sx };
}

/**
 * The screen's camera. `auto` frames the hottest countries, moving only when the set of the top
 * five changes (not their order), at most every ten seconds, and not for a change too small to
 * see; with nothing reported it shows the world. `fixed` holds the producer's box.
 */
export class ScreenCamera {
  private camera: Camera = { mode: 'auto' };
  private countries: Map<string, Bounds> | undefined;
  private centres: Map<string, [number, number]> = new Map();
  private wanted: string[] = [];
  private framedKey: string | undefined;
  private target: Bounds | undefined;
  private lastMove = -Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Screens draw world copies for frames across the Pacific; only the framed world shows. */
  private readonly mask: WorldMask;
  /** Longitude the one shown world is centred on; it travels with the camera during a move. */
  private maskCentre = 0;

  constructor(
    private readonly map: maplibregl.Map,
    private readonly padding: () => MapPadding,
  ) {
    this.mask = new WorldMask(map);
    // The map opens on the whole world, centred on Greenwich.
    this.mask.frame(this.maskCentre);
  }

  /** Country boxes arrive once the shapes are loaded; until then only the world can be shown. */
  setCountryBounds(countries: Map<string, Bounds>, centres: Map<string, [number, number]> = new Map()): void {
    this.countries = countries;
    this.centres = centres;
    this.framedKey = undefined;
    this.consider();
  }

  setCamera(camera: Camera): void {
    if (JSON.stringify(camera) === JSON.stringify(this.camera)) return;
    this.camera = camera;
    this.clearTimer();
    this.framedKey = undefined;
    if (camera.mode === 'fixed') this.fit(camera.bounds, true, true);
    else this.consider(true);
  }

  /** Called with every new state; cheap when the top set is unchanged. */
  follow(states: CountryStates): void {
    this.wanted = hottest(states, TOP_N)
      .map(([code]) => code)
      .sort();
    this.consider();
  }

  /** After a resize the same box is fitted again at once (a kiosk's screen changed, not the story). */
  resize(): void {
    if (this.target) this.fit(this.target, false, true);
  }

  private consider(now = false): void {
    if (this.camera.mode !== 'auto' || !this.countries) return;
    const key = this.wanted.join(',');
    if (key === this.framedKey) return;
    const wait = this.lastMove + SETTLE_MS - performance.now();
    if (wait > 0 && !now) {
      // One pending check at most; it looks at whatever the top set is by then.
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.consider();
      }, wait);
      return;
    }
    this.framedKey = key;
    this.fit(hotFrame(this.wanted, this.countries, this.centres) ?? WORLD_BOX, true);
  }

  private fit(box: Bounds, animate: boolean, force = false): void {
    if (!force && this.target && near(this.target, box)) return;
    // The first framing is a cut, not a move: a screen that just (re)loaded should be right at once.
    const duration = animate && this.target ? MOVE_MS : 0;
    this.target = box;
    this.lastMove = performance.now();
    // The shown world turns with the camera, by the same eased share of the move each frame, so
    // no continent blinks out at the start of a move across the Pacific (MapLibre moves the short
    // way round, and so does this).
    const from = this.maskCentre;
    const mid = (box[0] + box[2]) / 2;
    const to = mid + 360 * Math.round((from - mid) / 360);
    const easing = (k: number) => {
      const e = easeInOut(k);
      this.maskCentre = from + (to - from) * e;
      this.mask.frame(this.maskCentre);
      return e;
    };
    if (duration === 0) easing(1);
    const canvas = this.map.getContainer();
    // The world fills the frame with the chrome over its edges (a 16:9 screen shows it whole at
    // full width); fitted inside the chrome instead it would shrink and repeat sideways.
    const chrome = this.padding();
    const margin = Math.min(canvas.clientWidth, canvas.clientHeight) * MARGIN_SHARE;
    const padding =
      box === WORLD_BOX
        ? { top: 0, right: 0, bottom: 0, left: 0 }
        : { top: chrome.top + margin, right: chrome.right + margin, bottom: chrome.bottom + margin, left: chrome.left + margin };
    const fitted = fitPadding(padding, canvas.clientWidth, canvas.clientHeight);
    if (this.map.getProjection()?.type === 'globe') {
      // A globe shows a hemisphere at most: turn it to the middle of the box and let the sphere fill
      // the visible area (its diameter is 512 * 2^zoom / pi px), closer only for a small box.
      const visible = Math.min(canvas.clientWidth - fitted.left - fitted.right, canvas.clientHeight - fitted.top - fitted.bottom);
      const whole = Math.log2((Math.max(64, visible) * Math.PI) / 512);
      const span = Math.max(box[2] - box[0], (box[3] - box[1]) * 1.5, 1);
      this.map.easeTo({
        center: [(box[0] + box[2]) / 2, Math.max(-40, Math.min(55, (box[1] + box[3]) / 2))],
        zoom: Math.min(AUTO_MAX_ZOOM, whole + Math.max(0, Math.log2(180 / span))),
        padding: fitted,
        duration,
        easing,
      });
      return;
    }
    this.map.fitBounds(
      [
        [box[0], box[1]],
        [box[2], box[3]],
      ],
      {
        padding: fitted,
        duration,
        easing,
        // Never `undefined`: MapLibre would take it over its own maximum and compute NaN.
        maxZoom: this.camera.mode === 'auto' ? AUTO_MAX_ZOOM : this.map.getMaxZoom(),
      },
    );
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
