import { formatUtcDate, formatUtcTime, formatViewerTime } from '../format.ts';

const DAY_MS = 86_400_000;

/** The header's data time: UTC with seconds, and the same instant on the viewer's clock. */
export class DataClock {
  private timer = 0;
  private readonly utc: HTMLTimeElement;
  private readonly local: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly dataTime: () => number,
  ) {
    root.classList.add('data-clock');
    this.utc = document.createElement('time');
    this.utc.className = 'clock-utc';
    this.local = document.createElement('span');
    this.local.className = 'clock-local';
    root.replaceChildren(this.utc, this.local);
  }

  start(): void {
    if (this.timer) return;
    this.render();
    // Twice a second so a simulated clock at 60× still reads as moving, without a rAF loop.
    this.timer = window.setInterval(() => this.render(), 500);
  }

  render(): void {
    const t = this.dataTime();
    // The date only matters when the data is not from today (a replay or a simulated past day).
    const date = Math.abs(Date.now() - t) > DAY_MS / 2 ? `${formatUtcDate(t)} · ` : '';
    this.utc.dateTime = new Date(t).toISOString();
    this.utc.textContent = `${date}${formatUtcTime(t)} UTC`;
    this.local.textContent = `${formatViewerTime(t)} local`;
  }
}
