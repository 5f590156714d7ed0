import { REPLAY_SPEEDS } from '../../shared/protocol.ts';
import { MINUTE_MS } from '../../shared/time.ts';
import { formatSpeed } from '../format.ts';
import { locale, t } from '../i18n/index.ts';
import type { Playback } from '../replay.ts';
import { viewUrl } from '../url-state.ts';

export interface ControlHooks {
  /** Where "jump to peak" goes: the selected incident's peak, else the highest total in view. */
  peak(): number | undefined;
}

// Inline SVG: the media symbols (⏮ ⏸) are missing from many system fonts and show as boxes.
const icon = (path: string) => `<svg class="ctl-icon" viewBox="0 0 16 16" aria-hidden="true"><path d="${path}"/></svg>`;
const ICONS = {
  back: icon('M3 3h2v10H3zM14 3v10L6 8z'),
  fwd: icon('M11 3h2v10h-2zM2 3v10l8-5z'),
  play: icon('M4 2.5v11l9.5-5.5z'),
  pause: icon('M4 3h3v10H4zM9 3h3v10H9z'),
  peak: icon('M2 14h12v-1.5H2zM8 2 3 8h3.2v3.5h3.6V8H13z'),
  link: icon('M6.5 9.5a3 3 0 0 0 4.2 0l2.6-2.6a3 3 0 0 0-4.2-4.2L8 3.8l1 1 1.1-1.1a1.6 1.6 0 0 1 2.2 2.2L9.7 8.5a1.6 1.6 0 0 1-2.2 0zM9.5 6.5a3 3 0 0 0-4.2 0L2.7 9.1a3 3 0 0 0 4.2 4.2L8 12.2l-1-1-1.1 1.1a1.6 1.6 0 0 1-2.2-2.2l2.6-2.6a1.6 1.6 0 0 1 2.2 0z'),
};

/** The replay buttons above the chart: step, play/pause, speed, peak, back to live, copy link. */
export class PlaybackControls {
  private readonly play: HTMLButtonElement;
  private readonly speed: HTMLSelectElement;
  private readonly live: HTMLButtonElement;
  private readonly forward: HTMLButtonElement;
  private readonly copy: HTMLButtonElement;
  private readonly fallback: HTMLInputElement;
  private readonly notice: HTMLElement;
  private copyTimer = 0;
  private noticeTimer = 0;

