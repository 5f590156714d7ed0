import { heatOf } from '../../shared/heat.ts';
import type { CountryStates } from '../../shared/protocol.ts';
import { countryName, formatCount } from '../format.ts';
import type { MapPalette } from '../map/palette.ts';
import type { Trend } from '../trend.ts';

const ARROWS: Record<Trend, string> = { rising: '▲', falling: '▼', steady: '▬' };

/** The hottest countries by reports in the window, biggest first (ties by code, so screens agree). */
export function hottest(states: CountryStates, n: number): Array<[string, number]> {
  return Object.entries(states)
    .filter(([, s]) => s.count > 0)
    .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([code, s]) => [code, s.count]);
}

interface Row {
  li: HTMLLIElement;
  swatch: HTMLElement;
  name: HTMLElement;
  count: HTMLElement;
  trend: HTMLElement;
}

/**
 * Big counters for a wall screen: a fixed set of rows made once and rewritten in place, so a
 * screen running for days creates no nodes per frame and writes only the text that changed.
 */
export class Counters {
  private readonly rows: Row[];
  private readonly empty: HTMLElement;

  constructor(root: HTMLElement, size: number) {
    root.classList.add('counters');
    this.empty = document.createElement('p');
    this.empty.className = 'counters-empty';
    const list = document.createElement('ol');
    list.className = 'counter-rows';
    this.rows = Array.from({ length: size }, (_, i) => {
      const li = document.createElement('li');
      li.className = 'counter';
      li.innerHTML = `<span class="counter-rank">${i + 1}</span><span class="counter-swatch"></span><span class="counter-name"></span><span class="counter-count"></span><span class="counter-trend"></span>`;
      list.append(li);
      const [, swatch, name, count, trend] = [...li.children] as HTMLElement[];
      return { li, swatch: swatch!, name: name!, count: count!, trend: trend! };
    });
    root.replaceChildren(this.empty, list);
  }

  /** `trend` answers undefined while there is too little history to tell; the arrow is left out. */
  update(states: CountryStates, heatMax: number, palette: MapPalette, trend: (code: string, count: number) => Trend | undefined, emptyText: string): void {
    const top = hottest(states, this.rows.length);
    this.empty.hidden = top.length > 0;
    set(this.empty, emptyText);
    this.rows.forEach((row, i) => {
      const entry = top[i];
      row.li.hidden = !entry;
      if (!entry) return;
      const [code, count] = entry;
      const arrow = trend(code, count);
      set(row.name, countryName(code));
      set(row.count, formatCount(count));
      set(row.trend, arrow ? ARROWS[arrow] : '');
      row.trend.className = `counter-trend trend-${arrow ?? 'unknown'}`;
      row.trend.setAttribute('aria-label', arrow ?? '');
      const level = states[code]?.level ?? 'normal';
      row.li.className = `counter level-${level}`;
      row.swatch.style.background = palette.heat(heatOf(count, heatMax));
    });
  }
}

function set(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}
