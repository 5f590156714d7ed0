import { io, type Socket } from 'socket.io-client';
import { applyChanges } from '../shared/frame.ts';
import type { ProblemShares } from '../shared/problems.ts';
import {
  PROTOCOL_VERSION,
  type ChannelState,
  type ClientToServerEvents,
  type CountryStates,
  type ErrorCode,
  type Frame,
  type ServerToClientEvents,
  type Snapshot,
  type WatchRequest,
} from '../shared/protocol.ts';
import { dataTimeAt } from '../shared/time.ts';
import { ClockSync } from './clock-sync.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** A service live (no `t`), a private replay playhead at data time `t`, or a producer's channel. */
export type WatchTarget = { service: string; t?: number; speed?: number; playing?: boolean } | { channel: string };

/** Why a watch failed: the server's stable code, or `timeout` when no answer came. */
export type FeedErrorCode = ErrorCode | 'timeout';

export interface FeedError {
  code: FeedErrorCode;
  /** English, for the console; pages translate `code`. */
  message: string;
}

export interface FeedEvents {
  /** A full state replaced everything: a watch's answer, a seek, a reconnect, or the server's `snapshot`. */
  snapshot: (snapshot: Snapshot, states: CountryStates) => void;
  /** A delta was applied; `states` is the full state after it. */
  frame: (frame: Frame, states: CountryStates) => void;
  connection: (state: ConnectionState) => void;
  /** A watch was refused or went unanswered; `retrying` when the feed asks again by itself. */
  refused: (error: FeedError, target: WatchTarget, retrying: boolean) => void;
}

export interface FeedOptions {
  /** The server (tests); the page's own origin otherwise. */
  url?: string;
  /** Which failures are asked again every `retryMs` (default: a channel not created yet, a server error, no answer). */
  retry?: (code: FeedErrorCode) => boolean;
  retryMs?: number;
  ackTimeoutMs?: number;
  /** Reconnection backoff of Socket.IO, doubling from the first to the cap; it never gives up. */
  reconnectDelayMs?: number;
  reconnectDelayMaxMs?: number;
}

export type FrameVerdict = 'apply' | 'drop' | 'gap';

/**
 * What to do with a frame, given the snapshot held and whether a watch is on its way. Frames that
 * arrive while a watch is in flight belong to the room being left; a `seq` at or below the one held
 * is old; one beyond the next means frames were missed, so the state must be fetched again.
 */
export function frameVerdict(held: Pick<Snapshot, 'service' | 'seq'> | undefined, frame: Pick<Frame, 'service' | 'seq'>, watching: boolean): FrameVerdict {
  if (watching || !held || frame.service !== held.service || frame.seq <= held.seq) return 'drop';
  return frame.seq === held.seq + 1 ? 'apply' : 'gap';
}

const DEFAULT_RETRY = (code: FeedErrorCode) => code === 'unknown-channel' || code === 'internal' || code === 'timeout';
// A channel not created yet is asked again at this pace, for as long as it takes.
const RETRY_MS = 5_000;
// An ack that never comes (a server stuck mid-restart) must not leave a page waiting forever.
const ACK_TIMEOUT_MS = 10_000;
const TIME_TIMEOUT_MS = 3_000;
// After this many failed connection attempts the server is more likely down than briefly away.
const OFFLINE_AFTER_ATTEMPTS = 3;

/**
 * The one socket of every page: it watches a target (live, a private replay or a named channel) on
 * every (re)connect and on `resync`, applies frame deltas in `seq` order, replaces its state on
 * each snapshot, and keeps the server's clock offset so every viewer computes the same data time.
 * At most one watch is in flight; a newer target waits for its ack and the latest one wins (a
 * timeline drag repaints at each ack). Socket.IO reconnects forever with capped backoff, and a
 * playing replay resumes from where it had got to.
 */
