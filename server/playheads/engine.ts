import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import { diffStates, LEVEL_LOOKBACK_MINUTES } from '../../shared/frame.ts';
import { sameShares } from '../../shared/problems.ts';
import type { ChannelState, ClientToServerEvents, Frame, ServerToClientEvents, Snapshot } from '../../shared/protocol.ts';
import { serviceOfKey } from '../../shared/simulation.ts';
import { minuteOf } from '../../shared/time.ts';
import type { Clocks } from '../clocks.ts';
import type { Config } from '../config.ts';
import type { FrameSource } from '../frames.ts';
import type { Metrics } from '../metrics.ts';
import type { HistoryStore } from '../store/store.ts';
import { nextMoveAt, positionOf, type Playhead, type Policy, type Position } from './playhead.ts';
import { always, channelRoom, liveRoom, replayRoom, ROOM_PREFIXES, Superseded, type Room, type Wanted } from './room.ts';
import { buildSnapshot } from './snapshot.ts';

export { channelRoom, liveRoom, replayRoom, Superseded, type Wanted } from './room.ts';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** How often the store is asked whether another process (an import) changed it. */
const RECONCILE_MS = 1_000;
/** Rooms due within this much of a wake-up are computed in it, so close deadlines share one timer. */
const TICK_SLACK_MS = 5;
/** A failing room is retried after 1 s, doubling up to this. */
const MAX_RETRY_MS = 30_000;

export interface EngineDeps {
  io: IoServer;
  store: HistoryStore;
  frames: FrameSource;
  clocks: Clocks;
  config: Config;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
}

/**
 * The one playhead engine: every room (a service's live map, a viewer's replay, a named
 * channel) is a playhead over the history, and one scheduler recomputes a room's frame only
 * when something can have changed it: a commit inside its span, its window crossing a minute,
 * or its playhead being moved. At most one frame per room per `frameMs`; rooms at the same
 * moment share one computed frame (FrameSource's cache). Frames are deltas against what every
 * member holds, numbered by `seq`; a join takes the room's state and `seq` in the same
 * synchronous step, so a new member can neither miss nor double-apply a delta.
 */
export class PlayheadEngine {
  private readonly rooms = new Map<string, Room>();
  /** The last `seq` of each socket's replay, so a seek numbers on from it. */
  private readonly replaySeqs = new WeakMap<IoSocket, number>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private started = false;
  private readonly span: number;

  constructor(private readonly deps: EngineDeps) {
    this.span = deps.config.windowMinutes + LEVEL_LOOKBACK_MINUTES;
    deps.frames.on('change', (key, from, to) => this.onChange(key, from, to));
    deps.clocks.on('change', (service) => this.onClockChange(service));
  }

  start(): void {
    this.started = true;
    this.reconcileTimer ??= setInterval(() => {
      // Cheap while nothing changed (SQLite answers from data_version), and needed even with no
      // room: /api/live reads the same caches.
      void this.deps.frames.reconcile().catch((error) => this.deps.logger.warn({ err: error }, 'reading store revisions failed'));
      this.deps.clocks.expire();
    }, RECONCILE_MS);
    this.reconcileTimer.unref();
    this.arm(this.deps.now());
  }

