import type { Config } from './config.ts';
import { HttpError } from './errors.ts';
import type { HistoryStore } from './store/store.ts';

/** A name not found is looked up in the store again at most this often, so invented names cost little. */
const REFRESH_MS = 1_000;
const FORGET_MS = 10_000;

/**
 * Which services exist: the configured ones (open to public reports) and every one with stored
 * counts (fed by trusted ingest or an import). Anything else is refused before it costs a feed.
 */
export class ServiceCatalog {
  private stored = new Set<string>();
  private readAt = -Infinity;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly store: HistoryStore,
    private readonly config: Config,
    private readonly now: () => number = Date.now,
  ) {
    store.onCommit((commit) => this.stored.add(commit.service));
  }

  async known(service: string): Promise<boolean> {
    if (this.config.services.includes(service)) return true;
    // A stored key can go too (a simulation run dropped): what was seen is trusted only for a while.
    if (this.stored.has(service) && this.now() - this.readAt < FORGET_MS) return true;
    if (this.now() - this.readAt >= REFRESH_MS || this.stored.has(service)) {
      this.reading ??= this.store.services().then(
        (names) => {
          this.stored = new Set(names);
          this.readAt = this.now();
        },
      ).finally(() => (this.reading = undefined));
      await this.reading;
    }
    return this.stored.has(service);
  }

  /**
   * Refuses (404) a service that does not exist, before it reaches anything that keeps state per
   * service (frame and baseline caches, incidents): names a client invents cost no memory.
   */
  async require(key: string): Promise<void> {
    if (!(await this.known(key))) throw new HttpError(404, `unknown service "${key}"`, {}, 'unknown-service');
  }
}
