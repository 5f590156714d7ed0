import type { Logger } from 'pino';
import type { Socket } from 'socket.io';
import { diffStates } from '../shared/frame.ts';
import {
  encodeFrame,
  type ChannelState,
  type ClientToServerEvents,
  type CountryStates,
  type ServerToClientEvents,
  type Snapshot,
} from '../shared/protocol.ts';
import type { ParsedChannelUpdate } from '../shared/schemas.ts';
import { dataTimeAt } from '../shared/time.ts';
import type { Clocks } from './clocks.ts';
import type { Config } from './config.ts';
import { HttpError } from './errors.ts';
import type { FrameSource } from './frames.ts';
import type { IncidentFinder } from './incidents.ts';
import { buildSnapshot, type IoServer } from './live.ts';
import type { Metrics } from './metrics.ts';
import type { ChannelStore, HistoryStore } from './store/store.ts';

type ChannelSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

interface Running {
  state: ChannelState;
  t: number;
  countries: CountryStates;
}

/** How often a playing replay's position is written down, so a restart resumes close to it. */
const CHECKPOINT_MS = 5_000;

export function channelRoom(name: string): string {
  return `channel:${name}`;
}

/**
 * Named channels: playheads that several screens follow and a producer drives. The state is
 * stored on every change (and a playing replay's position every few seconds), so a restart
 * resumes each channel where it was. Frames come from the same FrameSource as live and replay;
 * every screen gets the same server-timestamped clock, from which it derives the data time.
 */
export class Channels {
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private checkpointAt = 0;
  private ticking = false;