  stop(): void {
    this.started = false;
    clearInterval(this.reconcileTimer);
    clearTimeout(this.timer);
    this.reconcileTimer = undefined;
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /** Rooms by kind, for `/metrics` and tests. */
  counts(): Record<Policy['kind'], number> {
    const out = { live: 0, replay: 0, channel: 0 };
    for (const room of this.rooms.values()) out[room.policy.kind]++;
    return out;
  }

  /** Joins `socket` to the live room of `service` and returns the state it now holds. */
  async watchLive(socket: IoSocket, service: string, wanted = always): Promise<Snapshot> {
    const id = liveRoom(service);
    const room = this.rooms.get(id) ?? this.add(id, { kind: 'live' }, livePlayhead(service), 0);
    return this.join(socket, room, wanted);
  }

  /** Starts or moves `socket`'s private replay and returns the state at its position. */
  async watchReplay(socket: IoSocket, request: { service: string; t: number; speed: number; playing: boolean }, wanted = always): Promise<Snapshot> {
    const id = replayRoom(socket.id);
    const now = this.deps.now();
    const edge = this.deps.clocks.now(request.service);
    const t = Math.min(request.t, edge);
    const playhead: Playhead = { service: request.service, mode: 'replay', anchor: { t, at: now }, speed: request.speed, playing: request.playing && t < edge };
    // A seek continues the numbering, so frames of the old position still in flight are older than the snapshot.
    const room = this.add(id, { kind: 'replay' }, playhead, (this.replaySeqs.get(socket) ?? 0) + 1);
    return this.join(socket, room, wanted);
  }

  /** The live state of `service` without joining (`GET /api/live`). */
  async liveSnapshot(service: string): Promise<Snapshot> {
    const room = this.rooms.get(liveRoom(service));
    if (room) {
      if (!room.computed) await this.runNow(room);
      const range = await this.deps.store.range(service);
      return this.snapshotOf(room, range);
    }
    const position = positionOf(livePlayhead(service), this.deps.clocks, this.deps.now());
    const [{ countries, problems }, range] = await Promise.all([this.deps.frames.frame(serviceOfKey(service), position.t, position.source), this.deps.store.range(service)]);
    return buildSnapshot(this.deps.config, { service, mode: 'live', seq: 0, clock: position.clock, countries, problems, range });
  }

  /** Takes `socket` out of whatever playhead room it is in (a new watch, a disconnect). */
  leave(socket: IoSocket): void {
    for (const id of [...socket.rooms]) {
      if (!ROOM_PREFIXES.some((p) => id.startsWith(p))) continue;
      void socket.leave(id);
      const replay = id.startsWith('replay:') ? this.rooms.get(id) : undefined;
      if (replay) {
        this.replaySeqs.set(socket, replay.seq);
        this.rooms.delete(id);
      }
    }
    this.deps.metrics.rooms.set(this.rooms.size);
  }

  // --- named channels (their policy lives in channels.ts; the engine moves their playheads) ---

  /** Creates or moves a channel's room and sends its members a fresh snapshot. */
  async setChannel(state: ChannelState, playhead: Playhead): Promise<void> {
    const id = channelRoom(state.name);
    const room = this.rooms.get(id);
    if (!room) {
      this.add(id, { kind: 'channel', name: state.name }, playhead, 0).channel = state;
      return;
    }
    room.playhead = playhead;
    room.channel = state;
    room.version++;
    room.snapshotNext = room.computed;
    room.due = 0;
    await this.runNow(room);
  }

  async watchChannel(socket: IoSocket, name: string, wanted = always): Promise<Snapshot | undefined> {
    const room = this.rooms.get(channelRoom(name));
    return room && this.join(socket, room, wanted);
  }

  /** Where a channel's playhead is now (for its stored state and `GET /api/channels`). */
  channelPosition(name: string): Position | undefined {
    const room = this.rooms.get(channelRoom(name));
    return room && positionOf(room.playhead, this.deps.clocks, this.deps.now());
  }

  removeChannel(name: string): void {
    const id = channelRoom(name);
    this.rooms.delete(id);
    // Local: every node removes the channel for its own screens (with several nodes, `io.to`
    // would reach the other nodes' too, through the adapter).
    this.deps.io.local.to(id).emit('resync', 'channel removed');
    this.deps.io.local.in(id).socketsLeave(id);
  }

  /** Called when a channel's replay paused at the present by itself: stores it, returns the new state. */
  onChannelPaused: ((name: string, playhead: Playhead) => ChannelState | undefined) | undefined;

  // --- rooms ---

  private add(id: string, policy: Policy, playhead: Playhead, seq: number): Room {
    const now = this.deps.now();
    const room: Room = {
      id,
      policy,
      playhead,
      channel: undefined,
      base: {},
      problems: {},
      seq,
      clock: positionOf(playhead, this.deps.clocks, now).clock,
      computed: false,
      version: 0,
      snapshotNext: false,
      due: 0,
      lastRun: -Infinity,
      running: undefined,
      failures: 0,
      joining: 0,
    };
    this.rooms.set(id, room);
    this.deps.metrics.rooms.set(this.rooms.size);
    return room;
  }

  private async join(socket: IoSocket, room: Room, wanted: Wanted): Promise<Snapshot> {
    room.joining++;
    let range;
    try {
      // A room nobody watched may be far behind its playhead: bring it up to date first.
      if (!room.computed || !this.watched(room)) await this.runNow(room);
      range = await this.deps.store.range(room.playhead.service);
    } finally {
      room.joining--;
    }
    if (!wanted()) throw new Superseded();
    if (this.rooms.get(room.id) !== room) throw new Error(`room ${room.id} was replaced while joining`);
    // From here to the return nothing awaits: the state handed over and the room's next frame
    // share one base, whatever the store's speed.
    void socket.join(room.id);
    this.schedule(room);
    return this.snapshotOf(room, range);
  }

  private watched(room: Room): boolean {
    return (this.deps.io.sockets.adapter.rooms.get(room.id)?.size ?? 0) > 0;
  }

  /** Computes the room now (or waits for the computation under way, then runs again if due). */
  private async runNow(room: Room): Promise<void> {
    while (room.running) await room.running;
    if (room.computed && room.due > this.deps.now() && !room.snapshotNext) return;
    await this.launch(room);
  }

  private launch(room: Room): Promise<void> {
    const running = this.run(room).finally(() => {
      room.running = undefined;
      this.schedule(room);
    });
    room.running = running;
    return running;
  }

  private async run(room: Room): Promise<void> {
    const { frames, clocks, store, metrics, logger } = this.deps;
    const now = this.deps.now();
    const version = room.version;
    room.lastRun = now;
    room.due = Infinity;
    let position = positionOf(room.playhead, clocks, now);
    if (position.reachedPresent) {
      // A replay reached the present: it pauses there, and every member is told.
      room.playhead = { ...room.playhead, anchor: { t: position.t, at: now }, playing: false };
      position = positionOf(room.playhead, clocks, now);
      room.snapshotNext = room.computed;
      if (room.policy.kind === 'channel') room.channel = this.onChannelPaused?.(room.policy.name, room.playhead) ?? room.channel;
    }
    try {
      // Counts from the position's source, baselines from the real service (a kept run's too).
      const { countries: states, problems } = await frames.frame(serviceOfKey(room.playhead.service), position.t, position.source);
      const range = room.snapshotNext ? await store.range(room.playhead.service) : undefined;
      if (this.rooms.get(room.id) !== room || room.version !== version) return;
      if (room.failures > 0) logger.info({ room: room.id }, 'room recovered');
      room.failures = 0;
      const changes = diffStates(room.base, states);
      // The service's problem shares go in a frame only when they moved: they hold still for minutes.
      const problemsMoved = !sameShares(room.problems, problems);
      room.base = states;
      room.problems = problems;
      room.clock = position.clock;
      if (!room.computed) room.computed = true;
      else if (room.snapshotNext) {
        room.seq++;
        // Each node computes its rooms' frames and sends them to its own sockets only: a room's
        // `seq` and base are this node's (server/cluster/index.ts).
        this.deps.io.local.to(room.id).emit('snapshot', this.snapshotOf(room, range ?? null));
        metrics.snapshots.inc();
      } else if (Object.keys(changes).length > 0 || problemsMoved) {
        room.seq++;
        const frame: Frame = { service: room.playhead.service, mode: room.playhead.mode, t: position.t, seq: room.seq, changes, ...(problemsMoved ? { problems } : {}) };
        this.deps.io.local.to(room.id).emit('frame', frame);
        metrics.frames.inc();
        metrics.frameBytes.observe(Buffer.byteLength(JSON.stringify(frame)));
      }
      room.snapshotNext = false;
      room.due = nextMoveAt(room.playhead, position, clocks, now);
    } catch (error) {
      // One room's failure (a store read) must not take the others, or the process, with it.
      room.failures++;
      metrics.roomFailures.inc({ kind: room.policy.kind });
      if (room.failures === 1) logger.error({ err: error, room: room.id }, 'computing a frame failed; retrying');
      room.due = this.deps.now() + Math.min(MAX_RETRY_MS, 1_000 * 2 ** (room.failures - 1));
      if (!room.computed) throw error;
    }
  }

  private snapshotOf(room: Room, range: { from: number; to: number } | null): Snapshot {
    return buildSnapshot(this.deps.config, {
      service: room.playhead.service,
      mode: room.playhead.mode,
      seq: room.seq,
      clock: room.clock,
      countries: room.base,
      problems: room.problems,
      range,
      channel: room.channel && { ...room.channel, t: room.clock.t, at: room.clock.at, playing: room.clock.playing },
    });
  }

  // --- scheduling ---

  /** When a room's next frame may be computed: when due, but never sooner than frameMs after its last. */
  private dueAt(room: Room): number {
    return room.due === Infinity ? Infinity : Math.max(room.due, room.lastRun + this.deps.config.frameMs);
  }

  /** A room's due time moved: bring the one timer forward if this room is now the earliest. */
  private schedule(room: Room): void {
    if (!this.started || room.running) return;
    const at = this.dueAt(room);
    if (at < this.timerAt) this.arm(at);
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = setTimeout(() => this.tick(), Math.max(0, at - this.deps.now()));
    this.timer.unref();
  }

  /**
   * One pass over the rooms: computes those that are due (those due within a few milliseconds
   * too, so close deadlines share one wake-up), drops the ones nobody watches any more, and arms
   * the timer for the earliest of the rest.
   */
  private tick(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (!this.started) return;
    const now = this.deps.now();
    let next = Infinity;
    for (const room of this.rooms.values()) {
      if (!this.watched(room) && room.joining === 0) {
        // Nobody left: a live or replay room goes (the next watch makes it again); a channel waits.
        if (room.policy.kind !== 'channel') this.rooms.delete(room.id);
        continue;
      }
      if (room.running) continue;
      const at = this.dueAt(room);
      if (at <= now + TICK_SLACK_MS) void this.launch(room).catch(() => {});
      else next = Math.min(next, at);
    }
    this.deps.metrics.rooms.set(this.rooms.size);
    if (next < this.timerAt) this.arm(next);
  }

  /** Minutes `[from, to]` of store key `key` changed: rooms reading them are due. */
  private onChange(key: string, from: number, to: number): void {
    const now = this.deps.now();
    for (const room of this.rooms.values()) {
      const position = positionOf(room.playhead, this.deps.clocks, now);
      if (position.source !== key) continue;
      const last = minuteOf(position.t);
      if (to < last - this.span + 1 || from > last) continue;
      room.due = Math.min(room.due, now);
      this.schedule(room);
    }
  }

  /** A simulation started or ended: live playheads of the service jumped; members get a snapshot. */
  private onClockChange(service: string): void {
    for (const room of this.rooms.values()) {
      if (room.playhead.service !== service || room.playhead.mode !== 'live') continue;
      room.version++;
      room.snapshotNext = room.computed;
      room.due = 0;
      this.schedule(room);
    }
  }
}

function livePlayhead(service: string): Playhead {
  return { service, mode: 'live', anchor: { t: 0, at: 0 }, speed: 1, playing: true };
}
