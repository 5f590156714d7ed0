import type { ChannelState } from '../../shared/protocol.ts';
import { say } from './context.ts';
import { serviceName } from '../../shared/services.ts';
import { formatCount, formatSpeed, formatZoned, UTC } from '../format.ts';
import { t, translatePage } from '../i18n/index.ts';
import { dataTimeOf } from './time.ts';

/**
 * The server's own rule (`channelName` in shared/schemas.ts) repeated for an instant hint; the
 * server still validates and its answer is what counts.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

export interface ChannelListHooks {
  select(name: string): void;
  /** Creates the channel; resolves with an error message, or '' once it exists. */
  create(name: string): Promise<string>;
}

interface Row {
  item: HTMLLIElement;
  button: HTMLButtonElement;
  time: HTMLTimeElement;
  state: ChannelState;
}

/** Every channel at a glance (each producer sees the others' changes) and the form for a new one. */
export class ChannelList {
  private readonly rows = new Map<string, Row>();
  private readonly list: HTMLUListElement;
  private readonly empty: HTMLElement;
  private readonly count: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly submit: HTMLButtonElement;
  private readonly error: HTMLElement;
  private selected: string | undefined;

  constructor(
    root: HTMLElement,
    private readonly hooks: ChannelListHooks,
  ) {
    root.innerHTML = `
      <h2 class="card-title"><span data-i18n="control.channels"></span> <span class="muted count"></span></h2>
      <ul class="channel-list"></ul>
      <p class="muted empty" data-i18n="control.noChannels" hidden></p>
      <form class="new-channel" novalidate>
        <label for="new-channel-name" class="field-label" data-i18n="control.newChannel"></label>
        <div class="row">
          <input id="new-channel-name" name="name" maxlength="64" placeholder="wall-1" autocomplete="off"
            spellcheck="false" autocapitalize="off" aria-describedby="new-channel-hint" />
          <button type="submit" class="btn" data-i18n="control.create"></button>
        </div>
        <p id="new-channel-hint" class="hint" data-i18n="control.nameHint"></p>
        <p class="field-error" role="alert" hidden></p>
      </form>`;
    translatePage(root);
    this.list = root.querySelector('.channel-list')!;
    this.empty = root.querySelector('.empty')!;
    this.count = root.querySelector('.count')!;
    this.input = root.querySelector('input')!;
    this.submit = root.querySelector('button[type="submit"]')!;
    this.error = root.querySelector('.field-error')!;

    this.list.addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-name]');
      if (button) hooks.select(button.dataset.name!);
    });
    // Up and down walk the list like a menu, so a producer can switch channels without the mouse.
    this.list.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
      const buttons = [...this.list.querySelectorAll<HTMLButtonElement>('button[data-name]')];
      const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
      const next = buttons[Math.max(0, Math.min(buttons.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)))];
      if (next) {
        next.focus();
        e.preventDefault();
      }
    });
    this.input.addEventListener('input', () => say(this.error, ''));
    root.querySelector('form')!.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.create();
    });
  }

  /** Shows the server's list; rows are reused by name so focus and scroll survive each poll. */
  render(channels: ChannelState[], selected: string | undefined): void {
    this.selected = selected;
    const sorted = [...channels].sort((a, b) => a.name.localeCompare(b.name));
    const seen = new Set<string>();
    for (const state of sorted) {
      seen.add(state.name);
      const row = this.rows.get(state.name) ?? this.row(state.name);
      row.state = state;
      this.fill(row);
      this.list.append(row.item);
    }
    for (const [name, row] of this.rows) {
      if (seen.has(name)) continue;
      row.item.remove();
      this.rows.delete(name);
    }
    this.count.textContent = channels.length ? t('common.count', { n: formatCount(channels.length) }) : '';
    this.empty.hidden = channels.length > 0;
    this.tick();
  }

  /** Advances the data times without touching the rest of the DOM. */
  tick(now = Date.now()): void {
    for (const row of this.rows.values()) {
      const t = dataTimeOf(row.state, now);
      row.time.dateTime = new Date(t).toISOString();
      // Only the UTC clock in the compact list; the date shows in the detail view.
      row.time.textContent = formatZoned(t, UTC, true);
    }
  }

  focusName(): void {
    this.input.focus();
  }

  private row(name: string): Row {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'channel-row';
    button.dataset.name = name;
    button.innerHTML = `
      <span class="ch-name" translate="no"></span><span class="mode-pill"></span>
      <span class="ch-meta"><span class="ch-service"></span> · <time class="ch-time"></time> · <span class="ch-play"></span></span>`;
    item.append(button);
    const row: Row = { item, button, time: button.querySelector('time')!, state: undefined as never };
    this.rows.set(name, row);
    return row;
  }

  private fill(row: Row): void {
    const { state, button } = row;
    const current = state.name === this.selected;
    button.setAttribute('aria-current', String(current));
    button.querySelector('.ch-name')!.textContent = state.name;
    const pill = button.querySelector<HTMLElement>('.mode-pill')!;
    pill.dataset.mode = state.mode;
    pill.textContent = t(`common.${state.mode}`);
    button.querySelector('.ch-service')!.textContent = serviceName(state.service);
    button.querySelector('.ch-play')!.textContent = state.playing ? t('common.playing', { speed: formatSpeed(state.speed) }) : t('common.paused');
  }

  private async create(): Promise<void> {
    const name = this.input.value.trim();
    if (!NAME.test(name)) {
      say(this.error, t(name ? 'control.nameRule' : 'control.nameFirst'));
      this.input.focus();
      return;
    }
    if (this.rows.has(name)) {
      // Creating an existing channel would only reset nothing; selecting it is what was meant.
      this.input.value = '';
      this.hooks.select(name);
      return;
    }
    this.submit.disabled = true;
    try {
      const error = await this.hooks.create(name);
      say(this.error, error);
      if (!error) this.input.value = '';
    } finally {
      this.submit.disabled = false;
    }
  }
}
