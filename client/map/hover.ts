import type * as maplibregl from 'maplibre-gl';
import type { CountryProperties } from '../../shared/geo.ts';
import { INTERACTIVE_LAYERS, setHover } from './map.ts';

/** What the map knows about the country under the pointer (from the GeoJSON properties). */
export interface HoverTarget {
  code: string | undefined;
  name: string;
  tz: string;
}

/** What the page does with the country under the pointer (a tooltip, on the main page). */
export interface HoverHandlers {
  /** `x`, `y`: the pointer in client pixels. */
  show(target: HoverTarget, x: number, y: number): void;
  hide(): void;
}

/**
 * Pointer and tap handling: the country under a mouse is outlined and handed to the page; on
 * touch screens (no hover) a tap shows it and a tap on the sea hides it.
 */
export function bindHover(map: maplibregl.Map, tooltip: HoverHandlers): void {
  let hovered: string | undefined;

  const targetAt = (point: maplibregl.Point): HoverTarget | undefined => {
    // Markers come first in the list so a small state wins over the big neighbour beneath it.
    const feature = map.queryRenderedFeatures(point, { layers: INTERACTIVE_LAYERS })[0];
    if (!feature) return undefined;
    const props = feature.properties as Partial<CountryProperties>;
    return { code: props.iso || undefined, name: props.name ?? '', tz: props.tz ?? '' };
  };

  const highlight = (code: string | undefined) => {
    if (code === hovered) return;
    setHover(map, hovered, false);
    hovered = code;
    setHover(map, hovered, true);
  };

  const update = (e: maplibregl.MapMouseEvent) => {
    const target = targetAt(e.point);
    highlight(target?.code);
    map.getCanvas().style.cursor = target ? 'pointer' : '';
    const { clientX, clientY } = e.originalEvent;
    if (target) tooltip.show(target, clientX, clientY);
    else tooltip.hide();
  };

  map.on('mousemove', update);
  // A click is the only pointer event a touch screen gives; on desktops it just repeats the hover.
  map.on('click', update);
  map.getCanvas().addEventListener('mouseleave', () => {
    highlight(undefined);
    tooltip.hide();
  });
  // The card would float over a different country once the map moves under it.
  map.on('dragstart', () => {
    highlight(undefined);
    tooltip.hide();
  });
}
