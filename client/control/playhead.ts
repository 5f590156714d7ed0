import type { ChannelState, ChannelUpdate, ServiceInfo } from '../../shared/protocol.ts';
import { REPLAY_SPEEDS } from '../../shared/protocol.ts';
import { serviceName } from '../../shared/services.ts';
import { MINUTE_MS } from '../../shared/time.ts';
import { formatCount, formatSpeed, UTC, zoneLabel } from '../format.ts';
import { locale, t, t as message, translatePage } from '../i18n/index.ts';
import { report, say, type Driver } from './context.ts';
import { dataTimeOf, formatFull, fromZonedInputValue, toZonedInputValue } from './time.ts';

// Inline SVG, as on the map page: the media symbols are missing from many system fonts.
const icon = (path: string) => `<svg class="icon" viewBox="0 0 16 16" aria-hidden="true"><path d="${path}"/></svg>`;
const PLAY = icon('M4 2.5v11l9.5-5.5z');
const PAUSE = icon('M4 3h3v10H4zM9 3h3v10H9z');

const STEPS = [-15, -1, 1, 15] as const;

/** A step button's words: "−15 min", and "Back 15 min (Shift ←)" with the arrow of the reading direction. */
function stepWords(minutes: number): { label: string; title: string } {
  const rtl = locale().dir === 'rtl';
  const arrow = (minutes < 0) !== rtl ? '←' : '→';
  const count = Math.abs(minutes);
  const key = count > 1 ? t('control.withShift', { key: arrow }) : arrow;
  return {
    label: `${minutes < 0 ? '−' : '+'}${t('common.minutes', { count })}`,
    title: t(minutes < 0 ? 'control.stepBack' : 'control.stepForward', { minutes: formatCount(count), key }),
  };
}

/** Service, live or replay, play and pause, speed and seek: everything about where the screens are. */
export class PlayheadPanel {
  private readonly badge: HTMLElement;
  private readonly utc: HTMLTimeElement;
  private readonly zone: HTMLElement;
  private readonly motion: HTMLElement;
  private readonly service: HTMLSelectElement;
  private readonly live: HTMLButtonElement;
  private readonly replay: HTMLButtonElement;
  private readonly play: HTMLButtonElement;
  private readonly speed: HTMLSelectElement;
  private readonly seek: HTMLInputElement;
  private readonly seekLabel: HTMLElement;
  private readonly forward: HTMLButtonElement[];
  private readonly error: HTMLElement;
  private services: string[] = [];
  /** The seek field holds the producer's own value until it is sent; polls must not overwrite it. */
  private seekDirty = false;
  private shown: { name: string; version: number } | undefined;

