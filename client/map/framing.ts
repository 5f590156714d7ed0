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

/** Panels beyond this many are placed greedily (4^n side assignments are tried below it). */
const EXHAUSTIVE_MAX = 7;

/**
 * Padding that takes every panel out of the map's visible area. MapLibre's padding is a rectangle,
 * so each panel is cleared from one edge: a tall list on the left takes a left margin, a dock along
 * the bottom a bottom one, a chip under the top bar a top one. The sides are chosen so that the
 * biggest box of the framed shape's `aspect` (width / height; the world is about 1.7) fits in what
 * is left, the visible area breaking ties: a rule of thumb like "clear a panel where it is
 * thinnest" fails when a wide headline sits over a tall list.
 */
export function panelPadding(panels: readonly Box[], width: number, height: number, gap = 8, aspect = 1.7): MapPadding {
  const sized = panels.filter((b) => b.right > b.left && b.bottom > b.top && b.right > 0 && b.left < width && b.bottom > 0 && b.top < height);
  const sides = (b: Box): MapPadding[] => [
    { top: 0, right: 0, bottom: 0, left: b.right + gap },
    { top: 0, right: width - b.left + gap, bottom: 0, left: 0 },
    { top: b.bottom + gap, right: 0, bottom: 0, left: 0 },
    { top: 0, right: 0, bottom: height - b.top + gap, left: 0 },
  ];
  const score = (q: MapPadding): [number, number] => {
    const w = Math.max(0, width - q.left - q.right);
    const h = Math.max(0, height - q.top - q.bottom);
    return [Math.min(w, h * aspect), w * h];
  };
  const better = (a: [number, number], b: [number, number]) => a[0] > b[0] + 1e-6 || (Math.abs(a[0] - b[0]) <= 1e-6 && a[1] > b[1]);
  const merge = (a: MapPadding, b: MapPadding): MapPadding => ({
    top: Math.max(a.top, b.top),
    right: Math.max(a.right, b.right),
    bottom: Math.max(a.bottom, b.bottom),
    left: Math.max(a.left, b.left),
  });
  let best: MapPadding = { top: 0, right: 0, bottom: 0, left: 0 };
  if (sized.length <= EXHAUSTIVE_MAX) {
    let bestScore: [number, number] = [-1, -1];
    const walk = (i: number, p: MapPadding) => {
      if (i === sized.length) {
        const sc = score(p);
        if (better(sc, bestScore)) [best, bestScore] = [p, sc];
        return;
      }
      for (const side of sides(sized[i]!)) walk(i + 1, merge(p, side));
    };
    walk(0, best);
  } else {
    // Many panels: biggest first, each on the side that leaves the best fit so far.
    const order = [...sized].sort((a, b) => (b.right - b.left) * (b.bottom - b.top) - (a.right - a.left) * (a.bottom - a.top));
    for (const b of order) best = sides(b).map((side) => merge(best, side)).reduce((x, y) => (better(score(y), score(x)) ? y : x));
  }
  // A phone with everything open would leave no map: shrink the margins in proportion instead.
  const sx = Math.min(1, (width * (1 - MIN_SHARE)) / Math.max(1, best.left + best.right));
  const sy = Math.min(1, (height * (1 - MIN_SHARE)) / Math.max(1, best.top + best.bottom));
  return { top: best.top * sy, bottom: best.bottom * sy, left: best.left * sx, right: best.right * sx };
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
