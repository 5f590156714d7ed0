import { heatColor, heatOf } from '../../shared/heat.ts';
import { hasShares, rankedShares, type ProblemShares } from '../../shared/problems.ts';
import type { CountryState, Level } from '../../shared/protocol.ts';
import { countryName, formatCount } from '../format.ts';
import { t } from '../i18n/index.ts';
import type { Trend } from '../trend.ts';
import { sharesText } from './problem-breakdown.ts';
import type { TopListInput } from './top-list.ts';

export type SortKey = 'name' | 'count' | 'baseline' | 'level' | 'trend' | 'problems';

const COLUMNS: SortKey[] = ['name', 'count', 'baseline', 'level', 'trend', 'problems'];

/** The frame on the map, with the service's problem shares over every country. */
export type DataTableInput = TopListInput & { problems?: ProblemShares };

/** A column's name; the problem types' is in their own block of the catalogue. */
function columnLabel(key: SortKey): string {
  return key === 'problems' ? t('problems.column') : t(`a11y.columns.${key}`);
}
const NUMERIC = new Set<SortKey>(['count', 'baseline']);
const SEVERITY: Record<Level, number> = { normal: 0, elevated: 1, outage: 2 };
const RISE: Record<Trend, number> = { falling: 0, steady: 1, rising: 2 };
const ARROWS: Record<Trend, string> = { rising: '▲', falling: '▼', steady: '▬' };
// A frame every 100 ms would rewrite hundreds of cells under a screen reader's cursor for nothing.
const RENDER_EVERY_MS = 500;

interface Row {
  code: string;
  name: string;
  state: CountryState;
  trend: Trend;
}

interface RowCells {
  tr: HTMLTableRowElement;
  swatch: HTMLElement;
  cells: HTMLElement[];
}

/**
 * Every country of the frame on the map as a real table: the map's data for screen readers, for
 * keyboard users and for anyone who wants the exact figures. Column headers are buttons (click,
 * Enter or Space sort; again reverses), the sorted one carries `aria-sort`, and the caption says
 * the sort. Rows are kept per country and updated in place, so a frame never moves focus or the
 * reader's place; nothing is rendered while the panel is closed.
 */
