import { io, type Socket } from 'socket.io-client';
import { applyChanges } from '../shared/frame.ts';
import { dataTimeAt } from '../shared/time.ts';
import {
  decodeFrame,
  type ClientToServerEvents,
  type ClockState,
  type CountryStates,
  type Frame,
  type ServerToClientEvents,
  type Snapshot,
  type WatchRequest,
} from '../shared/protocol.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** What to watch: a service live (no `t`), or a replay playhead at data time `t`. */
export interface WatchTarget {
  service: string;
  t?: number;
  speed?: number;
  playing?: boolean;
}

export interface FeedListeners {
  /** A fresh snapshot replaced the whole state (a watch, a seek, a reconnect, a resync). */
  snapshot(snapshot: Snapshot, states: CountryStates): void;
  /** A frame changed some countries; `states` is the full state after it. */
  frame(frame: Frame, states: CountryStates): void;
  /** The replay's clock changed by itself (it paused at the live edge). */
  clock(clock: ClockState): void;
  connection(state: ConnectionState): void;
  /** A watch was refused (unknown service, replay unavailable...): the server's stable message. */
  error(message: string, target: WatchTarget): void;
}

// Socket.IO keeps retrying with backoff (up to 5 s apart); after this many failed attempts the
// server is more likely down than briefly away, so the pill says offline (retries continue).
const OFFLINE_AFTER_ATTEMPTS = 4;

/**
 * The typed socket and the state of one watched playhead (live or replay). It watches again on
 * every (re)connect and on `resync`, because the server forgets channels across reconnects, and
 * applies frame deltas. At most one watch is in flight: while dragging the timeline only the
 * latest position is sent when the previous ack returns, and each ack still repaints the map.
 */
export class Feed {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private target: WatchTarget | undefined;
  private current: Snapshot | undefined;
  private countries: CountryStates = {};
  private lastT = 0;
  /** Server clock minus ours, estimated when a snapshot arrives (latency is ignored on purpose). */
  private offsetMs = 0;
  private state: ConnectionState = 'connecting';
  /** Increments per connection so an ack lost to a disconnect can never be applied late. */
  private connectionSeq = 0;
  private inFlight = false;
  /** The target changed while a watch was in flight: send the latest when its ack returns. */
  private dirty = false;
  /** Frames that arrive while a live watch is pending: applied after its snapshot if newer. */
  private pending: Frame[] | undefined;

  constructor(private readonly listeners: FeedListeners) {
    this.socket = io({ autoConnect: false });
    this.socket.on('connect', () => this.sendWatch());
    this.socket.on('disconnect', (reason) => {
      this.resumeTarget();
      this.connectionSeq++;
      this.inFlight = false;
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
    this.socket.on('resync', () => {
      this.resumeTarget();
      this.sendWatch();
    });
    this.socket.on('clock', (clock) => this.onClock(clock));
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

  /** Starts watching `target`, replacing whatever was watched (a seek is just a new target). */
  watch(target: WatchTarget): void {
    this.target = { ...target };
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

  /** True while a watch awaits its ack (the state shown is about to be replaced). */
  busy(): boolean {
    return this.inFlight;
  }

  /** Data time of the newest snapshot or frame applied: the moment the map shows. */
  frameTime(): number {
    return this.lastT;
  }

  /** Epoch ms on the server's clock, by the offset estimated at the last snapshot. */
  serverNow(): number {
    return Date.now() + this.offsetMs;
  }

  /** Data time now: the snapshot clock advanced by server time elapsed times its speed. */
  dataTime(): number {
    const clock = this.current?.clock;
    if (!clock) return Date.now();
    if (!clock.playing) return Math.max(clock.t, this.lastT);
    const serverNow = this.serverNow();
    // Never show a time behind the newest frame: the estimate may lag by the network latency.
    const t = Math.max(dataTimeAt(clock, serverNow), this.lastT);
    // A replay stops at the live edge (the server says so with `clock`; this avoids overshooting first).
    return this.current!.mode === 'replay' ? Math.min(t, serverNow) : t;
  }

  /** Before watching again after a gap, a playing replay resumes where its playhead had got to. */
  private resumeTarget(): void {
    const target = this.target;
    if (target?.t !== undefined && this.current?.mode === 'replay' && this.current.service === target.service) {
      target.t = this.dataTime();
      target.playing = this.current.clock.playing;
    }
  }

  private sendWatch(): void {
    const target = this.target;
    if (!target) return;
    if (this.inFlight) {
      this.dirty = true;
      return;
    }
    const connection = this.connectionSeq;
    const request: WatchRequest =
      target.t === undefined
        ? { service: target.service }
        : { service: target.service, t: Math.round(target.t), speed: target.speed, playing: target.playing };
    // Only a live watch of the same live service may keep frames that race the ack; after a seek,
    // frames of the old playhead would undo the new snapshot.
    const sameLive = target.t === undefined && this.current?.mode === 'live' && this.current.service === target.service;
    this.pending = sameLive || !this.current ? [] : undefined;
    this.inFlight = true;
    this.dirty = false;
    this.socket.emit('watch', request, (response) => {
      if (connection !== this.connectionSeq) return;
      const buffered = this.pending ?? [];
      this.pending = undefined;
      if (this.dirty) {
        // Newer controls are waiting: show this answer (the map follows a drag; busy() stays true
        // so it is not taken for the final state) and send those.
        if (response.ok) this.applySnapshot(response.data);
        this.inFlight = false;
        this.sendWatch();
        return;
      }
      this.inFlight = false;
      if (!response.ok) {
        this.listeners.error(response.error, target);
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

  private onClock(clock: ClockState): void {
    const current = this.current;
    if (!current || current.mode !== 'replay' || this.inFlight) return;
    this.current = { ...current, clock };
    this.lastT = Math.min(this.lastT, clock.t);
    this.offsetMs = clock.at - Date.now();
    if (this.target?.t !== undefined) {
      this.target.t = clock.t;
      this.target.playing = clock.playing;
    }
    this.listeners.clock(clock);
  }

  private onFrame(frame: Frame): void {
    if (this.inFlight) {
      this.pending?.push(frame);
      return;
    }
    // Frames of a channel we left may still be in flight after a switch.
    const current = this.current;
    if (!current || frame.service !== current.service || frame.mode !== current.mode || frame.t < this.lastT) return;
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
