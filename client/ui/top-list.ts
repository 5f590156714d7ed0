import { heatColor, heatOf } from '../../shared/heat.ts';
import type { CountryStates, Level } from '../../shared/protocol.ts';
import { countryName, formatCount } from '../format.ts';
import { t } from '../i18n/index.ts';
import type { Trend } from '../trend.ts';

const ARROWS: Record<Trend, string> = { rising: '▲', falling: '▼', steady: '▬' };

export interface TopListInput {
  states: CountryStates;
  heatMax: number;
  windowMinutes: number;
  trend: (code: string, count: number) => Trend;
}

/** The ranked panel of the countries with the most reports in the window, with trend arrows. */
export class TopList {
  private readonly list: HTMLOListElement;
  private readonly empty: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly size = 10,
  ) {
    root.classList.add('top-list');
    root.innerHTML = `
      <h2 class="panel-title"></h2>
      <p class="top-empty" role="status"></p>
      <ol class="top-rows"></ol>`;
    this.list = root.querySelector('.top-rows')!;
    this.empty = root.querySelector('.top-empty')!;
    root.querySelector('.panel-title')!.textContent = t('main.topCountries');
  }

  /** Shows a message instead of the rows (loading, a refused watch). */
  message(text: string): void {
    this.list.replaceChildren();
    this.empty.textContent = text;
    this.empty.hidden = false;
  }

  update(input: TopListInput): void {
    const top = Object.entries(input.states)
      .filter(([, s]) => s.count > 0)
      .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
      .slice(0, this.size);
    if (top.length === 0) {
      this.message(t('main.noReports', { count: input.windowMinutes }));
      return;
    }
    this.empty.hidden = true;
    const rows = top.map(([code, state], i) => {
      const trend = input.trend(code, state.count);
      return row(i + 1, countryName(code), state.count, state.level, trend, input.heatMax);
    });
    this.list.replaceChildren(...rows);
  }
}

function row(rank: number, name: string, count: number, level: Level, trend: Trend, heatMax: number): HTMLLIElement {
  const li = document.createElement('li');
  li.className = `top-row level-${level}`;
  const cells: Array<[string, string]> = [
    ['top-rank', formatCount(rank)],
    ['top-swatch', ''],
    ['top-name', name],
    ['top-count', formatCount(count)],
    [`top-trend trend-${trend}`, ARROWS[trend]],
  ];
  for (const [cls, text] of cells) {
    const span = document.createElement('span');
    span.className = cls;
    span.textContent = text;
    li.append(span);
  }
  (li.children[1] as HTMLElement).style.background = heatColor(heatOf(count, heatMax));
  li.children[4]!.setAttribute('aria-label', t(`trend.${trend}`));
  li.title = t('main.rowTitle', { name, reports: formatCount(count), level: t(`level.${level}`), trend: t(`trend.${trend}`) });
  return li;
}
