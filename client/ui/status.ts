import type { ClockState, Mode } from '../../shared/protocol.ts';
import type { ConnectionState } from '../socket.ts';

const LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting',
  live: 'Live',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
};

const HINTS: Record<ConnectionState, string> = {
  connecting: 'Connecting to the server',
  live: 'Receiving updates as they happen',
  reconnecting: 'Connection lost; reconnecting',
  offline: 'Server unreachable; still retrying',
};

const speedFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/**
 * The pill and the SIMULATED badge of the top bar. Connected, the pill names the mode (LIVE or
 * REPLAY, beside the data clock); otherwise it names the connection problem, which matters more.
 */
export class Status {
  private readonly label: HTMLElement;
  private state: ConnectionState = 'connecting';
  private shown: Mode = 'live';

  constructor(
    private readonly pill: HTMLElement,
    private readonly badge: HTMLElement,
  ) {
    pill.classList.add('pill');
    pill.setAttribute('role', 'status');
    pill.innerHTML = '<span class="pill-dot" aria-hidden="true"></span><span class="pill-label"></span>';
    this.label = pill.querySelector('.pill-label')!;
    badge.classList.add('badge-simulated');
    badge.hidden = true;
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

  private render(): void {
    const replay = this.state === 'live' && this.shown === 'replay';
    this.pill.dataset.state = replay ? 'replay' : this.state;
    this.label.textContent = replay ? 'Replay' : LABELS[this.state];
    this.pill.title = replay ? 'Playing back stored history, not live reports' : HINTS[this.state];
  }

  /** Data that a simulator drives must never pass for real reports. */
  clock(clock: ClockState | undefined): void {
    this.badge.hidden = !clock?.simulated;
    if (clock?.simulated) {
      this.badge.textContent = `SIMULATED · ${speedFormat.format(clock.speed)}×`;
      this.badge.title = 'Replayed or synthetic data, not live reports';
    }
  }
}
