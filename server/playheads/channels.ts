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

/**
 * Channel state shared by several nodes (server/cluster/channels.ts, over Redis): a producer on
 * node A drives screens on node B. Changes are compare-and-set on the channel's version, so two
 * producers on two nodes cannot overwrite each other unseen.
 */
export interface SharedChannels {
  /** Every channel as shared now. */
  all(): Promise<ChannelState[]>;
  /** Stores `next` if the shared version of its channel is still `expected` (0: none), else answers what is there. */
  swap(next: ChannelState, expected: number): Promise<{ ok: true } | { ok: false; current: ChannelState | undefined }>;
  remove(name: string): Promise<void>;
  /** Tells the other nodes, which `adopt` or `forget` it. */
  announce(state: ChannelState): void;
  announceRemoval(name: string): void;
}

/** Attempts at a compare-and-set before a producer is told to try again (409). */
const MAX_SWAPS = 5;

export interface ChannelDeps {
  engine: PlayheadEngine;
  store: ChannelStore;
  incidents: IncidentFinder;
  clocks: Clocks;
  config: Config;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  /** Set with REDIS_URL: the state every node shares. */
  shared?: SharedChannels;
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
      // Every node reaches the present at about the same time: the first to store its pause wins
      // and the others take that one.
      void deps.shared
        ?.swap(paused, state.version)
        .then((r) => (r.ok ? deps.shared!.announce(paused) : r.current && this.adopt(r.current, true)))
        .catch((error: unknown) => deps.logger.warn({ err: error, channel: name }, 'sharing the paused channel failed'));
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
    // Redis unreachable now: this node starts from the store and resyncs when Redis is back.
    await this.resync().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'reading the shared channels failed; using the stored ones'));
  }

  /**
   * Brings the shared state and this node's in step (at start, and when Redis is back, maybe
   * restarted empty): channels Redis lacks are written from the store, newer ones are taken.
   */
  async resync(): Promise<void> {
    const shared = this.deps.shared;
    if (!shared) return;
    for (const state of this.states.values()) await shared.swap(state, 0);
    for (const state of await shared.all()) await this.adopt(state);
  }

  /** Takes another node's change when it is newer than what this node holds (`force`: whatever it holds). */
  async adopt(state: ChannelState, force = false): Promise<void> {
    const held = this.states.get(state.name);
    if (held && !force && held.version >= state.version) return;
    this.states.set(state.name, state);
    this.deps.metrics.channels.set(this.states.size);
    await this.deps.engine.setChannel(state, playheadOf(state));
  }

  /** Another node removed the channel. */
  forget(name: string): void {
    if (!this.states.delete(name)) return;
    this.deps.engine.removeChannel(name);
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

  /**
   * Applies a producer's change, stores it, and sends every screen of the channel a fresh
   * snapshot. With several nodes the change is applied to the newest shared state: a
   * compare-and-set that finds another node's change first takes it and applies this one on top.
   */
  async update(name: string, change: ParsedChannelUpdate): Promise<ChannelState> {
    const { shared } = this.deps;
    for (let attempt = 1; ; attempt++) {
      const before = this.get(name);
      const next = await this.next(name, before, change);
      if (shared) {
        const swapped = await shared.swap(next, before?.version ?? 0);
        if (!swapped.ok) {
          if (swapped.current) await this.adopt(swapped.current, true);
          else this.forget(name);
          if (attempt < MAX_SWAPS) continue;
          throw new HttpError(409, `channel "${name}" is being changed from elsewhere: try again`);
        }
      }
      // Stored first: a write that fails (a full disk) changes nothing and answers 503.
      await this.deps.store.saveChannel(next).catch((error: unknown) => {
        if (shared) void this.unswap(name, before, next);
        throw storageError(error);
      });
      this.states.set(name, next);
      this.deps.metrics.channels.set(this.states.size);
      await this.deps.engine.setChannel(next, playheadOf(next));
      shared?.announce(next);
      return this.get(name)!;
    }
  }

  /** The store refused a change Redis took: Redis gets back what was there, at a newer version. */
  private async unswap(name: string, before: ChannelState | undefined, next: ChannelState): Promise<void> {
    const shared = this.deps.shared!;
    try {
      if (!before) await shared.remove(name);
      else if ((await shared.swap({ ...before, version: next.version + 1 }, next.version)).ok) shared.announce({ ...before, version: next.version + 1 });
    } catch (error) {
      this.deps.logger.warn({ err: error, channel: name }, 'undoing a shared channel change failed');
    }
  }

  /** The state `change` makes of `before` (a new channel's defaults when there is none). */
  private async next(name: string, existing: ChannelState | undefined, change: ParsedChannelUpdate): Promise<ChannelState> {
    const { clocks, config } = this.deps;
    const at = this.deps.now();
    const before: ChannelState = existing ?? {
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
    if (change.problems !== undefined) next.problems = change.problems;
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
    return next;
  }

  async remove(name: string): Promise<boolean> {
    await this.deps.shared?.remove(name);
    await this.deps.store.deleteChannel(name).catch((error: unknown) => {
      throw storageError(error);
    });
    const had = this.states.delete(name);
    this.deps.engine.removeChannel(name);
    this.deps.metrics.channels.set(this.states.size);
    this.deps.shared?.announceRemoval(name);
    return had;
  }

  /** Writes down where playing replays are (every few seconds, and on shutdown). */
  private async checkpoint(): Promise<void> {
    for (const name of this.states.keys()) {
      const state = this.get(name)!;
      if (state.mode !== 'replay' || !state.playing) continue;
      // With several nodes, only over the shared version: a node that missed a change (a Redis
      // outage) must not write its older state over the newer one.
      const current = await this.deps.shared?.swap(state, state.version).catch(() => undefined);
      if (current && !current.ok) {
        if (current.current) await this.adopt(current.current);
        continue;
      }
      await this.deps.store.saveChannel(state).catch((error) => this.deps.logger.warn({ err: error, channel: name }, 'checkpoint failed'));
    }
  }

  private save(state: ChannelState): void {
    void this.deps.store.saveChannel(state).catch((error) => this.deps.logger.warn({ err: error, channel: state.name }, 'storing the channel failed'));
  }
}