export class PlayheadFeed {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly sync: ClockSync;
  private readonly listeners: { [E in keyof FeedEvents]: Set<FeedEvents[E]> } = {
    snapshot: new Set(),
    frame: new Set(),
    connection: new Set(),
    refused: new Set(),
  };
  private readonly retryable: (code: FeedErrorCode) => boolean;
  private readonly retryMs: number;
  private readonly ackTimeoutMs: number;
  private target: WatchTarget | undefined;
  /** The target's own snapshot has been applied (a resume may then move its `t` forward). */
  private targetShown = false;
  private current: Snapshot | undefined;
  /** Service and `seq` of the state held: the snapshot's, advanced by each frame applied. */
  private held: { service: string; seq: number } | undefined;
  private countries: CountryStates = {};
  /** The service's problem shares in the window, all countries together. */
  private serviceProblems: ProblemShares = {};
  private lastT = 0;
  /** Server clock minus ours from the last snapshot, until the NTP-style estimate is in. */
  private roughOffset = 0;
  private state: ConnectionState = 'connecting';
  private failedAttempts = 0;
  /** Bumped per connection so an ack lost to a disconnect is never applied late. */
  private epoch = 0;
  private inFlight = false;
  /** The target changed while a watch was in flight: send the latest when its ack returns. */
  private dirty = false;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(options: FeedOptions = {}) {
    this.retryable = options.retry ?? DEFAULT_RETRY;
    this.retryMs = options.retryMs ?? RETRY_MS;
    this.ackTimeoutMs = options.ackTimeoutMs ?? ACK_TIMEOUT_MS;
    const settings = {
      autoConnect: false,
      reconnection: true,
      reconnectionAttempts: Infinity,
      reconnectionDelay: options.reconnectDelayMs ?? 1_000,
      // Capped so a screen is back within seconds of the server, however long it was away.
      reconnectionDelayMax: options.reconnectDelayMaxMs ?? 10_000,
    };
    this.socket = options.url ? io(options.url, { ...settings, forceNew: true }) : io(settings);
    this.sync = new ClockSync(() => this.askTime());
    this.socket.on('connect', () => {
      this.failedAttempts = 0;
      this.sync.start();
      this.sendWatch();
    });
    this.socket.on('disconnect', (reason) => {
      this.resumeTarget();
      this.epoch++;
      this.inFlight = false;
      this.clearRetry();
      this.sync.stop();
      this.setConnection(browserOffline() ? 'offline' : 'reconnecting');
      // Socket.IO does not retry a disconnect the server asked for (a shutdown); a page must.
      if (reason === 'io server disconnect') this.socket.connect();
    });
    // A server that is down when the page loads gives connect errors, never a disconnect.
    this.socket.on('connect_error', () => {
      this.failedAttempts++;
      if (this.failedAttempts >= OFFLINE_AFTER_ATTEMPTS || browserOffline()) this.setConnection('offline');
    });
    this.socket.on('frame', (frame) => this.onFrame(frame));
    this.socket.on('snapshot', (snapshot) => {
      // While a watch is in flight this belongs to the room being left; the ack replaces it anyway.
      if (!this.inFlight) this.apply(snapshot);
    });
    this.socket.on('resync', () => this.watchAgain());
    if (typeof window !== 'undefined') {
      window.addEventListener('offline', () => {
        if (!this.socket.connected) this.setConnection('offline');
      });
      window.addEventListener('online', () => {
        if (this.socket.connected || !this.target) return;
        this.setConnection('reconnecting');
        this.socket.connect();
      });
    }
  }

