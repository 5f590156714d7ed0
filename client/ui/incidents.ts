import type { Incident } from '../../shared/protocol.ts';
import { TWITTER_PROBLEMS_NOTE } from '../../shared/problems.ts';
import { MINUTE_MS } from '../../shared/time.ts';
import { countryName, formatCount, formatDuration, formatList, formatUtcDateTime, listParts, formatViewerDateTime, incidentLength } from '../format.ts';
import { t } from '../i18n/index.ts';
import { viewUrl, type ViewState } from '../url-state.ts';
import { isSimulated, simulatedMark } from './sim-mark.ts';

/** A replay starts this long before the incident, to see it rise from normal. */
export const LEAD_IN_MS = 30 * MINUTE_MS;

/** Reads `GET /api/incidents` (`{ok, data}` envelope), newest first. */
async function fetchIncidents(service: string): Promise<Incident[]> {
  const res = await fetch(`/api/incidents?service=${encodeURIComponent(service)}`);
  const body = (await res.json()) as { ok: true; data: Incident[] } | { ok: false; error: string };
  if (!body.ok) throw new Error(body.error);
  return body.data;
}

export function replayState(incident: Incident): ViewState {
  return { service: incident.service, t: incident.start - LEAD_IN_MS, speed: 60, playing: true };
}

export function peakState(incident: Incident): ViewState {
  return { service: incident.service, t: incident.peak, speed: 60, playing: false };
}

/** The incident's span for charts: an ongoing one runs to `now`. */
export function span(incident: Incident, now: number): [number, number] {
  return [incident.start, incident.end ?? now];
}

/**
 * The collapsible list of detected incidents of the watched service. Each links to its replay
 * and its peak; the links are real URLs (they can be copied or opened in a tab) but a plain click
 * replays in place.
 */
export class IncidentList {
  private incidents: Incident[] = [];
  private service: string | undefined;
  private seq = 0;
  private current: string | undefined;
  private readonly list: HTMLOListElement;
  private readonly empty: HTMLElement;
  private readonly count: HTMLElement;

