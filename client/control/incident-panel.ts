import type { ChannelState, Incident } from '../../shared/protocol.ts';
import { serviceName } from '../../shared/services.ts';
import { countryName, formatCount, formatDuration, formatList, formatUtcDateTime, incidentLength } from '../format.ts';
import { t, translatePage } from '../i18n/index.ts';
import { noteText } from '../ui/incidents.ts';
import { isSimulated, simulatedMark } from '../ui/sim-mark.ts';
import { listIncidents, messageOf } from './api.ts';
import { report, say, type Driver } from './context.ts';
import { dataTimeOf } from './time.ts';

/** New incidents appear as live data arrives; a minute is fresh enough for a producer's list. */
const REFRESH_MS = 60_000;

/** The detected incidents of the channel's service, each a one-click peak or replay for the screens. */
export class IncidentPanel {
  private readonly list: HTMLOListElement;
  private readonly status: HTMLElement;
  private readonly error: HTMLElement;
  private incidents: Incident[] = [];
  private service: string | undefined;
  private seq = 0;
  private timer = 0;

  constructor(
    root: HTMLElement,
    private readonly driver: Driver,
  ) {
    root.innerHTML = `
      <h2 class="card-title"><span data-i18n="control.incidents"></span> <span class="muted service-name"></span></h2>
      <p class="muted incidents-status" role="status"></p>
      <ol class="incident-list"></ol>
      <p class="field-error" role="alert" hidden></p>`;
    translatePage(root);
    this.list = root.querySelector('.incident-list')!;
    this.status = root.querySelector('.incidents-status')!;
    this.error = root.querySelector('.field-error')!;
    this.list.addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-id]');
      const incident = this.incidents.find((i) => i.id === button?.dataset.id);
      if (!button || !incident) return;
      void this.act(button.dataset.act === 'peak' ? { peak: incident.id } : { mode: 'replay', t: incident.start, playing: true });
    });
  }

  /** Follows the selected channel: reloads when its service changes, marks the incident on air. */
  render(state: ChannelState): void {
    if (state.service !== this.service) {
      this.service = state.service;
      this.incidents = [];
      this.list.replaceChildren();
      say(this.error, '');
      this.list.closest('section')!.querySelector('.service-name')!.textContent = serviceName(state.service);
      void this.load();
    }
    this.mark(state);
  }

  private async load(): Promise<void> {
    const seq = ++this.seq;
    const service = this.service;
    window.clearTimeout(this.timer);
    if (!service) return;
    if (!this.incidents.length) say(this.status, t('common.loading'));
    try {
      const incidents = await listIncidents(service);
      if (seq !== this.seq) return;
      this.incidents = incidents;
      this.draw();
    } catch (error) {
      if (seq !== this.seq) return;
      say(this.status, t('control.incidentsFailed', { reason: messageOf(error) }));
    }
    this.timer = window.setTimeout(() => void this.load(), REFRESH_MS);
  }

  private draw(): void {
    say(this.status, this.incidents.length ? '' : t('control.noIncidents'));
    const now = Date.now();
    this.list.replaceChildren(
      ...this.incidents.map((incident) => {
        const item = document.createElement('li');
        item.className = `incident level-${incident.level}`;
        item.dataset.id = incident.id;
        const top = formatList(incident.countries.slice(0, 3).map((c) => countryName(c.country)));
        // The same length as the map page's list: one duration function (format.ts) for both.
        const length = incident.end === null ? t('time.ongoing') : formatDuration(incidentLength(incident, now));
        item.innerHTML = `
          <div class="incident-head">
            <span class="level-tag"></span>
            <span class="incident-when"></span>
          </div>
          <div class="incident-what muted"></div>
          <div class="row incident-actions">
            <button type="button" class="btn" data-act="peak"></button>
            <button type="button" class="btn" data-act="start"></button>
          </div>`;
        item.querySelector('.level-tag')!.textContent = t(`level.${incident.level}`);
        if (isSimulated(incident)) item.querySelector('.incident-head')!.append(simulatedMark());
        item.querySelector('.incident-when')!.textContent = `${formatUtcDateTime(incident.start)} · ${length}`;
        const what = [t('control.incidentPeak', { peak: formatCount(incident.peakCount), time: formatUtcDateTime(incident.peak) })];
        if (top) what.push(top);
        if (incident.note) what.push(noteText(incident.note));
        item.querySelector('.incident-what')!.textContent = what.join(' · ');
        for (const b of item.querySelectorAll<HTMLButtonElement>('button')) {
          b.textContent = b.dataset.act === 'peak' ? t('control.jumpToPeak') : t('control.replayFromStart');
          b.dataset.id = incident.id;
          b.setAttribute('aria-label', `${b.textContent}: ${serviceName(incident.service)} ${formatUtcDateTime(incident.peak)}`);
        }
        item.title = incident.end === null ? t('time.ago', { duration: formatDuration(now - incident.start) }) : '';
        return item;
      }),
    );
    const state = this.driver.state();
    if (state) this.mark(state);
  }

  /** Outlines the incident the screens are showing, so the producer sees where they are. */
  private mark(state: ChannelState): void {
    const t = dataTimeOf(state);
    for (const item of this.list.children as HTMLCollectionOf<HTMLElement>) {
      const incident = this.incidents.find((i) => i.id === item.dataset.id);
      const on = !!incident && state.mode === 'replay' && t >= incident.start && t <= (incident.end ?? Date.now());
      item.classList.toggle('on-air', on);
    }
  }

  private async act(update: Parameters<Driver['send']>[0]): Promise<void> {
    report(this.error, await this.driver.send(update));
  }
}
