import type { CountryStates, Incident, Mode } from '../../shared/protocol.ts';
import { serviceName } from '../../shared/services.ts';
import { formatCount, formatDate } from '../format.ts';
import { t } from '../i18n/index.ts';
import { viewUrl, type ViewState } from '../url-state.ts';
import { replayState } from './incidents.ts';
import '../styles/first-look.css';

const REFRESH_MS = 5 * 60_000;

export interface FirstLookInput {
  service: string | undefined;
  mode: Mode;
  states: CountryStates;
  windowMinutes: number;
}

/** The incident to offer: the newest real one that reached an outage, else the newest at all. */
export function notableIncident(incidents: readonly Incident[]): Incident | undefined {
  const real = incidents.filter((i) => !i.simulated && i.end !== null).sort((a, b) => b.peak - a.peak);
  return real.find((i) => i.level === 'outage') ?? real[0];
}

/** True when the live map has nothing to show: no country has a report in the window. */
export function isQuiet({ mode, states }: FirstLookInput): boolean {
  return mode === 'live' && !Object.values(states).some((s) => s.count > 0);
}

/**
 * The first five seconds on a quiet day: a sentence that says nothing is happening (so a blank map
 * reads as good news, not as broken), and the most recent notable outage of any service as a
 * one-click replay. Hidden as soon as the map has something to show.
 */
export class FirstLook {
  private readonly root: HTMLElement;
  private readonly text: HTMLElement;
  private readonly link: HTMLAnchorElement;
  private readonly what: HTMLElement;
  private incident: Incident | undefined;
  private loadedAt = -Infinity;
  private last: FirstLookInput | undefined;

  constructor(
    parent: HTMLElement,
    private readonly open: (state: ViewState) => void,
  ) {
    this.root = document.createElement('div');
    this.root.className = 'first-look';
    this.root.hidden = true;
    this.root.innerHTML = '<p class="first-look-text"></p><a class="first-look-replay"></a><p class="first-look-what"></p>';
    this.text = this.root.querySelector('.first-look-text')!;
    this.link = this.root.querySelector('.first-look-replay')!;
    this.what = this.root.querySelector('.first-look-what')!;
    this.link.addEventListener('click', (e) => {
      // Modified clicks keep the browser's own behaviour (a new tab).
      if (!this.incident || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      this.open(replayState(this.incident));
    });
    parent.append(this.root);
  }

  update(input: FirstLookInput): void {
    this.last = input;
    const quiet = isQuiet(input) && input.service !== undefined;
    if (quiet && performance.now() - this.loadedAt > REFRESH_MS) {
      this.loadedAt = performance.now();
      void this.load();
    }
    this.root.hidden = !quiet;
    if (!quiet) return;
    this.text.textContent = t('story.quiet', { service: serviceName(input.service!), count: input.windowMinutes });
    const incident = this.incident;
    this.link.hidden = this.what.hidden = !incident;
    if (!incident) return;
    this.link.textContent = `▶ ${t('story.offer')}`;
    this.link.href = viewUrl(replayState(incident)).href;
    this.what.textContent = t('story.offerWhat', { service: serviceName(incident.service), date: formatDate(incident.peak, 'UTC'), peak: formatCount(incident.peakCount) });
  }

  private async load(): Promise<void> {
    try {
      // Every service's incidents: a quiet Facebook still offers Twitter's outage.
      const res = await fetch('/api/incidents');
      const body = (await res.json()) as { ok: boolean; data?: Incident[] };
      if (!body.ok || !body.data) return;
      this.incident = notableIncident(body.data);
      if (this.last) this.update(this.last);
    } catch {
      // Nothing offered; the sentence alone still says the map is quiet.
    }
  }
}