  constructor(
    root: HTMLElement,
    private readonly driver: Driver,
  ) {
    root.innerHTML = `
      <h2 class="card-title" data-i18n="control.playhead"></h2>
      <div class="now">
        <span class="mode-badge"></span>
        <div class="now-times">
          <time class="now-utc"></time>
          <span><span class="now-motion"></span> · <span class="now-zone muted"></span></span>
        </div>
      </div>
      <div class="row">
        <div class="segmented" role="group" data-i18n-attr="aria-label:control.mode">
          <button type="button" class="btn btn-big btn-live" data-act="live" data-i18n="common.live" data-i18n-attr="title:control.followLive"></button>
          <button type="button" class="btn btn-big btn-replay" data-act="replay" data-i18n="common.replay" data-i18n-attr="title:control.holdReplay"></button>
        </div>
        <button type="button" class="btn btn-big btn-play" data-act="play"></button>
      </div>
      <div class="row">
        <label class="field"><span data-i18n="control.speed"></span> <select class="speed"></select></label>
        <label class="field"><span data-i18n="control.service"></span> <select class="service"></select></label>
      </div>
      <form class="seek row" novalidate>
        <label class="field"><span class="seek-label"></span> <input type="datetime-local" step="60" /></label>
        <button type="submit" class="btn" data-i18n="control.go"></button>
      </form>
      <div class="row quick" role="group" data-i18n-attr="aria-label:control.steps">
        ${STEPS.map((m) => `<button type="button" class="btn" data-step="${m}"></button>`).join('')}
      </div>
      <p class="field-error" role="alert" hidden></p>`;
    translatePage(root);
    for (const button of root.querySelectorAll<HTMLButtonElement>('[data-step]')) {
      const { label, title } = stepWords(Number(button.dataset.step));
      button.textContent = label;
      button.title = title;
    }
    const q = <T extends Element>(selector: string) => root.querySelector<T>(selector)!;
    this.badge = q('.mode-badge');
    this.utc = q('.now-utc');
    this.zone = q('.now-zone');
    this.motion = q('.now-motion');
    this.service = q('.service');
    this.live = q('[data-act="live"]');
    this.replay = q('[data-act="replay"]');
    this.play = q('[data-act="play"]');
    this.speed = q('.speed');
    this.seek = q('input[type="datetime-local"]');
    this.seekLabel = q('.seek-label');
    this.forward = [...root.querySelectorAll<HTMLButtonElement>('[data-step]')].filter((b) => Number(b.dataset.step) > 0);
    this.error = q('.field-error');

    this.live.addEventListener('click', () => void this.goLive());
    this.replay.addEventListener('click', () => void this.goReplay());
    this.play.addEventListener('click', () => void this.togglePlay());
    this.speed.addEventListener('change', () => void this.apply({ speed: Number(this.speed.value) }));
    this.service.addEventListener('change', () => void this.apply({ service: this.service.value }));
    this.seek.addEventListener('input', () => (this.seekDirty = true));
    q('form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.seekToInput();
    });
    root.querySelector('.quick')!.addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-step]');
      if (button) void this.step(Number(button.dataset.step) * MINUTE_MS);
    });
  }

  setServices(services: ServiceInfo[]): void {
    this.services = services.map((s) => s.id);
    const state = this.driver.state();
    if (state) this.fillServices(state.service);
  }

  /** Shows the server's state of the selected channel. */
  render(state: ChannelState): void {
    const changed = this.shown?.name !== state.name || this.shown.version !== state.version;
    if (this.shown?.name !== state.name) {
      this.seekDirty = false;
      say(this.error, '');
    }
    this.shown = { name: state.name, version: state.version };
    const live = state.mode === 'live';
    this.badge.dataset.mode = state.mode;
    this.badge.textContent = t(live ? 'common.live' : 'common.replay');
    this.live.setAttribute('aria-pressed', String(live));
    this.replay.setAttribute('aria-pressed', String(!live));
    const action = t(state.playing ? 'common.pause' : 'common.play');
    this.play.innerHTML = state.playing ? PAUSE : PLAY;
    this.play.append(Object.assign(document.createElement('span'), { textContent: action }));
    this.play.title = t('playback.playHint', { action });
    // A live channel runs on the service's clock; the speed only matters once it is a replay.
    this.speed.disabled = live;
    this.speed.title = t(live ? 'control.speedLive' : 'control.speedReplay');
    // A speed set through the API outside the offered list is still shown as it is, not as 1×.
    const speeds: number[] = [...REPLAY_SPEEDS];
    if (!speeds.includes(state.speed)) speeds.push(state.speed);
    if (this.speed.options.length !== speeds.length) {
      this.speed.replaceChildren(...speeds.sort((a, b) => a - b).map((s) => new Option(formatSpeed(s), String(s))));
    }
    this.speed.value = String(state.speed);
    for (const b of this.forward) b.disabled = live;
    this.fillServices(state.service);
    // The field is on the newsroom's clock, as the producer says the time on air (a new zone is a
    // new version, so the value follows it).
    this.seekLabel.textContent = message('control.seekTo', { zone: zoneLabel(state.timeZone, dataTimeOf(state)) });
    if (changed && !this.seekDirty && document.activeElement !== this.seek) {
      this.seek.value = toZonedInputValue(dataTimeOf(state), state.timeZone);
    }
    this.tick();
  }

  tick(now = Date.now()): void {
    const state = this.driver.state();
    if (!state) return;
    const t = dataTimeOf(state, now);
    this.utc.dateTime = new Date(t).toISOString();
    this.utc.textContent = formatFull(t);
    // The newsroom's clock, unless it is UTC itself (the line above already says it).
    const local = state.timeZone === UTC || state.timeZone === 'Etc/UTC' ? '' : formatFull(t, state.timeZone);
    this.zone.textContent = local || message('control.newsroomZone', { zone: state.timeZone });
    this.motion.textContent = state.playing ? message('control.playingAt', { speed: formatSpeed(state.speed) }) : message('control.paused');
    this.motion.dataset.playing = String(state.playing);
  }

  goLive(): Promise<void> {
    return this.driver.state()?.mode === 'live' ? Promise.resolve() : this.apply({ mode: 'live' });
  }

  /** Holds the moment on air, so the switch itself does not jump the screens. */
  goReplay(): Promise<void> {
    const state = this.driver.state();
    if (!state || state.mode === 'replay') return Promise.resolve();
    return this.apply({ mode: 'replay', t: Math.round(dataTimeOf(state)) });
  }

  togglePlay(): Promise<void> {
    const state = this.driver.state();
    if (!state) return Promise.resolve();
    // Live cannot pause in place: pausing freezes the current moment as a replay.
    if (state.mode === 'live') return this.apply({ mode: 'replay', t: Math.round(dataTimeOf(state)), playing: false });
    return this.apply({ playing: !state.playing });
  }

  step(ms: number): Promise<void> {
    const state = this.driver.state();
    if (!state || (state.mode === 'live' && ms > 0)) return Promise.resolve();
    const t = Math.round(dataTimeOf(state) + ms);
    // Past the live edge there is no data yet; say what to press rather than send a refused seek.
    if (t > Date.now()) {
      say(this.error, message('control.pastLive'));
      return Promise.resolve();
    }
    return this.seekTo(t);
  }

  private seekToInput(): Promise<void> {
    const zone = this.driver.state()?.timeZone ?? UTC;
    const t = fromZonedInputValue(this.seek.value, zone);
    if (t === undefined) {
      say(this.error, message('control.pickTime', { zone: zoneLabel(zone) }));
      return Promise.resolve();
    }
    return this.seekTo(t);
  }

  private async seekTo(t: number): Promise<void> {
    const state = this.driver.state();
    if (!state) return;
    const update: ChannelUpdate = state.mode === 'live' ? { mode: 'replay', t } : { t };
    const result = await this.driver.send(update);
    if (result.ok) {
      this.seekDirty = false;
      this.seek.value = toZonedInputValue(dataTimeOf(result.state), result.state.timeZone);
    }
    report(this.error, result);
  }

  private async apply(update: ChannelUpdate): Promise<void> {
    const result = await this.driver.send(update);
    report(this.error, result);
    // A refused change leaves the selects showing what is really on air.
    const state = this.driver.state();
    if (!result.ok && state) this.render(state);
  }

  private fillServices(current: string): void {
    const ids = this.services.includes(current) ? this.services : [current, ...this.services];
    const now = [...this.service.options].map((o) => o.value);
    if (now.join() !== ids.join()) this.service.replaceChildren(...ids.map((id) => new Option(serviceName(id), id)));
    this.service.value = current;
  }
}
