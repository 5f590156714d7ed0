import type { Camera, ChannelState, ChannelUpdate, Theme } from '../../shared/protocol.ts';
import { THEMES } from '../../shared/protocol.ts';
import { LANGUAGES } from '../../shared/locale.ts';
import { languageName } from '../format.ts';
import { t, translatePage } from '../i18n/index.ts';
import { report, say, type Driver } from './context.ts';
import { COMMON_ZONES, isTimeZone } from './time.ts';

type Bounds = [number, number, number, number];

/** Regions a newsroom asks for; east may pass 180 so a box can cross the antimeridian. */
export const CAMERA_PRESETS = [
  { name: 'world', bounds: [-170, -58, 190, 80] },
  { name: 'northAmerica', bounds: [-170, 10, -50, 75] },
  { name: 'europe', bounds: [-25, 34, 45, 71] },
  { name: 'asia', bounds: [60, -10, 150, 55] },
  { name: 'japan', bounds: [122, 24, 150, 46] },
] as const satisfies ReadonlyArray<{ name: string; bounds: Bounds }>;

const SIDES = ['west', 'south', 'east', 'north'] as const;

/** Why four numbers cannot be a camera box, or '' when they can (the server checks the ranges too). */
export function boundsProblem(b: number[]): string {
  if (b.length !== 4 || b.some((v) => !Number.isFinite(v))) return t('control.bounds.missing');
  const [w, s, e, n] = b as Bounds;
  if (Math.abs(w) > 360 || Math.abs(e) > 360) return t('control.bounds.longitude');
  if (Math.abs(s) > 85 || Math.abs(n) > 85) return t('control.bounds.latitude');
  if (w >= e) return t('control.bounds.westEast');
  if (s >= n) return t('control.bounds.southNorth');
  return '';
}

const sameBounds = (a: readonly number[], b: readonly number[]) => a.every((v, i) => v === b[i]);

