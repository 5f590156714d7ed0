/**
 * Several nodes behind a balancer (REDIS_URL set). Every node computes frames itself from the
 * shared store and sends them to its own sockets; what the nodes must agree on travels through
 * Redis:
 * - commits: each node announces what it committed (service, revision, rows) and the others
 *   apply it to their minute caches as if it were their own, so a report posted to node A
 *   reaches viewers on node C in milliseconds (a lost announcement is caught by the store's
 *   revision poll within a second);
 * - named channels (compare-and-set in Redis, announced), clock leases, dedupe (see their modules).
 * Announcements go through Socket.IO's Redis Streams adapter (`serverSideEmit`), which also makes
 * `io.emit` reach every node's sockets.
 */
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { ChannelState, Problem } from '../../shared/protocol.ts';
import type { Clocks, Lease } from '../clocks.ts';
import type { DedupeLimits } from '../dedupe.ts';
import type { Channels } from '../playheads/channels.ts';
import type { Commit, HistoryStore, MinuteCount } from '../store/store.ts';
import { RedisChannels } from './channels.ts';
import { RedisDedupe } from './dedupe.ts';
import { KEY_PREFIX, RedisLink } from './redis.ts';

export { RedisLink } from './redis.ts';

const CLOCK_PREFIX = `${KEY_PREFIX}clock:`;
/** How long /readyz waits for the store to answer a read. */
const HEALTH_READ_MS = 2_000;
/** How long an announcement that skips a revision waits for the one(s) before it. */
const REORDER_MS = 50;

/**
 * A commit on the wire: rows as `[minute, country, count]`, a third of the JSON of objects, with
 * the row's problem type fourth when it names one (the other nodes' breakdowns follow it too).
 */
type WireRow = [number, string, number] | [number, string, number, Problem];
interface WireCommit {
  service: string;
  rev: number;
  writes: Array<{ mode: 'add' | 'put'; rows: WireRow[] }>;
}

/** What the nodes tell each other (`io.serverSideEmit`; a node does not hear its own). */
interface ClusterEvents {
  commit: (commit: WireCommit) => void;
  channel: (state: ChannelState) => void;
  'channel-removed': (name: string) => void;
  clock: (service: string, lease: Lease | null) => void;
}

type ClusterIo = Server<Record<string, never>, Record<string, never>, ClusterEvents>;

/** Per service: the highest revision delivered in order, and announcements waiting for a gap to fill. */
interface Order {
  rev: number;
  held: Map<number, Commit>;
  timer: NodeJS.Timeout | undefined;
}

export class Cluster {
  private io: ClusterIo | undefined;
  private readonly remoteCommits = new Set<(commit: Commit) => void>();
  private readonly order = new Map<string, Order>();

  constructor(
    readonly redis: RedisLink,
    private readonly logger: Logger,
  ) {}

  /** Socket.IO's adapter over this Redis, for the io server's options. */
  adapter(): ReturnType<typeof createAdapter> {
    // The adapter's types name node-redis 4's client; this one (6) speaks the same commands.
    return createAdapter(this.redis.adapterClient as never, { streamName: `${KEY_PREFIX}socket.io`, channelPrefix: `${KEY_PREFIX}socket.io`, onlyPlaintext: true });
  }

