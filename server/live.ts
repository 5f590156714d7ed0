import type { Server } from 'socket.io';
import { diffStates } from '../shared/frame.ts';
import {
  PROTOCOL_VERSION,
  encodeFrame,
  type ClientToServerEvents,
  type ClockState,
  type CountryStates,
  type Mode,
  type ServerToClientEvents,
  type Snapshot,
} from '../shared/protocol.ts';
import { MINUTE_MS } from '../shared/time.ts';
import type { Clocks } from './clocks.ts';
import type { Config } from './config.ts';
import type { FrameSource } from './frames.ts';
import type { Metrics } from './metrics.ts';
import type { HistoryStore } from './store/store.ts';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents>;

interface Feed {
  t: number;
  states: CountryStates;
}

export function liveRoom(service: string): string {
  return `live:${service}`;
}

/** Everything a snapshot carries besides the countries: shared by live and replay. */
export async function buildSnapshot(
  store: HistoryStore,
  config: Config,
  service: string,
  mode: Mode,
  clock: ClockState,
  countries: CountryStates,
): Promise<Snapshot> {
  const range = await store.range(service);
  return {
    protocol: PROTOCOL_VERSION,
    service,
    mode,
    t: clock.t,
    clock,
    windowMinutes: config.windowMinutes,
    frameMs: config.frameMs,
    heatMax: config.heatMax,
    countries,
    range: range && { from: range.from * MINUTE_MS, to: range.to * MINUTE_MS },
  };
}

/**
 * The live playhead of every watched service. Each tick computes the frame at the service's
 * clock and broadcasts the delta to the service's room, only when something changed.
 */
export class LiveFeeds {
  private readonly feeds = new Map<string, Feed>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(
    private readonly io: IoServer,
    private readonly store: HistoryStore,
    private readonly frames: FrameSource,
    private readonly clocks: Clocks,
    private readonly config: Config,
    private readonly metrics: Metrics,
  ) {
    clocks.on('change', (service) => {
      // The playhead jumped: deltas against the old state would be wrong, so every watcher re-watches.
      this.feeds.delete(service);
      io.to(liveRoom(service)).emit('resync', 'clock');
    });
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.config.frameMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Brings `service` up to date (broadcasting the delta to its room) and returns the full state,
   * so a new watcher's snapshot and the room's next delta share one base.
   */
  async snapshot(service: string): Promise<Snapshot> {
    const feed = await this.advance(service);
    return buildSnapshot(this.store, this.config, service, 'live', { ...this.clocks.state(service), t: feed.t }, feed.states);
  }

  async tick(): Promise<void> {
    // A slow tick (a busy disk) must not pile up behind itself.
    if (this.ticking) return;
    this.ticking = true;
    try {
      this.clocks.expire();
      for (const service of [...this.feeds.keys()]) {
        if (!this.io.sockets.adapter.rooms.get(liveRoom(service))?.size) {
          this.feeds.delete(service);
          continue;
        }
        await this.advance(service);
      }
    } finally {
      this.ticking = false;
    }
  }

  private async advance(service: string): Promise<Feed> {
    const t = this.clocks.now(service);
    const next = { t, states: await this.frames.frame(service, t) };
    const before = this.feeds.get(service);
    // Another advance may have finished while this one read the store; keep the newest.
    if (before && before.t > next.t) return before;
    this.feeds.set(service, next);
    if (before) {
      const changes = diffStates(before.states, next.states);
      if (Object.keys(changes).length > 0) {
        const json = encodeFrame({ service, mode: 'live', t: next.t, changes });
        this.io.to(liveRoom(service)).emit('frame', json);
        this.metrics.frames.inc();
        this.metrics.frameBytes.observe(Buffer.byteLength(json));
      }
    }
    return next;
  }
}
