import type { Socket } from 'socket.io';
import { diffStates } from '../shared/frame.ts';
import { encodeFrame, type ClientToServerEvents, type ClockState, type CountryStates, type ServerToClientEvents, type Snapshot } from '../shared/protocol.ts';
import type { Clocks } from './clocks.ts';
import type { Config } from './config.ts';
import type { FrameSource } from './frames.ts';
import { buildSnapshot } from './live.ts';
import type { Metrics } from './metrics.ts';
import type { HistoryStore } from './store/store.ts';

type ReplaySocket = Socket<ClientToServerEvents, ServerToClientEvents>;

interface Playhead {
  service: string;
  /** Data time at wall time `wall0`. */
  t0: number;
  wall0: number;
  speed: number;
  playing: boolean;
  states: CountryStates;
  timer: NodeJS.Timeout | undefined;
}

export interface ReplayRequest {
  service: string;
  t: number;
  speed: number;
  playing: boolean;
}

/**
 * Private replay channels, one per socket: a playhead over the history that advances at `speed`
 * while playing, computing its frames with the same FrameSource as live.
 */
export class ReplayChannels {
  private readonly playheads = new Map<string, Playhead>();

  constructor(
    private readonly store: HistoryStore,
    private readonly frames: FrameSource,
    private readonly clocks: Clocks,
    private readonly config: Config,
    private readonly metrics: Metrics,
    private readonly now: () => number,
  ) {}

  /** Starts or moves the socket's playhead and returns the snapshot at its position. */
  async watch(socket: ReplaySocket, request: ReplayRequest): Promise<Snapshot> {
    const previous = this.playheads.get(socket.id);
    if (previous) clearTimeout(previous.timer);
    const edge = this.clocks.now(request.service);
    const t = Math.min(request.t, edge);
    const playing = request.playing && t < edge;
    const playhead: Playhead = {
      service: request.service,
      t0: t,
      wall0: this.now(),
      speed: request.speed,
      playing,
      states: {},
      timer: undefined,
    };
    this.playheads.set(socket.id, playhead);
    playhead.states = await this.frames.frame(request.service, t);
    // A newer watch may have replaced this playhead while the store was read; only the current one ticks.
    if (playing && this.playheads.get(socket.id) === playhead) this.schedule(socket, playhead);
    return this.snapshotOf(playhead, t);
  }

  /** The socket left replay (it watches live, or it is gone). */
  stop(socketId: string): void {
    const playhead = this.playheads.get(socketId);
    if (playhead) clearTimeout(playhead.timer);
    this.playheads.delete(socketId);
  }

  get size(): number {
    return this.playheads.size;
  }

  private snapshotOf(p: Playhead, t: number): Promise<Snapshot> {
    return buildSnapshot(this.store, this.config, p.service, 'replay', this.clockOf(p, t), p.states);
  }

  private clockOf(p: Playhead, t: number): ClockState {
    return { t, at: this.now(), speed: p.speed, playing: p.playing, simulated: false };
  }

  private schedule(socket: ReplaySocket, p: Playhead): void {
    p.timer = setTimeout(() => void this.tick(socket, p), this.config.frameMs);
    p.timer.unref();
  }

  private async tick(socket: ReplaySocket, p: Playhead): Promise<void> {
    if (this.playheads.get(socket.id) !== p || !p.playing) return;
    const edge = this.clocks.now(p.service);
    let t = p.t0 + (this.now() - p.wall0) * p.speed;
    if (t >= edge) {
      // Caught up with the present: stop here; the viewer can go back to live.
      t = edge;
      p.t0 = t;
      p.wall0 = this.now();
      p.playing = false;
    }
    const states = await this.frames.frame(p.service, t);
    if (this.playheads.get(socket.id) !== p) return;
    const changes = diffStates(p.states, states);
    p.states = states;
    if (Object.keys(changes).length > 0) {
      const json = encodeFrame({ service: p.service, mode: 'replay', t, changes });
      socket.emit('frame', json);
      this.metrics.frames.inc();
      this.metrics.frameBytes.observe(Buffer.byteLength(json));
    }
    if (p.playing) this.schedule(socket, p);
    else socket.emit('clock', this.clockOf(p, t));
  }
}
