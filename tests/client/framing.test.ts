import { describe, expect, it } from 'vitest';
import { panelPadding } from '../../client/map/framing.ts';

describe('map padding from panels', () => {
  it('clears a top bar, a left list, a right panel and a bottom dock from the edges that cost least', () => {
    // The home page at 1280x720: top bar, top list, incidents, dock and key.
    const p = panelPadding(
      [
        { left: 10, top: 10, right: 1270, bottom: 50 },
        { left: 10, top: 60, right: 290, bottom: 350 },
        { left: 950, top: 60, right: 1232, bottom: 260 },
        { left: 10, top: 575, right: 940, bottom: 710 },
        { left: 950, top: 630, right: 1270, bottom: 710 },
      ],
      1280,
      720,
      8,
    );
    expect(p).toEqual({ top: 58, left: 298, right: 338, bottom: 153 });
  });

  it('puts a small chip under the top bar into the top margin, not a side', () => {
    const p = panelPadding([{ left: 270, top: 60, right: 380, bottom: 90 }], 390, 844, 8);
    expect(p).toEqual({ top: 98, left: 0, right: 0, bottom: 0 });
  });

  it('clears a wide headline over a tall list from the top, so a wide frame keeps its width (the screen at 1080p)', () => {
    const p = panelPadding(
      [
        { left: 96, top: 54, right: 991, bottom: 198 },
        { left: 96, top: 222, right: 809, bottom: 610 },
        { left: 96, top: 925, right: 1240, bottom: 1025 },
        { left: 1265, top: 842, right: 1824, bottom: 1025 },
      ],
      1920,
      1080,
      20,
    );
    expect(p).toEqual({ top: 218, left: 829, right: 0, bottom: 258 });
  });

  it('ignores a panel already outside the visible area and keeps at least 30% of the map', () => {
    const p = panelPadding(
      [
        { left: 0, top: 0, right: 400, bottom: 800 },
        { left: 0, top: 700, right: 300, bottom: 800 },
        { left: 300, top: 0, right: 800, bottom: 800 },
      ],
      1000,
      800,
      0,
    );
    expect(p.left + p.right).toBeLessThanOrEqual(700 + 1e-9);
  });
});
