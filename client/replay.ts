import type { Mode, Snapshot } from '../shared/protocol.ts';
import { MINUTE_MS } from '../shared/time.ts';
import type { PlayheadFeed } from './feed.ts';
import { DEFAULT_SPEED, type UrlWriter, type ViewState } from './url-state.ts';

/** Within this of the server's now, playing a replay means watching live (nothing left to replay). */
const LIVE_EDGE_MS = 5_000;

/**
 * The playhead the viewer asked for, and every control as a change of it. Live is a playhead at
 * now; any other time is a private replay channel. Each change is one `watch` (the feed keeps one
 * in flight); the controls show the request at once and the snapshot's answer when it arrives.
 */
export class Playback {
  private desired: ViewState = { service: undefined, t: undefined, speed: DEFAULT_SPEED, playing: true };
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly feed: PlayheadFeed,
    private readonly url: UrlWriter,
  ) {}

  /** Calls `listener` whenever the requested or confirmed state changes. */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  service(): string | undefined {
    return this.desired.service;
  }

  /** The mode the controls show (the request, so a click answers at once). */
  mode(): Mode {
    return this.desired.t === undefined ? 'live' : 'replay';
  }

  playing(): boolean {
    return this.mode() === 'live' || this.desired.playing;
  }

  /** The replay speed chosen (kept while live, for the next rewind). */
  speed(): number {
    return this.desired.speed;
  }

  /** Data time shown: the requested time while a seek is on its way, else the feed's clock. */
  dataTime(): number {
    if (this.feed.busy() && this.desired.t !== undefined && !this.desired.playing) return this.desired.t;
    return this.feed.dataTime();
  }

  /** The state to put in a link: a playing replay is captured at its current data time. */
  viewState(): ViewState {
    const t = this.desired.t === undefined ? undefined : this.dataTime();
    return { ...this.desired, t };
  }

  /** Opens `state` (from the URL or an incident link). */
  open(state: ViewState): void {
    this.request({ ...state, t: state.t === undefined ? undefined : Math.min(state.t, this.feed.serverNow()) });
  }

  live(service = this.desired.service): void {
    this.request({ ...this.desired, service, t: undefined, playing: true });
  }

  /**
   * Another service at the same moment ("was Facebook down then too?"): live stays live, a replay
   * keeps its data time, speed and play state.
   */
  switchService(service: string): void {
    if (this.mode() === 'live') this.live(service);
    else this.request({ ...this.desired, service, t: this.dataTime() });
  }

  /** Moves the playhead; from live it pauses there (rewinding), in a replay it keeps playing or not. */
  seek(t: number, play?: boolean): void {
    const playing = play ?? (this.mode() === 'replay' && this.desired.playing);
    this.request({ ...this.desired, t: Math.min(t, this.feed.serverNow()), playing });
  }

  /** Steps by `deltaMs` to a whole minute (frames are per minute), from the newest requested time. */
  step(deltaMs: number): void {
    const base = this.mode() === 'replay' && this.feed.busy() ? this.desired.t! : this.dataTime();
    this.seek(Math.round((base + deltaMs) / MINUTE_MS) * MINUTE_MS);
  }

  toggle(): void {
    if (this.playing()) this.pause();
    else this.play();
  }

  play(): void {
    if (this.mode() === 'live') return;
    const t = this.dataTime();
    // At the live edge (where the server pauses a replay) it would pause again at once; the viewer
    // means "go on": that is live.
    if (t >= this.feed.serverNow() - LIVE_EDGE_MS) this.live();
    else this.request({ ...this.desired, t, playing: true });
  }

  /** Pausing live is the DVR: a paused replay at the current moment. */
  pause(): void {
    this.request({ ...this.desired, t: this.dataTime(), playing: false });
  }

  setSpeed(speed: number): void {
    if (this.mode() === 'live') {
      this.desired = { ...this.desired, speed };
      this.changed();
    } else {
      this.request({ ...this.desired, t: this.dataTime(), speed });
    }
  }

  /**
   * A snapshot arrived (an answer, or the server's own: a replay paused at the present): once no
   * newer request is waiting, it is the state to show.
   */
  confirm(snapshot: Snapshot): void {
    if (this.feed.busy()) return;
    const { clock } = snapshot;
    const replay = snapshot.mode === 'replay';
    this.desired = {
      service: snapshot.service,
      t: replay ? clock.t : undefined,
      speed: replay ? clock.speed : this.desired.speed,
      playing: replay ? clock.playing : true,
    };
    this.changed();
  }

  /** A watch was refused: fall back to what is actually shown. */
  refused(): void {
    const shown = this.feed.snapshot();
    if (shown) this.confirm(shown);
    else this.changed();
  }

  /** Keeps the address bar on the current moment; called on a timer while a replay plays. */
  syncUrl(): void {
    this.url.write(this.viewState());
  }

  private request(state: ViewState): void {
    this.desired = state;
    if (state.service) {
      this.feed.watch(
        state.t === undefined
          ? { service: state.service }
          : { service: state.service, t: state.t, speed: state.speed, playing: state.playing },
      );
    }
    this.changed();
  }

  private changed(): void {
    this.syncUrl();
    for (const listener of this.listeners) listener();
  }
}
