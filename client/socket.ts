import { io, type Socket } from 'socket.io-client';
import { applyChanges } from '../shared/frame.ts';
import {
  decodeFrame,
  type ClientToServerEvents,
  type CountryStates,
  type Frame,
  type ServerToClientEvents,
  type Snapshot,
} from '../shared/protocol.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface FeedListeners {
  /** A fresh snapshot replaced the whole state (first watch, service change, reconnect, resync). */
  snapshot(snapshot: Snapshot, states: CountryStates): void;
  /** A frame changed some countries; `states` is the full state after it. */
  frame(frame: Frame, states: CountryStates): void;
  connection(state: ConnectionState): void;
  /** A watch was refused (unknown service...): the server's stable message. */
  error(message: string): void;
}

// Socket.IO keeps retrying with backoff (up to 5 s apart); after this many failed attempts the
// server is more likely down than briefly away, so the pill says offline (retries continue).
const OFFLINE_AFTER_ATTEMPTS = 4;

/**
 * The typed socket and the live state of one watched service: it watches on every (re)connect
 * and on `resync`, because the server forgets rooms across reconnects, and applies frame deltas.
 */
export class LiveFeed {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private service: string | undefined;
  private current: Snapshot | undefined;
  private countries: CountryStates = {};
  private lastT = 0;
  /** Server clock minus ours, estimated when a snapshot arrives (latency is ignored on purpose). */
  private offsetMs = 0;
  private state: ConnectionState = 'connecting';
  /** Increments per watch so an ack for a superseded watch (service switched meanwhile) is dropped. */
  private watchSeq = 0;
  /** Frames that arrive while a watch is pending: applied after its snapshot if newer. */
  private pending: Frame[] | undefined;

  constructor(private readonly listeners: FeedListeners) {
    this.socket = io({ autoConnect: false });
    this.socket.on('connect', () => this.sendWatch());
    this.socket.on('disconnect', (reason) => {
      this.pending = undefined;
      this.setState(navigator.onLine ? 'reconnecting' : 'offline');
      // A server-side disconnect is not retried by Socket.IO itself.
      if (reason === 'io server disconnect') this.socket.connect();
    });
    this.socket.io.on('reconnect_attempt', (attempt) => {
      if (attempt >= OFFLINE_AFTER_ATTEMPTS || !navigator.onLine) this.setState('offline');
    });
    this.socket.io.on('reconnect_failed', () => this.setState('offline'));
    this.socket.on('frame', (json) => this.onFrame(decodeFrame(json)));
    this.socket.on('resync', () => this.sendWatch());
    window.addEventListener('offline', () => {
      if (!this.socket.connected) this.setState('offline');
    });
    window.addEventListener('online', () => {
      if (!this.socket.connected) {
        this.setState('reconnecting');
        this.socket.connect();
      }
    });
  }

  /** Starts (or switches to) watching `service`. */
  watch(service: string): void {
    this.service = service;
    if (this.socket.connected) this.sendWatch();
    else if (!this.socket.active) this.socket.connect();
  }

  states(): CountryStates {
    return this.countries;
  }

  snapshot(): Snapshot | undefined {
    return this.current;
  }

  connection(): ConnectionState {
    return this.state;
  }

  /** Data time now: the snapshot clock advanced by server time elapsed times its speed. */
  dataTime(): number {
    const clock = this.current?.clock;
    if (!clock) return Date.now();
    if (!clock.playing) return Math.max(clock.t, this.lastT);
    const serverNow = Date.now() + this.offsetMs;
    // Never show a time behind the newest frame: the estimate may lag by the network latency.
    return Math.max(clock.t + (serverNow - clock.at) * clock.speed, this.lastT);
  }

  private sendWatch(): void {
    const service = this.service;
    if (!service) return;
    const seq = ++this.watchSeq;
    this.pending = [];
    this.socket.emit('watch', { service }, (response) => {
      if (seq !== this.watchSeq) return;
      const buffered = this.pending ?? [];
      this.pending = undefined;
      if (!response.ok) {
        this.listeners.error(response.error);
        this.setState('live');
        return;
      }
      this.applySnapshot(response.data);
      for (const frame of buffered) this.onFrame(frame);
      this.setState('live');
    });
  }

  private applySnapshot(snapshot: Snapshot): void {
    this.current = snapshot;
    this.countries = { ...snapshot.countries };
    this.lastT = snapshot.t;
    this.offsetMs = snapshot.clock.at - Date.now();
    this.listeners.snapshot(snapshot, this.countries);
  }

  private onFrame(frame: Frame): void {
    if (this.pending) {
      this.pending.push(frame);
      return;
    }
    // Frames of a room we left may still be in flight after a service switch.
    if (!this.current || frame.service !== this.current.service || frame.t < this.lastT) return;
    this.lastT = frame.t;
    this.countries = applyChanges(this.countries, frame.changes);
    this.listeners.frame(frame, this.countries);
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.listeners.connection(state);
  }
}