  constructor(
    root: HTMLDetailsElement,
    private readonly open: (state: ViewState, incident: Incident) => void,
  ) {
    root.classList.add('incidents');
    root.innerHTML = `
      <summary class="panel-title"><span class="incidents-title"></span> <span class="incidents-count"></span></summary>
      <p class="incidents-empty" role="status"></p>
      <ol class="incidents-list"></ol>`;
    this.list = root.querySelector('.incidents-list')!;
    this.empty = root.querySelector('.incidents-empty')!;
    this.count = root.querySelector('.incidents-count')!;
    root.querySelector('.incidents-title')!.textContent = t('incidents.title');
    this.list.addEventListener('click', (e) => {
      const link = (e.target as HTMLElement).closest<HTMLAnchorElement>('a[data-id]');
      // Modified clicks keep the browser's own behaviour (a new tab, a download).
      if (!link || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const incident = this.incidents.find((i) => i.id === link.dataset.id);
      if (!incident) return;
      e.preventDefault();
      this.open(link.dataset.kind === 'peak' ? peakState(incident) : replayState(incident), incident);
    });
  }

  /** Loads (or reloads) the list of `service`; it resolves once shown. */
  async load(service: string): Promise<void> {
    const seq = ++this.seq;
    if (service !== this.service) {
      this.service = service;
      this.incidents = [];
      this.message(t('common.loading'));
    }
    try {
      const incidents = await fetchIncidents(service);
      if (seq !== this.seq) return;
      this.incidents = incidents;
      this.render();
    } catch (error) {
      if (seq !== this.seq) return;
      this.message(t('incidents.unavailable', { reason: t('errors.generic') }));
    }
  }

  all(): readonly Incident[] {
    return this.incidents;
  }

  /** The incident around data time `t` (its lead-in and an equal tail count), if any. */
  around(t: number, now: number): Incident | undefined {
    return this.incidents.find((i) => t >= i.start - LEAD_IN_MS && t <= (i.end ?? now) + LEAD_IN_MS);
  }

  /** Marks the incident being watched, so the list shows where the playhead is. */
  highlight(id: string | undefined): void {
    if (id === this.current) return;
    this.current = id;
    for (const li of this.list.children) (li as HTMLElement).classList.toggle('is-current', (li as HTMLElement).dataset.id === id);
  }

  private message(text: string): void {
    this.list.replaceChildren();
    this.empty.textContent = text;
    this.empty.hidden = false;
    this.count.textContent = '';
  }

  private render(): void {
    if (this.incidents.length === 0) {
      this.message(t('incidents.none'));
      return;
    }
    this.empty.hidden = true;
    this.count.textContent = t('common.count', { n: formatCount(this.incidents.length) });
    this.list.replaceChildren(...this.incidents.map((incident) => this.item(incident)));
  }

  private item(incident: Incident): HTMLLIElement {
    const li = document.createElement('li');
    li.className = `incident level-${incident.level}`;
    li.dataset.id = incident.id;
    li.classList.toggle('is-current', incident.id === this.current);
    const duration = incident.end === null ? t('time.ongoing') : formatDuration(incidentLength(incident, Date.now()));
    const countries = formatList(incident.countries.slice(0, 3).map((c) => countryName(c.country)));
    li.innerHTML = `
      <div class="incident-when"><time></time><span class="incident-local"></span></div>
      <div class="incident-facts"></div>
      <div class="incident-countries"></div>
      <div class="incident-links"><a data-kind="replay"></a><a data-kind="peak"></a></div>`;
    const time = li.querySelector('time')!;
    time.dateTime = new Date(incident.start).toISOString();
    time.textContent = formatUtcDateTime(incident.start);
    li.querySelector('.incident-local')!.textContent = formatViewerDateTime(incident.start);
    li.querySelector('.incident-facts')!.textContent =
      t('incidents.facts', { duration, peak: formatCount(incident.peakCount), level: t(`level.${incident.level}`) });
    li.querySelector('.incident-countries')!.textContent = countries;
    if (isSimulated(incident)) li.querySelector('.incident-when')!.append(' ', simulatedMark());
    for (const link of li.querySelectorAll<HTMLAnchorElement>('a[data-kind]')) {
      link.textContent = link.dataset.kind === 'peak' ? t('incidents.peak') : t('incidents.replay');
      link.dataset.id = incident.id;
      const state = link.dataset.kind === 'peak' ? peakState(incident) : replayState(incident);
      link.href = viewUrl(state).href;
    }
    if (incident.note || incident.sources?.length) li.insertBefore(note(incident), li.querySelector('.incident-links'));
    return li;
  }
}

/**
 * A publisher's name stays as published (translate="no" tells translation tools and our RTL test
 * so), isolated with its own direction inside the surrounding text.
 */
function proper<T extends HTMLElement>(el: T): T {
  el.translate = false;
  el.dir = 'auto';
  // Kept on one line: "Reuters (Downdetector)" broken across lines reads backwards in Arabic.
  el.classList.add('proper-name');
  return el;
}

/** The bundled scenarios' notes (shared/scenarios.ts) in the reader's language; any other note as stored. */
export function noteText(note: string): string {
  if (note.startsWith('Reconstructed from press reports')) {
    // The Twitter reconstruction also says where its problem types come from (shared/scenarios.ts).
    if (!note.includes(TWITTER_PROBLEMS_NOTE)) return t('incidents.reconstructed');
    return `${t('incidents.reconstructed')}. ${t('problems.assumed', { source: 'Downdetector' })}`;
  }
  if (note.startsWith('Synthetic:')) return t('incidents.synthetic');
  return note;
}

/** Bundled reconstructions say so, with their sources, wherever they are shown. */
function note(incident: Incident): HTMLElement {
  const p = document.createElement('p');
  p.className = 'incident-note';
  const text = noteText(incident.note ?? '');
  p.textContent = text && !/[.!?]$/.test(text) ? `${text}.` : text;
  const sources = incident.sources ?? [];
  if (sources.length > 0) {
    p.append(text ? ` ${t('incidents.sources')} ` : `${t('incidents.sources')} `);
    // The locale's own separators ("، و" in Arabic) between names isolated in their own direction.
    for (const part of listParts(sources)) {
      if ('separator' in part) {
        p.append(part.separator);
        continue;
      }
      const source = part.item;
      if (/^https?:\/\//.test(source)) {
        const a = document.createElement('a');
        a.href = source;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        a.textContent = new URL(source).hostname.replace(/^www\./, '');
        p.append(proper(a));
      } else {
        p.append(proper(Object.assign(document.createElement('span'), { textContent: source })));
      }
    }
  }
  return p;
}
