import { displayZone, onZoneChange, setZoneChoice, zoneChoice, zoneChoices, type ZoneChoice } from '../display-zone.ts';
import { formatDate, formatTime, zoneLabel } from '../format.ts';
import { isolate, t } from '../i18n/index.ts';

const DAY_MS = 86_400_000;

/**
 * The header's data time, in the page's one display zone and labelled with it ("00:53:00 UTC"),
 * with a switch between UTC, the newsroom's zone and the reader's own; the chart follows it.
 * While a simulator drives the clock it says so before the time, which then lies hours in the past.
 */
export class DataClock {
  private timer = 0;
  private readonly time: HTMLTimeElement;
  private readonly zone: HTMLSelectElement;
  private readonly simulatedLabel: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly dataTime: () => number,
    private readonly simulated: () => boolean = () => false,
  ) {
    root.classList.add('data-clock');
    this.simulatedLabel = document.createElement('span');
    this.simulatedLabel.className = 'clock-sim';
    this.simulatedLabel.textContent = t('simClock.label');
    this.simulatedLabel.title = t('simClock.hint');
    this.simulatedLabel.hidden = true;
    this.time = document.createElement('time');
    this.time.className = 'clock-utc';
    this.zone = document.createElement('select');
    this.zone.className = 'clock-zone';
    this.zone.setAttribute('aria-label', t('time.zoneSwitch'));
    this.zone.title = t('time.zoneSwitch');
    this.zone.addEventListener('change', () => {
      setZoneChoice(this.zone.value as ZoneChoice);
      this.zone.blur();
    });
    root.replaceChildren(this.simulatedLabel, this.time, this.zone);
    onZoneChange(() => this.render());
  }

  start(): void {
    if (this.timer) return;
    this.render();
    // Twice a second so a simulated clock at 60× still reads as moving, without a rAF loop.
    this.timer = window.setInterval(() => this.render(), 500);
  }

  render(): void {
    const t0 = this.dataTime();
    const zone = displayZone();
    this.simulatedLabel.hidden = !this.simulated();
    // The date only matters when the data is not from today (a replay or a simulated past day).
    const date = Math.abs(Date.now() - t0) > DAY_MS / 2 ? `${isolate(formatDate(t0, zone))} · ` : '';
    this.time.dateTime = new Date(t0).toISOString();
    const text = `${date}${isolate(formatTime(t0, zone, true))}`;
    if (this.time.textContent !== text) this.time.textContent = text;
    this.renderZones(t0);
  }

  private renderZones(at: number): void {
    const choices = zoneChoices();
    const key = choices.map((c) => `${c.choice}:${zoneLabel(c.zone, at)}`).join('|') + `|${zoneChoice()}`;
    if (this.zone.dataset.key === key) return;
    this.zone.dataset.key = key;
    // The closed select shows the zone's short name; the open list says whose zone each is.
    this.zone.replaceChildren(
      ...choices.map(({ choice, zone }) => {
        const option = new Option(zoneLabel(zone, at), choice);
        option.label = choice === 'utc' ? t('time.zones.utc') : t(`time.zones.${choice}`, { zone: zoneLabel(zone, at) });
        return option;
      }),
    );
    this.zone.value = zoneChoice();
  }
}