/** What the screens look like: camera, theme, headline, the newsroom's time zone and the screens' language. */
export class LookPanel {
  private readonly cameraError: HTMLElement;
  private readonly textError: HTMLElement;
  private readonly bounds: HTMLInputElement[];
  private readonly headline: HTMLInputElement;
  private readonly zone: HTMLInputElement;
  private readonly language: HTMLSelectElement;
  private readonly problems: HTMLInputElement;
  private shown: { name: string; version: number } | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly driver: Driver,
  ) {
    root.innerHTML = `
      <h2 class="card-title" data-i18n="control.onScreen"></h2>
      <div class="group">
        <span class="field-label" id="camera-label" data-i18n="control.camera"></span>
        <div class="segmented" role="group" aria-labelledby="camera-label">
          <button type="button" class="btn" data-camera="auto" data-i18n="control.cameraAuto" data-i18n-attr="title:control.cameraAutoHint"></button>
          <button type="button" class="btn" data-camera="fixed" data-i18n="control.cameraFixed" data-i18n-attr="title:control.cameraFixedHint"></button>
        </div>
        <div class="row presets" role="group" data-i18n-attr="aria-label:control.regions">
          ${CAMERA_PRESETS.map((p) => `<button type="button" class="btn btn-small" data-preset="${p.name}" data-i18n="control.presets.${p.name}"></button>`).join('')}
        </div>
        <form class="row bounds" novalidate>
          ${SIDES.map((s, i) => `<label class="field field-num"><span data-i18n="control.sides.${s}"></span><input type="number" step="any" inputmode="decimal" name="${s}" placeholder="${CAMERA_PRESETS[0].bounds[i]}" /></label>`).join('')}
          <button type="submit" class="btn" data-i18n="control.setBox"></button>
        </form>
        <p class="field-error" data-for="camera" role="alert" hidden></p>
      </div>
      <div class="group">
        <span class="field-label" id="theme-label" data-i18n="control.theme"></span>
        <div class="segmented" role="group" aria-labelledby="theme-label">
          ${THEMES.map((theme) => `<button type="button" class="btn" data-theme="${theme}" data-i18n="control.themes.${theme}"></button>`).join('')}
        </div>
      </div>
      <form class="group" data-form="headline" novalidate>
        <label class="field-label" for="headline" data-i18n="control.headline"></label>
        <div class="row">
          <input id="headline" class="grow" maxlength="120" autocomplete="off" data-i18n-attr="placeholder:control.headlineExample" />
          <button type="submit" class="btn" data-i18n="control.apply"></button>
        </div>
        <p class="hint" data-dirty data-i18n="control.notOnScreen" hidden></p>
      </form>
      <form class="group" data-form="zone" novalidate>
        <label class="field-label" for="zone" data-i18n="control.zone"></label>
        <div class="row">
          <input id="zone" class="grow" list="zones" autocomplete="off" spellcheck="false" dir="ltr" placeholder="Europe/London" />
          <button type="submit" class="btn" data-i18n="control.apply"></button>
        </div>
        <datalist id="zones">${COMMON_ZONES.map((z) => `<option value="${z}"></option>`).join('')}</datalist>
      </form>
      <div class="group">
        <label class="field-label" for="screen-language" data-i18n="control.language"></label>
        <select id="screen-language" aria-describedby="screen-language-hint">
          <option value="" data-i18n="control.languageOwn"></option>
          ${LANGUAGES.map((code) => `<option value="${code}" lang="${code}"></option>`).join('')}
        </select>
        <p id="screen-language-hint" class="hint" data-i18n="control.languageHint"></p>
      </div>
      <div class="group">
        <label class="check"><input type="checkbox" id="screen-problems" /> <span data-i18n="problems.onScreens"></span></label>
      </div>
      <p class="field-error" data-for="text" role="alert" hidden></p>`;
    translatePage(root);
    this.cameraError = root.querySelector('[data-for="camera"]')!;
    this.textError = root.querySelector('[data-for="text"]')!;
    this.bounds = [...root.querySelectorAll<HTMLInputElement>('.bounds input')];
    this.headline = root.querySelector('#headline')!;
    this.zone = root.querySelector('#zone')!;
    this.language = root.querySelector('#screen-language')!;
    this.problems = root.querySelector('#screen-problems')!;
    this.problems.addEventListener('change', () => void this.send({ problems: this.problems.checked }, this.textError));
    // Each language by its name in the console's language; the option's lang lets a reader voice it.
    for (const option of this.language.options) if (option.value) option.textContent = languageName(option.value);
    this.language.addEventListener('change', () => void this.send({ locale: this.language.value || null }, this.textError));

    root.addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[type="button"]');
      if (!b) return;
      if (b.dataset.camera === 'auto') void this.setCamera({ mode: 'auto' });
      if (b.dataset.camera === 'fixed') void this.fixedFromInputs();
      const preset = CAMERA_PRESETS.find((p) => p.name === b.dataset.preset);
      if (preset) void this.setCamera({ mode: 'fixed', bounds: [...preset.bounds] });
      if (b.dataset.theme) void this.send({ theme: b.dataset.theme as Theme }, this.textError);
    });
    root.querySelector('.bounds')!.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.fixedFromInputs();
    });
    this.headline.addEventListener('input', () => this.markDirty());
    this.zone.addEventListener('input', () => say(this.textError, ''));
    root.querySelector('[data-form="headline"]')!.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.send({ headline: this.headline.value.trim() }, this.textError, () => this.markDirty());
    });
    root.querySelector('[data-form="zone"]')!.addEventListener('submit', (e) => {
      e.preventDefault();
      const zone = this.zone.value.trim();
      // The browser's own IANA database answers at once; the server would say the same a round trip later.
      if (!isTimeZone(zone)) return say(this.textError, t('control.badZone', { zone }));
      void this.send({ timeZone: zone }, this.textError);
    });
  }

  render(state: ChannelState): void {
    const fresh = this.shown?.name !== state.name || this.shown.version !== state.version;
    if (this.shown?.name !== state.name) {
      say(this.cameraError, '');
      say(this.textError, '');
      // Another channel: whatever was typed for the previous one does not belong here.
      this.headline.value = state.headline;
      this.zone.value = state.timeZone;
      this.bounds.forEach((i) => (i.value = ''));
    }
    this.shown = { name: state.name, version: state.version };
    const fixed = state.camera.mode === 'fixed' ? state.camera.bounds : undefined;
    this.press('[data-camera="auto"]', !fixed);
    this.press('[data-camera="fixed"]', !!fixed);
    for (const p of CAMERA_PRESETS) this.press(`[data-preset="${p.name}"]`, !!fixed && sameBounds(fixed, p.bounds));
    for (const theme of THEMES) this.press(`[data-theme="${theme}"]`, state.theme === theme);
    // A regional tag ("en-GB") is shown as its language, the one choice the list offers for it.
    this.language.value = state.locale?.split('-')[0] ?? '';
    this.problems.checked = state.problems === true;
    if (fresh) {
      // Fields being edited keep the producer's text; the rest follow what is on air.
      if (fixed && !this.bounds.some((i) => i === document.activeElement)) this.bounds.forEach((i, k) => (i.value = String(fixed[k])));
      if (document.activeElement !== this.headline && !this.dirty()) this.headline.value = state.headline;
      if (document.activeElement !== this.zone) this.zone.value = state.timeZone;
    }
    this.markDirty();
  }

  private press(selector: string, on: boolean): void {
    this.root.querySelector(selector)?.setAttribute('aria-pressed', String(on));
  }

  private dirty(): boolean {
    const state = this.driver.state();
    return !!state && this.headline.value.trim() !== state.headline;
  }

  private markDirty(): void {
    this.root.querySelector<HTMLElement>('[data-dirty]')!.hidden = !this.dirty();
  }

  private fixedFromInputs(): Promise<void> {
    const empty = this.bounds.every((i) => i.value === '');
    // "Fixed" with no box typed yet holds the world rather than asking for four numbers first.
    const bounds = empty ? [...CAMERA_PRESETS[0]!.bounds] : this.bounds.map((i) => (i.value === '' ? NaN : Number(i.value)));
    const problem = boundsProblem(bounds);
    if (problem) {
      say(this.cameraError, problem);
      return Promise.resolve();
    }
    return this.setCamera({ mode: 'fixed', bounds: bounds as Bounds });
  }

  private setCamera(camera: Camera): Promise<void> {
    return this.send({ camera }, this.cameraError);
  }

  private async send(update: ChannelUpdate, where: HTMLElement, after?: () => void): Promise<void> {
    report(where, await this.driver.send(update));
    after?.();
  }
}
