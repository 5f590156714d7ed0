import { createHmac, randomBytes } from 'node:crypto';

/**
 * Counts one report per person per service per window. A person is a keyed hash of address and
 * user agent: the key is random per process and never written anywhere, so the hashes cannot be
 * reversed or linked across restarts, and no address is stored.
 */
export class Dedupe {
  private readonly key = randomBytes(32);
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    // Bounds memory under a flood of distinct senders; beyond it the oldest entries go first.
    private readonly maxEntries = 2_000_000,
  ) {}

  /** True the first time `(address, userAgent, service)` is seen within the window. */
  firstReport(address: string, userAgent: string, service: string, now: number): boolean {
    const id = createHmac('sha256', this.key).update(`${address}\n${userAgent}\n${service}`).digest('base64url');
    const expires = this.seen.get(id);
    if (expires !== undefined && expires > now) return false;
    this.seen.delete(id);
    this.seen.set(id, now + this.windowMs);
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }

  /** Forgets expired entries. Map order is insertion order, which is expiry order. */
  sweep(now: number): void {
    for (const [id, expires] of this.seen) {
      if (expires > now) break;
      this.seen.delete(id);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
