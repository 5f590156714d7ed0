import type * as maplibregl from 'maplibre-gl';

/** MapLibre's world is 512 px wide at zoom 0. */
const WORLD_PX = 512;

/**
 * One world on a map that draws world copies. A screen framing the US and Japan across the Pacific
 * needs copies (the frame crosses the date line), but a frame that wide leaves the canvas under
 * the counters showing a second America and a second Brazil. Everything farther than half a world
 * from the framed box's centre is covered in the ocean's colour: on Mercator a meridian is a
 * vertical line, so that is a rectangle at each side (in the page's `--ocean`), moved with every
 * rendered frame. The seam
 * opposite the box's centre falls in the widest gap between the framed countries.
 */
export class WorldMask {
  private centre: number | undefined;
  private readonly west: HTMLElement;
  private readonly east: HTMLElement;

  constructor(private readonly map: maplibregl.Map) {
    const side = (name: string) => {
      const el = document.createElement('div');
      el.className = `world-mask ${name}`;
      el.setAttribute('aria-hidden', 'true');
      el.hidden = true;
      map.getContainer().append(el);
      return el;
    };
    this.west = side('world-mask-west');
    this.east = side('world-mask-east');
    const update = () => this.update();
    map.on('move', update);
    map.on('resize', update);
    map.on('styledata', update);
  }

  /** The longitude the shown world is centred on (the framed box's middle); `undefined` shows all. */
  frame(centreLng: number | undefined): void {
    this.centre = centreLng;
    this.update();
  }

  private update(): void {
    const { map } = this;
    const canvas = map.getContainer();
    const width = canvas.clientWidth;
    if (this.centre === undefined || map.getProjection()?.type === 'globe' || width === 0) {
      this.west.hidden = this.east.hidden = true;
      return;
    }
    // unproject is not wrapped: it names the copy under the canvas's middle, the reference for
    // the rest (a Mercator x is linear in longitude).
    const middle = map.unproject([width / 2, canvas.clientHeight / 2]).lng;
    const perDegree = (WORLD_PX * 2 ** map.getZoom()) / 360;
    const centre = this.centre + 360 * Math.round((middle - this.centre) / 360);
    const from = Math.max(0, Math.min(width, width / 2 + (centre - 180 - middle) * perDegree));
    const to = Math.max(0, Math.min(width, width / 2 + (centre + 180 - middle) * perDegree));
    this.west.hidden = this.east.hidden = false;
    this.west.style.width = `${Math.round(from)}px`;
    this.east.style.width = `${Math.round(width - to)}px`;
  }
}
