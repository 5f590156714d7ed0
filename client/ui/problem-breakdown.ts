import { hasShares, rankedShares, type ProblemShares } from '../../shared/problems.ts';
import type { Problem } from '../../shared/protocol.ts';
import { countryName, formatList, formatShare } from '../format.ts';
import { isolate, locale, t, type MessageKey } from '../i18n/index.ts';

/** Catalogue keys of the problem types (`other` cannot be a key: it would read as a plural). */
const TYPE_KEYS: Record<Problem, MessageKey> = {
  website: 'problems.types.website',
  app: 'problems.types.app',
  login: 'problems.types.login',
  'server-connection': 'problems.types.serverConnection',
  other: 'problems.types.otherProblem',
};

/** A problem type in the page's language ("Server connection"). */
export function problemLabel(problem: Problem): string {
  return t(TYPE_KEYS[problem]);
}

/** "Website 82%, App 10%, Server connection 8%", largest first; empty when none was named. */
export function sharesText(shares: ProblemShares | undefined): string {
  return formatList(rankedShares(shares).map(([problem, share]) => t('problems.share', { type: problemLabel(problem), share: formatShare(share) })), 'unit');
}

export interface BreakdownInput {
  /** The service's shares over every country. */
  service: ProblemShares;
  /** The hovered or selected country, with its own shares (none: it has no breakdown). */
  country?: { code: string; shares: ProblemShares | undefined };
  windowMinutes: number;
}

/**
 * What people report as broken, at the playhead: the share of each problem type among the
 * reports in the window that named one, for the service and for the country in focus. Each row
 * is a label, a bar (its length the share, growing from the start edge in either direction) and
 * the share; the whole reads as text to a screen reader. Shows nothing while no report named a
 * problem (most live services), so it never takes room for an empty box.
 */
export class ProblemBreakdown {
  private readonly title: HTMLElement;
  private readonly groups: HTMLElement;
  private readonly hint: HTMLElement;
  private shown = '';

  constructor(
    private readonly root: HTMLElement,
    private readonly options: { hoverHint?: boolean } = {},
  ) {
    root.classList.add('problems');
    root.innerHTML = `
      <h2 class="panel-title problems-title"></h2>
      <div class="problems-groups"></div>
      <p class="problems-hint"></p>`;
    this.title = root.querySelector('.problems-title')!;
    this.groups = root.querySelector('.problems-groups')!;
    this.hint = root.querySelector('.problems-hint')!;
    root.hidden = true;
  }

  update(input: BreakdownInput): void {
    const country = input.country && hasShares(input.country.shares) ? input.country : undefined;
    // A screen switches language in place (a channel's locale): the words follow on the next update.
    const key = JSON.stringify([input.service, country, input.windowMinutes, locale().tag]);
    if (key === this.shown) return;
    this.shown = key;
    this.title.textContent = t('problems.title');
    this.root.hidden = !hasShares(input.service);
    if (this.root.hidden) return;
    const groups = [group(t('problems.allCountries'), input.service)];
    if (country) groups.push(group(countryName(country.code), country.shares!));
    this.groups.replaceChildren(...groups);
    // While a country's group shows, its two lines of hint give way (the panel stays within a 720p screen).
    this.hint.hidden = !!country;
    this.hint.textContent = [t('problems.hint', { count: input.windowMinutes }), this.options.hoverHint ? t('problems.hover') : ''].filter(Boolean).join('. ');
  }
}

function group(label: string, shares: ProblemShares): HTMLElement {
  const section = document.createElement('section');
  section.className = 'problems-group';
  const title = document.createElement('h3');
  title.className = 'problems-label';
  title.textContent = label;
  const list = document.createElement('ul');
  list.className = 'problems-rows';
  for (const [problem, share] of rankedShares(shares)) {
    const li = document.createElement('li');
    li.className = 'problems-row';
    li.dataset.problem = problem;
    const name = document.createElement('span');
    name.className = 'problems-name';
    name.textContent = problemLabel(problem);
    const bar = document.createElement('span');
    bar.className = 'problems-bar';
    bar.setAttribute('aria-hidden', 'true');
    const fill = document.createElement('span');
    // inline-size: the bar grows from the start edge, the right in Arabic.
    fill.style.inlineSize = `${share}%`;
    bar.append(fill);
    const value = document.createElement('span');
    value.className = 'problems-share';
    value.textContent = isolate(formatShare(share));
    li.append(name, bar, value);
    list.append(li);
  }
  section.append(title, list);
  return section;
}
