import type { ClockState, Mode } from '../../shared/protocol.ts';
import type { ConnectionState } from '../feed.ts';
import { formatSpeed } from '../format.ts';
import { t } from '../i18n/index.ts';
import { CONNECTION_HINTS, CONNECTION_LABELS, SIMULATED } from '../strings.ts';
import { asSimulatedMark } from './sim-mark.ts';

/**
 * The pill and the SIMULATED mark of the top bar. Connected, the pill names the mode (LIVE or
 * REPLAY, beside the data clock); otherwise it names the connection problem, which matters more.
 */
export class Status {
  private readonly label: HTMLElement;
  private state: ConnectionState = 'connecting';
  private shown: Mode = 'live';
  private clockState: ClockState | undefined;
  private simulatedService = false;

  constructor(
    private readonly pill: HTMLElement,
    private readonly badge: HTMLElement,
  ) {
    pill.classList.add('pill');
    pill.setAttribute('role', 'status');
    pill.innerHTML = '<span class="pill-dot" aria-hidden="true"></span><span class="pill-label"></span>';
    this.label = pill.querySelector('.pill-label')!;
    asSimulatedMark(badge);
    this.connection('connecting');
  }

  connection(state: ConnectionState): void {
    this.state = state;
    this.render();
  }

  mode(mode: Mode): void {
    this.shown = mode;
    this.render();
  }

  /** The watched clock: a simulator driving it is said, with its speed. */
  clock(clock: ClockState | undefined): void {
    this.clockState = clock;
    this.renderMark();
  }

  /** The watched service is a simulated one (`GET /api/services`), whatever its clock says now. */
  service(simulated: boolean): void {
    this.simulatedService = simulated;
    this.renderMark();
  }

  private render(): void {
    const replay = this.state === 'live' && this.shown === 'replay';
    this.pill.dataset.state = replay ? 'replay' : this.state;
    this.label.textContent = replay ? t('common.replay') : CONNECTION_LABELS[this.state];
    this.pill.title = replay ? t('replayHint') : CONNECTION_HINTS[this.state];
  }

  private renderMark(): void {
    const clock = this.clockState;
    this.badge.hidden = !clock?.simulated && !this.simulatedService;
    this.badge.textContent = clock?.simulated ? SIMULATED.withSpeed(formatSpeed(clock.speed)) : SIMULATED.label;
  }
}
