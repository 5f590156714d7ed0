/**
 * The one connection to Redis (`REDIS_URL`), for what several nodes must share live: dedupe
 * hashes, per-network limits, clock leases, channel state, and Socket.IO's adapter. Without
 * REDIS_URL none of this is loaded.
 */
import type { Logger } from 'pino';
import { createClient } from 'redis';
import { HttpError } from '../errors.ts';

export type RedisClient = ReturnType<typeof createClient<{}, {}, {}, 2>>;

/** Every key this application writes starts with it, so one Redis can serve other things too. */
export const KEY_PREFIX = 'outage-map:';

/** How long the first connection may take before the server gives up starting. */
const CONNECT_TIMEOUT_MS = 10_000;

/** A write that needs Redis while it is unreachable: 503, nothing was stored. */
export function redisUnavailable(cause?: unknown): HttpError {
  return Object.assign(
    new HttpError(503, 'unavailable: the shared live state (Redis) is unreachable; nothing was stored, try again shortly', {}, 'shared-state-unavailable'),
    { cause },
  );
}

export class RedisLink {
  private readonly readyListeners = new Set<() => void | Promise<void>>();
  private downSince: number | undefined;

  /**
   * The Socket.IO adapter's own connection, whose commands wait while Redis is down: the
   * adapter re-reads its stream in a loop, and a read failing at once would spin that loop
   * without ever yielding to the event loop.
   */
  readonly adapterClient: RedisClient;

  private constructor(
    readonly client: RedisClient,
    logger: Logger,
  ) {
    this.adapterClient = client.duplicate({ disableOfflineQueue: false });
    this.adapterClient.on('error', () => {});
    // The adapter sends its ephemeral messages (serverSideEmit: the commit and channel
    // announcements) with PUBLISH and drops the promise: a connection reset in flight, as when
    // Redis is killed, was an unhandled rejection that killed the node. A lost announcement is
    // caught up by the revisions poll, so a failed publish is only let go of.
    const publish = this.adapterClient.publish.bind(this.adapterClient) as (...args: unknown[]) => Promise<number>;
    (this.adapterClient as unknown as { publish: typeof publish }).publish = (...args) => publish(...args).catch(() => 0);
    client.on('error', (error: Error) => {
      // Logged once per outage; the client reconnects by itself.
      if (this.downSince !== undefined) return;
      this.downSince = Date.now();
      logger.warn({ err: error }, 'Redis is unreachable; reconnecting');
    });
    client.on('end', () => (this.downSince ??= Date.now()));
    client.on('ready', () => {
      if (this.downSince !== undefined) logger.info(`Redis is back after ${Date.now() - this.downSince} ms`);
      this.downSince = undefined;
      for (const listener of this.readyListeners) {
        void Promise.resolve()
          .then(listener)
          .catch((error: unknown) => logger.warn({ err: error }, 'resynchronising with Redis failed'));
      }
    });
  }

  /** Connects, or throws after CONNECT_TIMEOUT_MS saying where it tried. */
  static async connect(url: string, logger: Logger): Promise<RedisLink> {
    const client = createClient({
      url,
      // RESP2: the replies the Socket.IO adapter reads (XREAD) are in the shape it expects.
      RESP: 2,
      // While Redis is down a command fails at once (and the request answers 503) instead of
      // waiting in a queue with the client's request held open.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2_000,
        // Back within a second of Redis returning, whatever the outage's length.
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1_000),
      },
    });
    const link = new RedisLink(client, logger);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all([client.connect(), link.adapterClient.connect()]),
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer from Redis at ${new URL(url).host} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      client.destroy();
      link.adapterClient.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return link;
  }

  get ready(): boolean {
    return this.client.isReady;
  }

  /** For /readyz: whether writes that need Redis can happen now. */
  health(): { ready: boolean; reason?: string } {
    return this.ready ? { ready: true } : { ready: false, reason: 'the shared live state (Redis) is unreachable' };
  }

  /**
   * Calls `listener` after every reconnection (Redis may have restarted empty: what each node
   * holds is written back, what others changed meanwhile is read again).
   */
  onReady(listener: () => void | Promise<void>): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  /** Runs `command`, turning "Redis is unreachable" into a 503 for the client. */
  async run<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
    if (!this.ready) throw redisUnavailable();
    try {
      return await command(this.client);
    } catch (error) {
      if (!this.ready || /closed|connect|socket|offline/i.test(String((error as Error)?.message))) throw redisUnavailable(error);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.readyListeners.clear();
    for (const client of [this.client, this.adapterClient]) if (client.isOpen) await client.close().catch(() => client.destroy());
  }
}