  on<E extends keyof FeedEvents>(event: E, listener: FeedEvents[E]): () => void {
    const set = this.listeners[event] as Set<FeedEvents[E]>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Starts watching `target`, replacing whatever was watched (a seek is just a new target). */
  watch(target: WatchTarget): void {
    this.target = { ...target };
    this.targetShown = false;
    this.clearRetry();
    if (this.socket.connected) this.sendWatch();
    else if (!this.socket.active) this.socket.connect();
  }

  /** Stops for good (tests; a page simply unloads). */
  close(): void {
    this.clearRetry();
    this.sync.stop();
    this.socket.disconnect();
  }

  states(): CountryStates {
    return this.countries;
  }

  /** The service's problem shares at the state held (`{}` when no report named one). */
  problems(): ProblemShares {
    return this.serviceProblems;
  }

  snapshot(): Snapshot | undefined {
    return this.current;
  }

  channel(): ChannelState | undefined {
    return this.current?.channel;
  }

  connection(): ConnectionState {
    return this.state;
  }

  /** True while a watch awaits its ack (the state shown is about to be replaced). */
  busy(): boolean {
    return this.inFlight;
  }

  /** Data time of the newest snapshot or frame applied: the moment the map shows. */
  frameTime(): number {
    return this.lastT;
  }

  /** Server clock minus ours, in ms. */
  offsetMs(): number {
    return this.sync.offsetMs() ?? this.roughOffset;
  }

  serverNow(): number {
    return Date.now() + this.offsetMs();
  }

  /**
   * Data time now, from the server-stamped clock alone (`t + (serverNow - at) * speed`): never from
   * when frames happened to arrive, so viewers of one playhead agree to within their offset errors.
   */
  dataTime(): number {
    const snapshot = this.current;
    if (!snapshot) return this.serverNow();
    const { clock } = snapshot;
    if (!clock.playing) return clock.t;
    const now = this.serverNow();
    const t = dataTimeAt(clock, now);
    // The server pauses a replay at the present (with a `snapshot`); never run past it first.
    return snapshot.mode === 'replay' ? Math.min(t, now) : t;
  }

  private askTime(): Promise<number> {
    // Emits are buffered while disconnected; a buffered sample would carry a huge round trip.
    if (!this.socket.connected) return Promise.reject(new Error('disconnected'));
    return this.socket.timeout(TIME_TIMEOUT_MS).emitWithAck('time');
  }

  /** A replay the viewer had running resumes where its playhead had got to, not where it began. */
  private resumeTarget(): void {
    const target = this.target;
    const shown = this.current;
    if (!target || 'channel' in target || target.t === undefined || !this.targetShown || shown?.mode !== 'replay') return;
    this.target = { service: target.service, t: this.dataTime(), speed: shown.clock.speed, playing: shown.clock.playing };
  }

  private watchAgain(): void {
    this.resumeTarget();
    this.sendWatch();
  }

  private request(target: WatchTarget): WatchRequest {
    if ('channel' in target) return { protocol: PROTOCOL_VERSION, channel: target.channel };
    if (target.t === undefined) return { protocol: PROTOCOL_VERSION, service: target.service };
    return { protocol: PROTOCOL_VERSION, service: target.service, t: Math.round(target.t), speed: target.speed, playing: target.playing };
  }

  private sendWatch(): void {
    const target = this.target;
    if (!target || !this.socket.connected) return;
    if (this.inFlight) {
      this.dirty = true;
      return;
    }
    this.clearRetry();
    const epoch = this.epoch;
    this.inFlight = true;
    this.dirty = false;
    this.socket.timeout(this.ackTimeoutMs).emit('watch', this.request(target), (err, response) => {
      if (epoch !== this.epoch) return;
      this.inFlight = false;
      this.setConnection(err ? this.state : 'live');
      if (this.dirty) {
        // Newer controls are waiting: show this answer (the map follows a drag; busy() stays true
        // so it is not taken for the final state) and send those.
        this.inFlight = true;
        if (!err && response.ok) this.apply(response.data);
        this.inFlight = false;
        this.sendWatch();
        return;
      }
      if (err || !response.ok) {
        const error: FeedError = response?.ok === false ? response.error : { code: 'timeout', message: 'no answer from the server' };
        const retrying = this.retryable(error.code);
        if (retrying) this.retry = setTimeout(() => this.sendWatch(), this.retryMs);
        this.emit('refused', error, target, retrying);
        return;
      }
      this.targetShown = target === this.target;
      this.apply(response.data);
    });
  }

  private apply(snapshot: Snapshot): void {
    this.current = snapshot;
    this.held = { service: snapshot.service, seq: snapshot.seq };
    this.countries = { ...snapshot.countries };
    this.serviceProblems = snapshot.problems ?? {};
    this.lastT = snapshot.t;
    this.roughOffset = snapshot.clock.at - Date.now();
    this.emit('snapshot', snapshot, this.countries);
  }

  private onFrame(frame: Frame): void {
    const verdict = frameVerdict(this.held, frame, this.inFlight);
    if (verdict === 'gap') return this.watchAgain();
    if (verdict === 'drop') return;
    this.held!.seq = frame.seq;
    this.lastT = frame.t;
    this.countries = applyChanges(this.countries, frame.changes);
    // Sent only when they moved; otherwise the shares held stand.
    if (frame.problems) this.serviceProblems = frame.problems;
    this.emit('frame', frame, this.countries);
  }

  private emit<E extends keyof FeedEvents>(event: E, ...args: Parameters<FeedEvents[E]>): void {
    for (const listener of this.listeners[event]) (listener as (...a: Parameters<FeedEvents[E]>) => void)(...args);
  }

  private clearRetry(): void {
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
  }

  private setConnection(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.emit('connection', state);
  }
}

function browserOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}
