import { NO_REPORTS_COLOR, heatOf, heatRampStops, legendTicks } from '../../shared/heat.ts';
import { formatCompact, formatCount } from '../format.ts';

/**
 * The colour key: the same ramp as the map, with ticks at real counts placed on the log scale, and
 * a separate swatch for "no reports" so the quiet colour is never read as a small number.
 */
export class Legend {
  private readonly title: HTMLElement;
  private readonly bar: HTMLElement;
  private readonly ticks: HTMLElement;
  private shown: string | undefined;

  constructor(private readonly root: HTMLElement) {
    root.classList.add('legend');
    root.innerHTML = `
      <div class="legend-title"></div>
      <div class="legend-scale">
        <div class="legend-none"><span class="legend-swatch"></span><span>0</span></div>
        <div class="legend-ramp"><div class="legend-bar"></div><div class="legend-ticks"></div></div>
      </div>`;
    this.title = root.querySelector('.legend-title')!;
    this.bar = root.querySelector('.legend-bar')!;
    this.ticks = root.querySelector('.legend-ticks')!;
    root.querySelector<HTMLElement>('.legend-swatch')!.style.background = NO_REPORTS_COLOR;
    const stops = heatRampStops(24).map(([h, color]) => `${color} ${(h * 100).toFixed(1)}%`);
    this.bar.style.background = `linear-gradient(to right, ${stops.join(', ')})`;
  }

  update(heatMax: number, windowMinutes: number): void {
    const key = `${heatMax}/${windowMinutes}`;
    if (key === this.shown) return;
    this.shown = key;
    this.title.textContent = `Reports in ${formatCount(windowMinutes)} min`;
    this.root.title = `Log scale; ${formatCount(heatMax)} or more shows the hottest colour`;
    const ticks = legendTicks(heatMax);
    // A max just above a power of ten would print on top of it; the scale's end must stay labelled.
    if (ticks.length > 2 && heatOf(ticks[ticks.length - 2]!, heatMax) > 0.9) ticks.splice(ticks.length - 2, 1);
    const nodes = ticks.map((tick, i) => {
      const el = document.createElement('span');
      el.className = 'legend-tick';
      el.style.left = `${heatOf(tick, heatMax) * 100}%`;
      // Counts above the max share the hottest colour.
      el.textContent = formatCompact(tick) + (i === ticks.length - 1 ? '+' : '');
      return el;
    });
    this.ticks.replaceChildren(...nodes);
  }
}