  constructor(
    root: HTMLElement,
    private readonly playback: Playback,
    hooks: ControlHooks,
  ) {
    root.classList.add('controls');
    // Catalogue text goes in with textContent and setAttribute below, never into this markup.
    root.innerHTML = `
      <button type="button" class="ctl" data-act="back"><span class="ctl-text ctl-min"></span></button>
      <button type="button" class="ctl ctl-play" data-act="play"></button>
      <button type="button" class="ctl" data-act="fwd"><span class="ctl-text ctl-min"></span></button>
      <label class="ctl-speed">
        <span class="visually-hidden"></span>
        <select></select>
      </label>
      <button type="button" class="ctl" data-act="peak"><span class="ctl-text"></span></button>
      <button type="button" class="ctl ctl-live" data-act="live"><span class="ctl-text"></span><span class="ctl-live-word"></span></button>
      <button type="button" class="ctl ctl-copy" data-act="copy"><span class="ctl-text"></span></button>
      <input class="ctl-url" readonly hidden />
      <p class="ctl-notice" role="alert" hidden></p>`;
    // Icons point the way time runs: in right-to-left pages "back" points right.
    const rtl = locale().dir === 'rtl';
    const back = root.querySelector<HTMLElement>('[data-act="back"]')!;
    back.insertAdjacentHTML('afterbegin', rtl ? ICONS.fwd : ICONS.back);
    root.querySelector('[data-act="fwd"]')!.insertAdjacentHTML('beforeend', rtl ? ICONS.back : ICONS.fwd);
    root.querySelector('[data-act="peak"]')!.insertAdjacentHTML('afterbegin', ICONS.peak);
    root.querySelector('[data-act="copy"]')!.insertAdjacentHTML('afterbegin', ICONS.link);
    const label = (selector: string, aria: string | undefined, title: string) => {
      const el = root.querySelector<HTMLElement>(selector)!;
      if (aria) el.setAttribute('aria-label', aria);
      el.title = title;
    };
    const [backKey, fwdKey] = rtl ? ['→', '←'] : ['←', '→'];
    // A spoken name holds the visible words ("1 min") so speech control finds the button (WCAG 2.5.3).
    const oneMinute = t('common.minutes', { count: 1 });
    label('[data-act="back"]', `${t('playback.back')} · ${oneMinute}`, t('playback.backHint', { key: backKey }));
    label('[data-act="fwd"]', `${t('playback.forward')} · ${oneMinute}`, t('playback.forwardHint', { key: fwdKey }));
    label('.ctl-speed', undefined, t('playback.speedHint'));
    label('select', t('playback.speed'), t('playback.speedHint'));
    label('[data-act="peak"]', t('playback.peakHint'), t('playback.peakHint'));
    label('[data-act="live"]', undefined, t('playback.backToLiveHint'));
    label('[data-act="copy"]', t('playback.copy'), t('playback.copyHint'));
    root.querySelector('.ctl-url')!.setAttribute('aria-label', t('playback.linkField'));
    root.querySelector('.ctl-speed .visually-hidden')!.textContent = t('playback.speed');
    for (const el of root.querySelectorAll('.ctl-min')) el.textContent = t('common.minutes', { count: 1 });
    root.querySelector('[data-act="peak"] .ctl-text')!.textContent = t('playback.peak');
    root.querySelector('[data-act="live"] .ctl-text')!.textContent = `${t('playback.backToLive')} `;
    root.querySelector('.ctl-live-word')!.textContent = t('playback.live');
    root.querySelector('[data-act="copy"] .ctl-text')!.textContent = t('playback.copy');
    this.play = root.querySelector('[data-act="play"]')!;
    this.live = root.querySelector('[data-act="live"]')!;
    this.forward = root.querySelector('[data-act="fwd"]')!;
    this.copy = root.querySelector('[data-act="copy"]')!;
    this.fallback = root.querySelector('.ctl-url')!;
    this.speed = root.querySelector('select')!;
    this.notice = root.querySelector('.ctl-notice')!;
    this.speed.replaceChildren(
      ...REPLAY_SPEEDS.map((s) => {
        const option = document.createElement('option');
        option.value = String(s);
        option.textContent = formatSpeed(s);
        return option;
      }),
    );
    this.speed.addEventListener('change', () => {
      playback.setSpeed(Number(this.speed.value));
      // Keys go back to the page, so space plays and pauses rather than reopening the list.
      this.speed.blur();
    });

    const actions: Record<string, () => void> = {
      back: () => playback.step(-MINUTE_MS),
      fwd: () => playback.step(MINUTE_MS),
      play: () => playback.toggle(),
      peak: () => {
        const t = hooks.peak();
        // The peak is a frame to look at (and link to), so it pauses there.
        if (t !== undefined) playback.seek(t, false);
      },
      live: () => playback.live(),
      copy: () => void this.copyLink(),
    };
    root.addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-act]');
      if (!button) return;
      actions[button.dataset.act!]?.();
      // After a mouse click (detail > 0) focus leaves the button, so a later space press plays or
      // pauses instead of clicking it again; keyboard users keep their focus.
      if (e.detail > 0) button.blur();
    });
    playback.onChange(() => this.render());
    this.render();
  }

  render(): void {
    const playing = this.playback.playing();
    const replay = this.playback.mode() === 'replay';
    this.play.innerHTML = playing ? ICONS.pause : ICONS.play;
    const action = playing ? t('common.pause') : t('common.play');
    this.play.setAttribute('aria-label', action);
    this.play.title = t('playback.playHint', { action });
    this.play.setAttribute('aria-pressed', String(playing));
    this.speed.value = String(this.playback.speed());
    this.speed.title = replay ? t('playback.speed') : t('playback.speedLive');
    this.live.hidden = !replay;
    // Live is already the newest minute; there is nothing ahead of it.
    this.forward.disabled = !replay;
  }

  /** A short-lived message, e.g. a refused seek, without hiding the map's own state. */
  say(text: string): void {
    this.notice.textContent = text;
    this.notice.hidden = false;
    window.clearTimeout(this.noticeTimer);
    this.noticeTimer = window.setTimeout(() => (this.notice.hidden = true), 6000);
  }

  private async copyLink(): Promise<void> {
    const url = viewUrl(this.playback.viewState()).href;
    try {
      await navigator.clipboard.writeText(url);
      this.flash(t('playback.copied'));
    } catch {
      // No clipboard (plain http on another host, or permission refused): let the viewer copy it.
      this.fallback.value = url;
      this.fallback.hidden = false;
      this.fallback.focus();
      this.fallback.select();
      this.fallback.addEventListener('blur', () => (this.fallback.hidden = true), { once: true });
    }
  }

  private flash(text: string): void {
    const label = this.copy.querySelector('.ctl-text')!;
    label.textContent = text;
    this.copy.classList.add('is-done');
    window.clearTimeout(this.copyTimer);
    this.copyTimer = window.setTimeout(() => {
      label.textContent = t('playback.copy');
      this.copy.classList.remove('is-done');
    }, 1500);
  }
}
