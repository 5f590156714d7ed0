import type { MapPadding } from './map.ts';

/** A panel's box in viewport pixels (a DOMRect will do). */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The visible map keeps at least this share of each dimension, or MapLibre cannot fit anything. */
const MIN_SHARE = 0.3;

/**
 * Padding that takes every panel out of the map's visible area. MapLibre's padding is a rectangle,
 * so each panel is cleared from the edge that costs the least map: a tall list on the left takes a
 * left margin, a wide dock along the bottom a bottom one, a small chip under the top bar a top one.
 * Bigger panels are placed first; a panel already outside the visible area costs nothing.
 */
export function panelPadding(panels: readonly Box[], width: number, height: number, gap = 8): MapPadding {
  const p: MapPadding = { top: 0, right: 0, bottom: 0, left: 0 };
  const area = (q: MapPadding) => Math.max(0, width - q.left - q.right) * Math.max(0, height - q.top - q.bottom);
  const sized = panels
    .filter((b) => b.right > b.left && b.bottom > b.top && b.right > 0 && b.left < width && b.bottom > 0 && b.top < height)
    .sort((a, b) => (b.right - b.left) * (b.bottom - b.top) - (a.right - a.left) * (a.bottom - a.top));
  for (const b of sized) {
    // Already clear of the visible area?
    if (b.right <= p.left || b.left >= width - p.right || b.bottom <= p.top || b.top >= height - p.bottom) continue;
    const options: MapPadding[] = [
      { ...p, left: Math.max(p.left, b.right + gap) },
      { ...p, right: Math.max(p.right, width - b.left + gap) },
      { ...p, top: Math.max(p.top, b.bottom + gap) },
      { ...p, bottom: Math.max(p.bottom, height - b.top + gap) },
    ];
    const best = options.reduce((a, c) => (area(c) > area(a) ? c : a));
    Object.assign(p, best);
  }
  // A phone with everything open would leave no map: shrink the margins in proportion instead.
  const sx = Math.min(1, (width * (1 - MIN_SHARE)) / Math.max(1, p.left + p.right));
  const sy = Math.min(1, (height * (1 - MIN_SHARE)) / Math.max(1, p.top + p.bottom));
  return { top: p.top * sy, bottom: p.bottom * sy, left: p.left * sx, right: p.right * sx };
}

/** The boxes of the visible elements among `elements` (hidden and collapsed ones are skipped). */
export function visibleBoxes(elements: Iterable<Element>): Box[] {
  const out: Box[] = [];
  for (const el of elements) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden') out.push(r);
  }
  return out;
}
