import { heatOf, legendTicks } from '../../shared/heat.ts';
import { formatCompact } from '../format.ts';
import { locale, t } from '../i18n/index.ts';
import { paletteStops, type MapPalette } from '../map/palette.ts';

/**
 * The colour key: the map's ramp for the current theme, ticks at real counts placed on the log
 * scale, and a separate "0" swatch so the quiet colour is never read as a small number. Sized by
 * its container's font, so the kiosk screen can scale it for distance.
 */
export class Legend {
  private readonly title: HTMLElement;
  private readonly swatch: HTMLElement;
  private readonly bar: HTMLElement;
  private readonly ticks: HTMLElement;
  private readonly marks: HTMLElement;
  private shown = '';

  constructor(root: HTMLElement) {
    root.classList.add('legend');
    root.innerHTML = `
      <div class="legend-title"></div>
      <div class="legend-scale">
        <div class="legend-none"><span class="legend-swatch"></span><span>0</span></div>
        <div class="legend-ramp"><div class="legend-bar"></div><div class="legend-ticks"></div></div>
      </div>
      <div class="legend-marks"></div>`;
    this.title = root.querySelector('.legend-title')!;
    this.swatch = root.querySelector('.legend-swatch')!;
    this.bar = root.querySelector('.legend-bar')!;
    this.ticks = root.querySelector('.legend-ticks')!;
    this.marks = root.querySelector('.legend-marks')!;
    new ResizeObserver(() => this.fit()).observe(this.ticks);
  }

  update(palette: MapPalette, heatMax: number, windowMinutes: number): void {
    // The locale is part of it: a channel can switch a screen's language while the numbers stay.
    const key = `${locale().tag}/${palette.theme}/${heatMax}/${windowMinutes}`;
    if (key === this.shown) return;
    this.shown = key;
    this.title.textContent = t('legend.title', { count: windowMinutes });
    // What the map draws besides colour: circles sized by count, outlines for the level.
    this.marks.textContent = `${t('story.circles')} · ${t('story.outlines')}`;
    this.swatch.style.background = palette.quiet;
    const stops = paletteStops(palette, 24).map(([h, color]) => `${color} ${(h * 100).toFixed(1)}%`);
    // The ramp runs in the reading direction, from the 0 swatch at the inline start to the hottest end.
    this.bar.style.background = `linear-gradient(to ${locale().dir === 'rtl' ? 'left' : 'right'}, ${stops.join(', ')})`;
    const ticks = legendTicks(heatMax);
    // A max just above a power of ten would print on top of it; the scale's end must stay labelled.
    if (ticks.length > 2 && heatOf(ticks[ticks.length - 2]!, heatMax) > 0.9) ticks.splice(ticks.length - 2, 1);
    this.ticks.replaceChildren(
      ...ticks.map((tick, i) => {
        const el = document.createElement('span');
        const last = i === ticks.length - 1;
        el.className = last ? 'legend-tick legend-tick-last' : 'legend-tick';
        el.style.insetInlineStart = `${heatOf(tick, heatMax) * 100}%`;
        el.textContent = last ? t('legend.atLeast', { value: formatCompact(tick) }) : formatCompact(tick);
        return el;
      }),
    );
    this.fit();
  }

  /**
   * Hides the labels that would run into a neighbour at the key's current width (a narrow embed,
   * a phone), keeping their marks; the last label ("10K+") always shows. Run again on every resize,
   * since a screen's key scales with the viewport.
   */
  private fit(): void {
    const ticks = [...this.ticks.children] as HTMLElement[];
    for (const tick of ticks) tick.classList.remove('legend-tick-crowded');
    const last = ticks.pop();
    if (!last) return;
    const rtl = locale().dir === 'rtl';
    // Each label's extent along the reading direction, start before end.
    const extent = (el: HTMLElement): [number, number] => {
      const r = el.getBoundingClientRect();
      return rtl ? [-r.right, -r.left] : [r.left, r.right];
    };
    const gap = parseFloat(getComputedStyle(this.ticks).fontSize) * 0.4;
    const limit = extent(last)[0] - gap;
    let end = -Infinity;
    for (const tick of ticks) {
      const [from, to] = extent(tick);
      if (from < end + gap || to > limit) tick.classList.add('legend-tick-crowded');
      else end = to;
    }
  }
}
