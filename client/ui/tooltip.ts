import { hasShares } from '../../shared/problems.ts';
import type { CountryStates } from '../../shared/protocol.ts';
import { countryName, formatCount, localTimeRange } from '../format.ts';
import { isolate, t } from '../i18n/index.ts';
import type { HoverHandlers, HoverTarget } from '../map/hover.ts';
import { sharesText } from './problem-breakdown.ts';

export interface TooltipData {
  states: () => CountryStates;
  dataTime: () => number;
  windowMinutes: () => number;
}

/** The country card that follows the pointer (or sits where a finger tapped). */
export class Tooltip implements HoverHandlers {
  private target: HoverTarget | undefined;
  private x = 0;
  private y = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly data: TooltipData,
  ) {
    root.classList.add('tooltip');
    root.hidden = true;
    root.setAttribute('role', 'status');
  }

  show(target: HoverTarget, x: number, y: number): void {
    const same = this.target?.code === target.code && this.target?.name === target.name;
    this.target = target;
    this.x = x;
    this.y = y;
    this.root.hidden = false;
    // Pointer moves within one country only reposition; the content is rebuilt on a new country.
    if (same) this.place();
    else this.refresh();
  }

  hide(): void {
    this.target = undefined;
    this.root.hidden = true;
  }

  /** Re-renders for new data (a frame arrived, the clock moved) without moving. */
  refresh(): void {
    const target = this.target;
    if (!target) return;
    const state = target.code ? this.data.states()[target.code] : undefined;
    const rows: Array<[string, string, string?]> = [];
    if (target.code) {
      rows.push([t('tooltip.reports', { count: this.data.windowMinutes() }), formatCount(state?.count ?? 0)]);
      if (state) {
        rows.push([t('tooltip.baseline'), formatCount(Math.round(state.baseline))]);
        rows.push([t('tooltip.level'), t(`level.${state.level}`), `level-${state.level}`]);
        if (hasShares(state.problems)) rows.push([t('problems.column'), sharesText(state.problems)]);
      }
    } else {
      rows.push([t('tooltip.reportsPlain'), t('tooltip.noData')]);
    }
    const local = target.tz ? localTimeRange(this.data.dataTime(), target.tz) : '';
    // Each time of a range is isolated, so "14:13 – 19:13" keeps its order inside Arabic text.
    if (local) rows.push([t('tooltip.localTime'), local.split(' – ').map(isolate).join(' – ')]);

    const title = document.createElement('div');
    title.className = 'tooltip-title';
    title.textContent = countryName(target.code, target.name);
    const table = document.createElement('dl');
    for (const [label, value, cls] of rows) {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = value;
      if (cls) dd.className = cls;
      table.append(dt, dd);
    }
    this.root.replaceChildren(title, table);
    this.place();
  }

  /** Beside the pointer, flipped to the other side near an edge so it never leaves the screen. */
  private place(): void {
    const gap = 14;
    const { offsetWidth: w, offsetHeight: h } = this.root;
    const vw = window.innerWidth;
    const vh = window.innerHeight;
    let left = this.x + gap;
    let top = this.y + gap;
    if (left + w > vw - 4) left = this.x - gap - w;
    if (top + h > vh - 4) top = this.y - gap - h;
    left = Math.max(4, Math.min(left, vw - w - 4));
    top = Math.max(4, Math.min(top, vh - h - 4));
    this.root.style.transform = `translate(${Math.round(left)}px, ${Math.round(top)}px)`;
  }
}
