import { io, type Socket } from 'socket.io-client';
import { applyChanges } from '../shared/frame.ts';
import { dataTimeAt } from '../shared/time.ts';
import {
  decodeFrame,
  type ChannelState,
  type ClientToServerEvents,
  type CountryStates,
  type Frame,
  type ServerToClientEvents,
  type Snapshot,
} from '../shared/protocol.ts';
import { ClockSync } from './clock-sync.ts';
import type { ConnectionState } from './socket.ts';

/** What an unattended page follows: a producer's named channel, or one service live. */
export type FollowTarget = { channel: string } | { service: string };

export interface ChannelFeedListeners {
  /** A full state replaced everything (the watch's answer, or the producer changed the channel). */
  snapshot(snapshot: Snapshot, states: CountryStates): void;
  /** A delta; `states` is the full state after it. */
  frame(frame: Frame, states: CountryStates): void;
  /** `live` while connected (whatever the mode); the others are shown on screen. */
  connection(state: ConnectionState): void;
  /** The watch was refused (an unknown channel...) or went unanswered; it is retried by itself. */
  refused(message: string): void;
}

// A refused watch (a channel not created yet) is asked again at this pace, for as long as it takes.
const RETRY_MS = 5_000;
// An ack that never comes (a server stuck mid-restart) must not leave the screen waiting forever.
const ACK_TIMEOUT_MS = 10_000;
const TIME_TIMEOUT_MS = 3_000;
// Frames racing the watch's ack; a handful at most, the cap only guards against a flood.
const MAX_BUFFERED = 64;

/**
 * The socket of a kiosk screen or an embed: watches its target on every (re)connect, replaces the
 * state on each snapshot or `channel` event, applies frame deltas, and keeps the server's clock
 * offset so that every screen of a channel computes the same data time. Socket.IO reconnects by
 * itself, forever, with capped backoff; nothing here grows with time.
 */
export class ChannelFeed {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly sync: ClockSync;
  private current: Snapshot | undefined;
  private countries: CountryStates = {};
  private lastT = 0;
  /** Until a `time` answer arrives: server clock minus ours from the last snapshot (latency ignored). */
  private roughOffset = 0;
  private state: ConnectionState = 'connecting';
  /** Bumped per connection and per watch so a late ack is never applied. */
  private watchSeq = 0;
  private buffered: Frame[] | undefined;
  /** A `channel` event that arrived while a watch was in flight; applied after the ack if newer. */
  private heldChannel: Snapshot | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly target: FollowTarget | undefined,
    private readonly listeners: ChannelFeedListeners,
  ) {
    this.socket = io({
      // Without a target there is nothing to follow (the page says how to give one).
      autoConnect: target !== undefined,
      reconnection: true,
      reconnectionAttempts: Infinity,
      reconnectionDelay: 1_000,
      // Capped so a screen is back within seconds of the server, however long it was away.
      reconnectionDelayMax: 10_000,
    });
    this.sync = new ClockSync(() => this.askTime());
    this.socket.on('connect', () => {
      this.sync.start();
      this.watch();
    });
    this.socket.on('disconnect', (reason) => {
      this.watchSeq++;
      this.buffered = undefined;
      this.clearRetry();
      this.sync.stop();
      this.setConnection('reconnecting');
      // Socket.IO does not retry a disconnect the server asked for (a shutdown); a screen must.
      if (reason === 'io server disconnect') this.socket.connect();
    });
    // A server that is down when the page loads gives connect errors, never a disconnect.
    this.socket.on('connect_error', () => {
      if (this.state === 'connecting') this.setConnection('offline');
    });
    this.socket.on('frame', (json) => this.onFrame(decodeFrame(json)));
    this.socket.on('channel', (snapshot) => this.onChannel(snapshot));
    // The clock jumped or the channel was removed: ask again (a removed channel is then refused).
    this.socket.on('resync', () => this.watch());
    this.socket.on('clock', (clock) => {
      if (this.current && this.buffered === undefined) this.current = { ...this.current, clock };
    });
  }

  states(): CountryStates {
    return this.countries;
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

  /** Server clock minus ours, in ms: the NTP-style estimate once one is in. */
  offsetMs(): number {
    return this.sync.offsetMs() ?? this.roughOffset;
  }

  serverNow(): number {
    return Date.now() + this.offsetMs();
  }

  /**
   * Data time now, from the server-stamped clock alone (`t + (serverNow - at) * speed`): never
   * from when frames happened to arrive, so screens agree to within their offset errors.
   */
  dataTime(): number {
    const snapshot = this.current;
    if (!snapshot) return this.serverNow();
    const { clock } = snapshot;
    if (!clock.playing) return clock.t;
    const now = this.serverNow();
    const t = dataTimeAt(clock, now);
    // The server pauses a replay at the present (with a `channel` event); never run past it first.
    return snapshot.mode === 'replay' ? Math.min(t, now) : t;
  }

  private askTime(): Promise<number> {
    // Emits are buffered while disconnected; a buffered sample would carry a huge round trip.
    if (!this.socket.connected) return Promise.reject(new Error('disconnected'));
    return this.socket.timeout(TIME_TIMEOUT_MS).emitWithAck('time');
  }

  private watch(): void {
    this.clearRetry();
    if (!this.socket.connected || !this.target) return;
    const seq = ++this.watchSeq;
    this.buffered = [];
    this.heldChannel = undefined;
    this.socket.timeout(ACK_TIMEOUT_MS).emit('watch', this.target, (err, response) => {
      if (seq !== this.watchSeq) return;
      const frames = this.buffered ?? [];
      const held = this.heldChannel;
      this.buffered = undefined;
      this.heldChannel = undefined;
      this.setConnection('live');
      if (err || !response.ok) {
        this.listeners.refused(err ? 'no answer from the server' : (response as { error: string }).error);
        this.retry = setTimeout(() => this.watch(), RETRY_MS);
        return;
      }
      this.apply(response.data);
      for (const frame of frames) this.onFrame(frame);
      if (held) this.onChannel(held);
    });
  }

  private onChannel(snapshot: Snapshot): void {
    const shown = this.current?.channel;
    // Events and acks can cross; a repeat or an older version must not undo a newer one. (An ack
    // always wins: after a server restart versions come from its store, whatever this page saw.)
    if (shown && snapshot.channel && shown.name === snapshot.channel.name && snapshot.channel.version <= shown.version) return;
    if (this.buffered !== undefined) {
      // A watch is in flight: its answer may be older or newer than this; decide once it is in.
      this.heldChannel = snapshot;
      return;
    }
    this.apply(snapshot);
  }

  private apply(snapshot: Snapshot): void {
    this.current = snapshot;
    this.countries = { ...snapshot.countries };
    this.lastT = snapshot.t;
    this.roughOffset = snapshot.clock.at - Date.now();
    this.listeners.snapshot(snapshot, this.countries);
  }

  private onFrame(frame: Frame): void {
    if (this.buffered !== undefined) {
      if (this.buffered.length < MAX_BUFFERED) this.buffered.push(frame);
      return;
    }
    const current = this.current;
    // A frame of what was shown before a switch may still be in flight.
    if (!current || frame.service !== current.service || frame.mode !== current.mode || frame.t < this.lastT) return;
    this.lastT = frame.t;
    this.countries = applyChanges(this.countries, frame.changes);
    this.listeners.frame(frame, this.countries);
  }

  private clearRetry(): void {
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
  }

  private setConnection(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.listeners.connection(state);
  }
}
