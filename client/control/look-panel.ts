import type { Camera, ChannelState, ChannelUpdate, Theme } from '../../shared/protocol.ts';
import { THEMES } from '../../shared/protocol.ts';
import { report, say, type Driver } from './context.ts';
import { COMMON_ZONES, isTimeZone } from './time.ts';

type Bounds = [number, number, number, number];

/** Regions a newsroom asks for; east may pass 180 so a box can cross the antimeridian. */
export const CAMERA_PRESETS: ReadonlyArray<{ name: string; bounds: Bounds }> = [
  { name: 'World', bounds: [-170, -58, 190, 80] },
  { name: 'North America', bounds: [-170, 10, -50, 75] },
  { name: 'Europe', bounds: [-25, 34, 45, 71] },
  { name: 'Asia', bounds: [60, -10, 150, 55] },
  { name: 'Japan', bounds: [122, 24, 150, 46] },
];

const SIDES = ['west', 'south', 'east', 'north'] as const;

/** Why four numbers cannot be a camera box, or '' when they can (the server checks the ranges too). */
export function boundsProblem(b: number[]): string {
  if (b.length !== 4 || b.some((v) => !Number.isFinite(v))) return 'Enter all four numbers: west, south, east, north.';
  const [w, s, e, n] = b as Bounds;
  if (Math.abs(w) > 360 || Math.abs(e) > 360) return 'West and east are longitudes, between −360 and 360.';
  if (Math.abs(s) > 85 || Math.abs(n) > 85) return 'South and north are latitudes, between −85 and 85 (the map’s limit).';
  if (w >= e) return 'West must be less than east (use east above 180 to cross the antimeridian).';
  if (s >= n) return 'South must be less than north.';
  return '';
}

const sameBounds = (a: readonly number[], b: readonly number[]) => a.every((v, i) => v === b[i]);

/** What the screens look like: camera, theme, headline and the newsroom's time zone. */
export class LookPanel {
  private readonly cameraError: HTMLElement;
  private readonly textError: HTMLElement;
  private readonly bounds: HTMLInputElement[];
  private readonly headline: HTMLInputElement;
  private readonly zone: HTMLInputElement;
  private shown: { name: string; version: number } | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly driver: Driver,
  ) {
    root.innerHTML = `
      <h2 class="card-title">On screen</h2>
      <div class="group">
        <span class="field-label" id="camera-label">Camera</span>
        <div class="segmented" role="group" aria-labelledby="camera-label">
          <button type="button" class="btn" data-camera="auto" title="Fit the hottest countries, moving slowly">Auto: follow hottest</button>
          <button type="button" class="btn" data-camera="fixed" title="Hold the region below">Fixed</button>
        </div>
        <div class="row presets" role="group" aria-label="Fixed regions">
          ${CAMERA_PRESETS.map((p) => `<button type="button" class="btn btn-small" data-preset="${p.name}">${p.name}</button>`).join('')}
        </div>
        <form class="row bounds" novalidate>
          ${SIDES.map((s, i) => `<label class="field field-num">${s[0]!.toUpperCase()}${s.slice(1)}<input type="number" step="any" inputmode="decimal" name="${s}" placeholder="${CAMERA_PRESETS[0]!.bounds[i]}" /></label>`).join('')}
          <button type="submit" class="btn">Set box</button>
        </form>
        <p class="field-error" data-for="camera" role="alert" hidden></p>
      </div>
      <div class="group">
        <span class="field-label" id="theme-label">Theme</span>
        <div class="segmented" role="group" aria-labelledby="theme-label">
          ${THEMES.map((t) => `<button type="button" class="btn" data-theme="${t}">${t === 'dark' ? 'Dark' : 'Light'}</button>`).join('')}
        </div>
      </div>
      <form class="group" data-form="headline" novalidate>
        <label class="field-label" for="headline">Headline</label>
        <div class="row">
          <input id="headline" class="grow" maxlength="120" autocomplete="off" placeholder="e.g. X is down for thousands" />
          <button type="submit" class="btn">Apply</button>
        </div>
        <p class="hint" data-dirty hidden>Not on screen yet: press Enter or Apply.</p>
      </form>
      <form class="group" data-form="zone" novalidate>
        <label class="field-label" for="zone">Newsroom time zone</label>
        <div class="row">
          <input id="zone" class="grow" list="zones" autocomplete="off" spellcheck="false" placeholder="Europe/London" />
          <button type="submit" class="btn">Apply</button>
        </div>
        <datalist id="zones">${COMMON_ZONES.map((z) => `<option value="${z}"></option>`).join('')}</datalist>
      </form>
      <p class="field-error" data-for="text" role="alert" hidden></p>`;
    this.cameraError = root.querySelector('[data-for="camera"]')!;
    this.textError = root.querySelector('[data-for="text"]')!;
    this.bounds = [...root.querySelectorAll<HTMLInputElement>('.bounds input')];
    this.headline = root.querySelector('#headline')!;
    this.zone = root.querySelector('#zone')!;

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
      if (!isTimeZone(zone)) return say(this.textError, `"${zone}" is not an IANA time zone such as Europe/London.`);
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
    for (const t of THEMES) this.press(`[data-theme="${t}"]`, state.theme === t);
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