  constructor(
    private readonly io: IoServer,
    private readonly store: HistoryStore & ChannelStore,
    private readonly frames: FrameSource,
    private readonly incidents: IncidentFinder,
    private readonly clocks: Clocks,
    private readonly config: Config,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** Loads the stored channels; a replay that was playing goes on from its last checkpoint. */
  async load(): Promise<void> {
    for (const state of await this.store.channels()) {
      const resumed = { ...state, at: this.now() };
      this.running.set(state.name, { state: resumed, t: this.position(resumed), countries: {} });
    }
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.config.frameMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.checkpoint(true);
  }

  list(): ChannelState[] {
    return [...this.running.values()].map((r) => this.current(r.state));
  }

  get(name: string): ChannelState | undefined {
    const r = this.running.get(name);
    return r && this.current(r.state);
  }

  async watch(socket: ChannelSocket, name: string): Promise<Snapshot> {
    const running = this.running.get(name);
    if (!running) throw new HttpError(404, `no channel "${name}"`);
    for (const room of socket.rooms) if (room.startsWith('channel:')) socket.leave(room);
    let snapshot = await this.refresh(running);
    socket.join(channelRoom(name));
    // A producer's change that landed while the store was read went to the room without this
    // socket: answer with the state as it is now that the socket hears every later change.
    const latest = this.running.get(name);
    if (latest && latest.state.version !== snapshot.channel?.version) snapshot = await this.refresh(latest);
    return snapshot;
  }

  /** Applies a producer's change, stores it, and sends every screen of the channel a fresh snapshot. */
  async update(name: string, change: ParsedChannelUpdate): Promise<ChannelState> {
    const at = this.now();
    const existing = this.running.get(name);
    const before: ChannelState = existing
      ? this.current(existing.state)
      : { name, service: this.config.services[0]!, mode: 'live', t: at, at, speed: 1, playing: true, camera: { mode: 'auto' }, theme: 'dark', headline: '', timeZone: 'UTC', version: 0 };
    const next: ChannelState = { ...before, at, version: before.version + 1 };
    if (change.service !== undefined) next.service = change.service;
    if (change.speed !== undefined) next.speed = change.speed;
    if (change.playing !== undefined) next.playing = change.playing;
    if (change.camera !== undefined) next.camera = change.camera;
    if (change.theme !== undefined) next.theme = change.theme;
    if (change.headline !== undefined) next.headline = change.headline;
    if (change.timeZone !== undefined) next.timeZone = change.timeZone;
    if (change.peak !== undefined) {
      const service = change.service ?? before.service;
      const incident = (await this.incidents.find(service)).find((i) => i.id === change.peak);
      if (!incident) throw new HttpError(404, `peak: no incident "${change.peak}" for service "${service}"`);
      Object.assign(next, { mode: 'replay', t: incident.peak, playing: change.playing ?? false });
    } else if (change.t !== undefined) {
      // A seek is a replay from that moment, whatever the mode was.
      Object.assign(next, { mode: 'replay', t: change.t });
    } else if (change.mode === 'replay' && before.mode === 'live') {
      // Rewinding from live starts where live was.
      Object.assign(next, { mode: 'replay', t: this.clocks.now(next.service) });
    }
    if (change.mode === 'live') Object.assign(next, { mode: 'live', playing: true, speed: 1 });
    if (next.mode === 'live') next.t = this.clocks.now(next.service);
    else next.t = Math.min(next.t, this.clocks.now(next.service));

    await this.store.saveChannel(next);
    const running: Running = { state: next, t: next.t, countries: existing?.countries ?? {} };
    this.running.set(name, running);
    this.metrics.channels.set(this.running.size);
    const snapshot = await this.refresh(running);
    this.io.to(channelRoom(name)).emit('channel', snapshot);
    return this.current(next);
  }

  async remove(name: string): Promise<boolean> {
    const had = this.running.delete(name);
    await this.store.deleteChannel(name);
    this.io.to(channelRoom(name)).emit('resync', 'channel removed');
    this.metrics.channels.set(this.running.size);
    return had;
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const running of this.running.values()) {
        if (!this.io.sockets.adapter.rooms.get(channelRoom(running.state.name))?.size) continue;
        await this.advance(running);
      }
      await this.checkpoint(false);
    } catch (error) {
      this.logger.error({ err: error }, 'channel tick failed');
    } finally {
      this.ticking = false;
    }
  }

  /** The state with `t` re-anchored to now (and a replay that reached the present paused there). */
  private current(state: ChannelState): ChannelState {
    const at = this.now();
    const t = this.position(state);
    const edge = this.clocks.now(state.service);
    if (state.mode === 'replay' && state.playing && t >= edge) return { ...state, t: edge, at, playing: false };
    return { ...state, t, at };
  }

  private position(state: ChannelState): number {
    return state.mode === 'live' ? this.clocks.now(state.service) : dataTimeAt(state, this.now());
  }

  private async refresh(running: Running): Promise<Snapshot> {
    const state = this.current(running.state);
    running.countries = await this.frames.frame(state.service, state.t);
    running.t = state.t;
    const clock = { t: state.t, at: state.at, speed: state.mode === 'live' ? this.clocks.state(state.service).speed : state.speed, playing: state.playing, simulated: state.mode === 'live' && this.clocks.simulated(state.service) };
    return { ...(await buildSnapshot(this.store, this.config, state.service, state.mode, clock, running.countries)), channel: state };
  }

  private async advance(running: Running): Promise<void> {
    const state = this.current(running.state);
    if (state.mode === 'replay' && running.state.playing && !state.playing) {
      // Reached the present: pause there for every screen, and remember it.
      running.state = { ...state, version: state.version + 1 };
      await this.store.saveChannel(running.state);
      this.io.to(channelRoom(state.name)).emit('channel', await this.refresh(running));
      return;
    }
    const countries = await this.frames.frame(state.service, state.t);
    const changes = diffStates(running.countries, countries);
    running.countries = countries;
    running.t = state.t;
    if (Object.keys(changes).length === 0) return;
    const json = encodeFrame({ service: state.service, mode: state.mode, t: state.t, changes });
    this.io.to(channelRoom(state.name)).emit('frame', json);
    this.metrics.frames.inc();
    this.metrics.frameBytes.observe(Buffer.byteLength(json));
  }

  /** Writes down where playing replays are, at most every few seconds (or now, on shutdown). */
  private async checkpoint(force: boolean): Promise<void> {
    if (!force && this.now() - this.checkpointAt < CHECKPOINT_MS) return;
    this.checkpointAt = this.now();
    for (const running of this.running.values()) {
      if (running.state.mode !== 'replay' || !running.state.playing) continue;
      await this.store.saveChannel(this.current(running.state));
    }
  }
}
