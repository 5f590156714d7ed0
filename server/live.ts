import type { Server } from 'socket.io';
import { diffStates, frameAt, frameSpan } from '../shared/frame.ts';
import {
  PROTOCOL_VERSION,
  encodeFrame,
  type ClientToServerEvents,
  type CountryStates,
  type ServerToClientEvents,
  type Snapshot,
} from '../shared/protocol.ts';
import type { Clocks } from './clocks.ts';
import type { Config } from './config.ts';
import type { CountStore } from './counts.ts';
import type { Metrics } from './metrics.ts';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents>;

interface Feed {
  t: number;
  states: CountryStates;
}

export function liveRoom(service: string): string {
  return `live:${service}`;
}

/**
 * The live playhead of every watched service. Each tick computes the frame at the service's
 * clock and broadcasts the delta to the service's room, only when something changed.
 */
export class LiveFeeds {
  private readonly feeds = new Map<string, Feed>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly io: IoServer,
    private readonly store: CountStore,
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
    this.timer ??= setInterval(() => this.tick(), this.config.frameMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The frame state of `service` at its clock now. */
  compute(service: string): Feed {
    const t = this.clocks.now(service);
    const { from, to } = frameSpan(t, this.config.windowMinutes);
    const floor = this.config.baselineFloor;
    const states = frameAt(this.store.rows(service, from, to), t, {
      windowMinutes: this.config.windowMinutes,
      baseline: () => floor,
    });
    return { t, states };
  }

  /**
   * Brings `service` up to date (broadcasting the delta to its room) and returns the full state,
   * so a new watcher's snapshot and the room's next delta share one base.
   */
  snapshot(service: string): Snapshot {
    const feed = this.advance(service);
    return {
      protocol: PROTOCOL_VERSION,
      service,
      mode: 'live',
      t: feed.t,
      clock: { ...this.clocks.state(service), t: feed.t },
      windowMinutes: this.config.windowMinutes,
      frameMs: this.config.frameMs,
      heatMax: this.config.heatMax,
      countries: feed.states,
    };
  }

  tick(): void {
    this.clocks.expire();
    for (const service of this.feeds.keys()) {
      if (!this.io.sockets.adapter.rooms.get(liveRoom(service))?.size) {
        this.feeds.delete(service);
        continue;
      }
      this.advance(service);
    }
  }

  private advance(service: string): Feed {
    const next = this.compute(service);
    const before = this.feeds.get(service);
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
