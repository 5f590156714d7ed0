import type { Snapshot } from '../../shared/protocol.ts';
import { formatSpeed, formatUtcDate, formatZoned } from '../format.ts';
import { isolate, t } from '../i18n/index.ts';
import { MODE_LABELS } from '../strings.ts';
import { simulatedMark } from '../ui/sim-mark.ts';

const DAY_MS = 86_400_000;

export interface OnAirInput {
  snapshot: Snapshot | undefined;
  dataTime: number;
  timeZone: string;
  now: number;
}

/**
 * The badge's label and the line beside it, e.g. REPLAY and "29 Dec 2022 00:45 UTC · 19:45 New
 * York · 60×", and whether the SIMULATED mark shows beside them.
 */
export function onAirText({ snapshot, dataTime, timeZone, now }: OnAirInput): { badge: string; state: string; line: string; simulated: boolean } {
  if (!snapshot) return { badge: '', state: 'none', line: '', simulated: false };
  const { clock, mode } = snapshot;
  // Seconds only when they pass at the pace of a wall clock; at 60× they would be a blur on air.
  const seconds = clock.playing ? clock.speed <= 2 : dataTime % 60_000 !== 0;
  const parts: string[] = [];
  // The date matters for a replay or any data that is not from today.
  // Every piece isolated: a date, a time and "UTC" keep their own order inside Arabic text.
  const date = mode === 'replay' || Math.abs(now - dataTime) > DAY_MS / 2 ? `${isolate(formatUtcDate(dataTime))} ` : '';
  // A simulator's clock runs hours behind the wall clock: the time says whose it is.
  const whose = clock.simulated ? `${t('simClock.label')} ` : '';
  parts.push(`${whose}${date}${isolate(formatZoned(dataTime, 'UTC', seconds))}`);
  if (timeZone !== 'UTC') {
    const local = formatZoned(dataTime, timeZone);
    if (local) parts.push(isolate(local));
  }
  if (mode === 'replay' && !clock.playing) parts.push(t('common.paused'));
  else if (clock.speed !== 1) parts.push(isolate(formatSpeed(clock.speed)));
  // Data a simulator drives must never pass for real reports.
  return { badge: MODE_LABELS[mode], state: mode, line: parts.join(' · '), simulated: clock.simulated };
}

/**
 * The LIVE / REPLAY badge with the data time, redrawn every animation frame (the DOM is written
 * only when the text changes) so screens of a channel tick over together.
 */
export class OnAir {
  private readonly badge: HTMLElement;
  private readonly line: HTMLTimeElement;
  private readonly simulated: HTMLElement;
  private frame = 0;
  private shown = '';

  constructor(
    root: HTMLElement,
    private readonly input: () => OnAirInput,
  ) {
    root.innerHTML = '<span class="onair-badge"><span class="onair-dot" aria-hidden="true"></span><span class="onair-label"></span></span><time class="onair-time"></time>';
    this.badge = root.querySelector('.onair-badge')!;
    this.line = root.querySelector<HTMLTimeElement>('.onair-time')!;
    this.simulated = simulatedMark();
    this.simulated.hidden = true;
    this.badge.after(this.simulated);
  }

  start(): void {
    const loop = () => {
      this.render();
      this.frame = requestAnimationFrame(loop);
    };
    if (!this.frame) loop();
  }

  render(): void {
    const input = this.input();
    const text = onAirText(input);
    const key = `${text.state}|${text.badge}|${text.line}|${text.simulated}`;
    if (key === this.shown) return;
    this.shown = key;
    this.badge.dataset.state = text.state;
    this.badge.hidden = !text.badge;
    this.badge.querySelector('.onair-label')!.textContent = text.badge;
    this.simulated.hidden = !text.simulated;
    this.line.textContent = text.line;
    if (input.snapshot) this.line.dateTime = new Date(input.dataTime).toISOString();
  }
}
