import { REPLAY_SPEEDS } from '../shared/protocol.ts';

/** What the address bar carries: enough to reopen the same frame from a pasted link. */
export interface ViewState {
  service: string | undefined;
  /** Replay data time (epoch ms); undefined means live. */
  t: number | undefined;
  speed: number;
  playing: boolean;
}

export const DEFAULT_SPEED = 60;

/** A speed from a link, snapped to the nearest one the controls offer (the server caps speeds too). */
export function snapSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed <= 0) return DEFAULT_SPEED;
  return REPLAY_SPEEDS.reduce((best, s) => (Math.abs(Math.log(s / speed)) < Math.abs(Math.log(best / speed)) ? s : best), DEFAULT_SPEED);
}

/** `t` as a link shows it: ISO 8601 UTC to the second, so people can read and edit it. */
export function formatUrlTime(t: number): string {
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function parseTime(raw: string | null): number | undefined {
  if (!raw) return undefined;
  // Epoch milliseconds are accepted too, as the watch request does.
  const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  return Number.isFinite(t) ? t : undefined;
}

export function readViewState(search = location.search): ViewState {
  const params = new URLSearchParams(search);
  const t = parseTime(params.get('t'));
  const speed = params.get('speed');
  return {
    service: params.get('service') || undefined,
    t,
    speed: speed ? snapSpeed(Number(speed)) : DEFAULT_SPEED,
    // A link without `playing` plays, like a video link; `playing=0` opens on the paused frame.
    playing: params.get('playing') !== '0',
  };
}

/** The page's address for a state, keeping any other parameters the page may have been given. */
export function viewUrl(state: ViewState, base = location.href): URL {
  const url = new URL(base);
  const params = url.searchParams;
  if (state.service) params.set('service', state.service);
  else params.delete('service');
  if (state.t === undefined) {
    for (const key of ['t', 'speed', 'playing']) params.delete(key);
  } else {
    params.set('t', formatUrlTime(state.t));
    params.set('speed', String(state.speed));
    params.set('playing', state.playing ? '1' : '0');
  }
  // URLSearchParams encodes the colons of the time; a link reads better without that.
  url.search = params.toString().replace(/%3A/gi, ':');
  return url;
}

/**
 * Sets one parameter of the address (removes it for undefined), keeping the rest and adding no
 * history entry: for a setting outside ViewState such as the clock's zone (`tz`). The UrlWriter
 * rebuilds from the current address, so the two never undo each other.
 */
export function writeParam(name: string, value: string | undefined, base = location.href): void {
  const url = new URL(base);
  if (value === undefined) url.searchParams.delete(name);
  else url.searchParams.set(name, value);
  // The same readable form as viewUrl: "t=2022-12-29T00:45:00Z", "tz=America/New_York".
  url.search = url.searchParams.toString().replace(/%3A/gi, ':').replace(/%2F/gi, '/');
  if (url.href !== location.href) history.replaceState(history.state, '', url);
}

// Safari throws after more than 100 history.replaceState calls per 30 seconds (maplibre's hash.ts
// notes the same for the hash); one write per 350 ms stays under that while a replay plays.
const MIN_INTERVAL_MS = 350;

/** Writes the state into the address bar with replaceState, at most every 350 ms, last one wins. */
export class UrlWriter {
  private last = 0;
  private timer = 0;
  private next: ViewState | undefined;

  write(state: ViewState): void {
    this.next = state;
    if (this.timer) return;
    const wait = this.last + MIN_INTERVAL_MS - performance.now();
    if (wait <= 0) this.flush();
    else this.timer = window.setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = 0;
    const state = this.next;
    this.next = undefined;
    if (!state) return;
    this.last = performance.now();
    const url = viewUrl(state);
    if (url.href !== location.href) history.replaceState(history.state, '', url);
  }
}