  /**
   * The store as the application sees it: other nodes' commits are announced to its listeners as
   * its own are, and its health includes Redis's (`/readyz`).
   */
  share<S extends HistoryStore>(store: S): S {
    store.onCommit((commit) => {
      this.emit('commit', toWire(commit));
      // After the store's other listeners (the caches) have taken this commit.
      queueMicrotask(() => this.delivered(commit.service, commit.rev));
    });
    const redis = this.redis;
    const remoteCommits = this.remoteCommits;
    return new Proxy(store, {
      get(target, property) {
        if (property === 'onCommit') {
          return (listener: (commit: Commit) => void) => {
            const local = target.onCommit(listener);
            remoteCommits.add(listener);
            return () => {
              local();
              remoteCommits.delete(listener);
            };
          };
        }
        if (property === 'health') {
          return async () => {
            const shared = redis.health();
            if (!shared.ready) return { writable: false, reason: shared.reason };
            // The store's own check tries a write only after one failed; a node that has not
            // written lately must still leave the balancer while the database is unreachable.
            const reachable = await Promise.race([
              target.revisions().then(() => true, () => false),
              new Promise<boolean>((resolve) => setTimeout(resolve, HEALTH_READ_MS, false).unref()),
            ]);
            return reachable ? target.health() : { writable: false, reason: 'the history store is unreachable' };
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /**
   * Two nodes committing at once may announce revisions 11 and 12 in the other order; a cache
   * handed 12 first would drop the service's minutes and read them again. An announcement that
   * skips a revision waits a few milliseconds for the missing one (then goes anyway).
   */
  private remote(commit: Commit): void {
    let order = this.order.get(commit.service);
    if (!order) this.order.set(commit.service, (order = { rev: commit.rev - 1, held: new Map(), timer: undefined }));
    if (commit.rev > order.rev + 1) {
      order.held.set(commit.rev, commit);
      order.timer ??= setTimeout(() => this.release(commit.service), REORDER_MS);
      return;
    }
    this.deliver(commit);
    this.delivered(commit.service, commit.rev);
  }

  private deliver(commit: Commit): void {
    for (const listener of this.remoteCommits) listener(commit);
  }

  /** Revision `rev` of `service` reached the caches: hand over the held ones that now follow. */
  private delivered(service: string, rev: number): void {
    const order = this.order.get(service);
    if (!order) return void this.order.set(service, { rev, held: new Map(), timer: undefined });
    order.rev = Math.max(order.rev, rev);
    for (let next = order.held.get(order.rev + 1); next; next = order.held.get(order.rev + 1)) {
      order.held.delete(next.rev);
      order.rev = next.rev;
      this.deliver(next);
    }
    for (const [held, commit] of order.held) {
      if (held > order.rev) continue;
      order.held.delete(held);
      this.deliver(commit);
    }
    if (order.held.size === 0) {
      clearTimeout(order.timer);
      order.timer = undefined;
    }
  }

  /** The missing revision did not come: the held ones go in order (the caches read the gap again). */
  private release(service: string): void {
    const order = this.order.get(service);
    if (!order) return;
    order.timer = undefined;
    const held = [...order.held.values()].sort((x, y) => x.rev - y.rev);
    order.held.clear();
    for (const commit of held) {
      this.deliver(commit);
      order.rev = Math.max(order.rev, commit.rev);
    }
  }

  dedupe(limits: DedupeLimits): RedisDedupe {
    return new RedisDedupe(this.redis, limits);
  }

  channels(): RedisChannels {
    return new RedisChannels(this.redis, (event, payload) => (event === 'channel' ? this.emit('channel', payload as ChannelState) : this.emit('channel-removed', payload as string)));
  }

  /** Listens to the other nodes; called once the io server, the clocks and the channels exist. */
  attach(io: Server, clocks: Clocks, channels: Channels): void {
    const cio = io as unknown as ClusterIo;
    this.io = cio;
    cio.on('commit', (wire) => this.remote(fromWire(wire)));
    cio.on('channel', (state) => void channels.adopt(state).catch((error: unknown) => this.logger.warn({ err: error }, 'taking a channel change failed')));
    cio.on('channel-removed', (name) => channels.forget(name));
    cio.on('clock', (service, lease) => clocks.adopt(service, lease ?? undefined));

    clocks.on('lease', (service, lease) => {
      this.emit('clock', service, lease ?? null);
      void this.storeLease(service, lease).catch((error: unknown) => this.logger.warn({ err: error, service }, 'sharing a clock lease failed'));
    });
    void this.syncLeases(clocks).catch((error: unknown) => this.logger.warn({ err: error }, 'reading the shared clock leases failed'));
    // Redis back (maybe restarted empty): write back what this node holds, read what others changed.
    this.redis.onReady(async () => {
      await this.syncLeases(clocks);
      await channels.resync();
    });
  }

  /** Reads the leases other nodes hold (a node starting while a simulation runs). */
  async syncLeases(clocks: Clocks): Promise<void> {
    const now = Date.now();
    for (const [service, lease] of clocks.leases()) if (lease.expires > now) await this.storeLease(service, lease);
    const keys: string[] = [];
    for await (const batch of this.redis.client.scanIterator({ MATCH: `${CLOCK_PREFIX}*`, COUNT: 100 })) keys.push(...batch);
    for (const key of keys) {
      const json = await this.redis.client.get(key);
      if (json) clocks.adopt(key.slice(CLOCK_PREFIX.length), JSON.parse(json) as Lease);
    }
  }

  private async storeLease(service: string, lease: Lease | undefined): Promise<void> {
    await this.redis.run(async (client) => {
      const ttl = lease ? lease.expires - Date.now() : 0;
      if (ttl > 0) await client.set(`${CLOCK_PREFIX}${service}`, JSON.stringify(lease), { expiration: { type: 'PX', value: ttl } });
      else await client.del(`${CLOCK_PREFIX}${service}`);
    });
  }

  private emit<E extends keyof ClusterEvents>(event: E, ...args: Parameters<ClusterEvents[E]>): void {
    // Lost while Redis is down; the store's revision poll catches commits up within a second.
    (this.io?.serverSideEmit as ((event: E, ...args: Parameters<ClusterEvents[E]>) => boolean) | undefined)?.call(this.io, event, ...args);
  }

  async close(): Promise<void> {
    for (const order of this.order.values()) clearTimeout(order.timer);
    await this.redis.close();
  }
}

function toWire(commit: Commit): WireCommit {
  return {
    service: commit.service,
    rev: commit.rev,
    writes: commit.writes.map((w) => ({ mode: w.mode, rows: w.rows.map((r): WireRow => (r.problem ? [r.minute, r.country, r.count, r.problem] : [r.minute, r.country, r.count])) })),
  };
}

function fromWire(wire: WireCommit): Commit {
  return {
    service: wire.service,
    rev: wire.rev,
    writes: wire.writes.map((w) => ({
      mode: w.mode,
      rows: w.rows.map(([minute, country, count, problem]): MinuteCount => (problem ? { service: wire.service, minute, country, count, problem } : { service: wire.service, minute, country, count })),
    })),
  };
}