export class DataTable {
  private readonly caption: HTMLElement;
  private readonly sortNote: HTMLElement;
  private readonly problems: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly empty: HTMLElement;
  private readonly headers = new Map<SortKey, HTMLTableCellElement>();
  private readonly rows = new Map<string, RowCells>();
  private sort: { key: SortKey; ascending: boolean } = { key: 'count', ascending: false };
  private input: DataTableInput | undefined;
  private order = '';
  private lastRender = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly toggle: HTMLButtonElement,
  ) {
    root.classList.add('data-panel');
    root.innerHTML = `
      <p class="data-problems" hidden></p>
      <table class="data-table">
        <caption><span class="data-caption"></span><span class="visually-hidden data-sort-note"></span></caption>
        <thead><tr></tr></thead>
        <tbody></tbody>
      </table>
      <p class="data-empty" hidden></p>`;
    this.caption = root.querySelector('.data-caption')!;
    this.sortNote = root.querySelector('.data-sort-note')!;
    this.problems = root.querySelector('.data-problems')!;
    this.body = root.querySelector('tbody')!;
    this.empty = root.querySelector('.data-empty')!;
    this.empty.textContent = t('a11y.empty');
    const head = root.querySelector('thead tr')!;
    for (const key of COLUMNS) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.className = `data-col-${key}`;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'data-sort';
      button.innerHTML = '<span class="data-sort-label"></span><span class="data-sort-arrow" aria-hidden="true"></span>';
      button.querySelector('.data-sort-label')!.textContent = columnLabel(key);
      button.addEventListener('click', () => this.sortBy(key));
      th.append(button);
      head.append(th);
      this.headers.set(key, th);
    }

    toggle.setAttribute('aria-controls', root.id);
    toggle.title = t('a11y.toggleHint');
    toggle.textContent = t('a11y.toggle');
    toggle.addEventListener('click', () => this.setOpen(!this.isOpen()));
    this.setOpen(false);
    this.renderHeaders();
  }

  isOpen(): boolean {
    return !this.root.hidden;
  }

  setOpen(open: boolean): void {
    this.root.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    if (open) this.render();
  }

  /** The frame on the map changed; the table follows at most every half second. */
  update(input: DataTableInput): void {
    this.input = input;
    if (!this.isOpen() || this.timer !== undefined) return;
    const wait = this.lastRender + RENDER_EVERY_MS - Date.now();
    if (wait <= 0) this.render();
    else this.timer = setTimeout(() => this.render(), wait);
  }

  sortBy(key: SortKey): void {
    const same = this.sort.key === key;
    // Numbers and severity read best from the top down; names from A.
    this.sort = { key, ascending: same ? !this.sort.ascending : !(NUMERIC.has(key) || key === 'level' || key === 'trend') };
    this.renderHeaders();
    this.render();
  }

  private renderHeaders(): void {
    for (const [key, th] of this.headers) {
      const arrow = th.querySelector('.data-sort-arrow')!;
      if (key === this.sort.key) {
        th.setAttribute('aria-sort', this.sort.ascending ? 'ascending' : 'descending');
        arrow.textContent = this.sort.ascending ? '▲' : '▼';
      } else {
        th.removeAttribute('aria-sort');
        arrow.textContent = '';
      }
    }
    const column = columnLabel(this.sort.key);
    this.sortNote.textContent = `, ${t(this.sort.ascending ? 'a11y.sortedAscending' : 'a11y.sortedDescending', { column })}`;
  }

  private render(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const input = this.input;
    if (!input || !this.isOpen()) return;
    this.lastRender = Date.now();
    this.caption.textContent = t('a11y.caption', { count: input.windowMinutes });
    // The service's breakdown under the caption: every country together, as the map's panel says it.
    const all = hasShares(input.problems) ? `${t('problems.title')} (${t('problems.allCountries')}): ${sharesText(input.problems)}` : '';
    set(this.problems, all);
    this.problems.hidden = !all;
    const rows: Row[] = Object.entries(input.states).map(([code, state]) => ({
      code,
      name: countryName(code),
      state,
      trend: input.trend(code, state.count),
    }));
    rows.sort(this.compare());
    this.empty.hidden = rows.some((r) => r.state.count > 0);

    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.code);
      this.fill(this.rowFor(row.code), row, input.heatMax);
    }
    for (const [code, cells] of this.rows) {
      if (seen.has(code)) continue;
      cells.tr.remove();
      this.rows.delete(code);
    }
    // Moving rows only when the order changed keeps a reader's place in a still table.
    const order = rows.map((r) => r.code).join();
    if (order !== this.order) {
      this.order = order;
      this.body.append(...rows.map((r) => this.rows.get(r.code)!.tr));
    }
  }

  private compare(): (a: Row, b: Row) => number {
    const { key, ascending } = this.sort;
    const sign = ascending ? 1 : -1;
    const collator = new Intl.Collator(undefined, { sensitivity: 'base' });
    const value = (r: Row): number => {
      switch (key) {
        case 'count':
          return r.state.count;
        case 'baseline':
          return r.state.baseline;
        case 'level':
          return SEVERITY[r.state.level];
        case 'trend':
          return RISE[r.trend];
        case 'problems':
          // By the largest share (how one-sided the reports are); none sorts with 0.
          return rankedShares(r.state.problems)[0]?.[1] ?? 0;
        case 'name':
          return 0;
      }
    };
    // Ties fall back on the count (largest first), then the name, so equal rows never jump around.
    return (a, b) =>
      (key === 'name' ? sign * collator.compare(a.name, b.name) : sign * (value(a) - value(b))) ||
      b.state.count - a.state.count ||
      collator.compare(a.name, b.name);
  }

  private rowFor(code: string): RowCells {
    let cells = this.rows.get(code);
    if (cells) return cells;
    const tr = document.createElement('tr');
    tr.dataset.code = code;
    const th = document.createElement('th');
    th.scope = 'row';
    const swatch = document.createElement('span');
    swatch.className = 'data-swatch';
    swatch.setAttribute('aria-hidden', 'true');
    const name = document.createElement('span');
    th.append(swatch, name);
    const tds = [1, 2, 3, 4, 5].map(() => document.createElement('td'));
    tr.append(th, ...tds);
    cells = { tr, swatch, cells: [name, ...tds] };
    this.rows.set(code, cells);
    return cells;
  }

  private fill(cells: RowCells, row: Row, heatMax: number): void {
    const [name, count, baseline, level, trend, problems] = cells.cells as [HTMLElement, HTMLElement, HTMLElement, HTMLElement, HTMLElement, HTMLElement];
    set(problems, sharesText(row.state.problems));
    set(name, row.name);
    set(count, formatCount(row.state.count));
    set(baseline, formatCount(row.state.baseline));
    set(level, t(`level.${row.state.level}`));
    const levelClass = `level-${row.state.level}`;
    if (cells.tr.className !== levelClass) cells.tr.className = levelClass;
    if (trend.dataset.trend !== row.trend) {
      trend.dataset.trend = row.trend;
      trend.className = `trend-${row.trend}`;
      // The arrow is for the eye; the word is what a screen reader reads.
      trend.innerHTML = '<span aria-hidden="true"></span><span class="visually-hidden"></span>';
      trend.firstElementChild!.textContent = ARROWS[row.trend];
      trend.lastElementChild!.textContent = t(`trend.${row.trend}`);
    }
    cells.swatch.style.background = heatColor(heatOf(row.state.count, heatMax));
  }
}

function set(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}
