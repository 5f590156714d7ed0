import type { Logger } from 'pino';
import type { ChannelState, Snapshot } from '../../shared/protocol.ts';
import type { ParsedChannelUpdate } from '../../shared/schemas.ts';
import type { Clocks } from '../clocks.ts';
import type { Config } from '../config.ts';
import { HttpError, storageError } from '../errors.ts';
import type { IncidentFinder } from '../incidents.ts';
import type { Metrics } from '../metrics.ts';
import type { ChannelStore } from '../store/store.ts';
import type { IoSocket, PlayheadEngine, Wanted } from './engine.ts';
import type { Playhead } from './playhead.ts';

/** How often a playing replay's position is written down, so a restart resumes close to it. */
const CHECKPOINT_MS = 5_000;

export interface ChannelDeps {
  engine: PlayheadEngine;
  store: ChannelStore;
  incidents: IncidentFinder;
  clocks: Clocks;
  config: Config;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
}

/** The playhead a channel's state describes. */
function playheadOf(state: ChannelState): Playhead {
  return { service: state.service, mode: state.mode, anchor: { t: state.t, at: state.at }, speed: state.speed, playing: state.playing };
}

/**
 * Named channels: the stored policy of the playhead engine. A producer's change is stored, then
 * the engine moves the channel's playhead and sends every screen one fresh snapshot with a
 * server-timestamped clock, from which each derives the data time. A playing replay's position
 * is checkpointed every few seconds, so a restart resumes every channel where it was.
 */
export class Channels {
  private readonly states = new Map<string, ChannelState>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ChannelDeps) {
    deps.engine.onChannelPaused = (name, playhead) => {
      const state = this.states.get(name);
      if (!state) return;
      // Reached the present: paused there for every screen, and remembered.
      const paused = { ...state, t: playhead.anchor.t, at: playhead.anchor.at, playing: false, version: state.version + 1 };
      this.states.set(name, paused);
      this.save(paused);
      return paused;
    };
  }

  /** Loads the stored channels; a replay that was playing goes on from its last checkpoint. */
  async load(): Promise<void> {
    for (const stored of await this.deps.store.channels()) {
      const state = { ...stored, at: this.deps.now() };
      this.states.set(state.name, state);
      await this.deps.engine.setChannel(state, playheadOf(state));
    }
    this.deps.metrics.channels.set(this.states.size);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.checkpoint(), CHECKPOINT_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.checkpoint();
  }

  list(): ChannelState[] {
    return [...this.states.keys()].map((name) => this.get(name)!);
  }

  /** The state with `t` as of now (a live channel at its clock, a replay where it has got to). */
  get(name: string): ChannelState | undefined {
    const state = this.states.get(name);
    const position = this.deps.engine.channelPosition(name);
    if (!state || !position) return state;
    return { ...state, t: position.t, at: position.clock.at, playing: position.clock.playing };
  }

  async watch(socket: IoSocket, name: string, wanted?: Wanted): Promise<Snapshot | undefined> {
    return this.deps.engine.watchChannel(socket, name, wanted);
  }

  /** Applies a producer's change, stores it, and sends every screen of the channel a fresh snapshot. */
  async update(name: string, change: ParsedChannelUpdate): Promise<ChannelState> {
    const { clocks, config } = this.deps;
    const at = this.deps.now();
    const before: ChannelState = this.get(name) ?? {
      name, service: config.services[0]!, mode: 'live', t: at, at, speed: 1, playing: true,
      camera: { mode: 'auto' }, theme: 'dark', headline: '', timeZone: 'UTC', version: 0,
    };
    const next: ChannelState = { ...before, at, version: before.version + 1 };
    if (change.service !== undefined) next.service = change.service;
    if (change.speed !== undefined) next.speed = change.speed;
    if (change.playing !== undefined) next.playing = change.playing;
    if (change.camera !== undefined) next.camera = change.camera;
    if (change.theme !== undefined) next.theme = change.theme;
    if (change.headline !== undefined) next.headline = change.headline;
    if (change.timeZone !== undefined) next.timeZone = change.timeZone;
    if (change.locale === null) delete next.locale;
    else if (change.locale !== undefined) next.locale = change.locale;
    if (change.peak !== undefined) {
      const service = change.service ?? before.service;
      const incident = (await this.deps.incidents.find(service)).find((i) => i.id === change.peak);
      if (!incident) throw new HttpError(404, `peak: no incident "${change.peak}" for service "${service}"`);
      Object.assign(next, { mode: 'replay', t: incident.peak, playing: change.playing ?? false });
    } else if (change.t !== undefined) {
      // A seek is a replay from that moment, whatever the mode was.
      Object.assign(next, { mode: 'replay', t: change.t });
    } else if (change.mode === 'replay' && before.mode === 'live') {
      // Rewinding from live starts where live was.
      Object.assign(next, { mode: 'replay', t: clocks.now(next.service) });
    }
    if (change.mode === 'live') Object.assign(next, { mode: 'live', playing: true, speed: 1 });
    if (next.mode === 'live') next.t = clocks.now(next.service);
    else next.t = Math.min(next.t, clocks.now(next.service));

    // Stored first: a write that fails (a full disk) changes nothing and answers 503.
    await this.deps.store.saveChannel(next).catch((error: unknown) => {
      throw storageError(error);
    });
    this.states.set(name, next);
    this.deps.metrics.channels.set(this.states.size);
    await this.deps.engine.setChannel(next, playheadOf(next));
    return this.get(name)!;
  }

  async remove(name: string): Promise<boolean> {
    await this.deps.store.deleteChannel(name).catch((error: unknown) => {
      throw storageError(error);
    });
    const had = this.states.delete(name);
    this.deps.engine.removeChannel(name);
    this.deps.metrics.channels.set(this.states.size);
    return had;
  }

  /** Writes down where playing replays are (every few seconds, and on shutdown). */
  private async checkpoint(): Promise<void> {
    for (const name of this.states.keys()) {
      const state = this.get(name)!;
      if (state.mode !== 'replay' || !state.playing) continue;
      await this.deps.store.saveChannel(state).catch((error) => this.deps.logger.warn({ err: error, channel: name }, 'checkpoint failed'));
    }
  }

  private save(state: ChannelState): void {
    void this.deps.store.saveChannel(state).catch((error) => this.deps.logger.warn({ err: error, channel: state.name }, 'storing the channel failed'));
  }
}
