import { createHmac, randomBytes } from 'node:crypto';

export type ReportVerdict = 'counted' | 'duplicate' | 'limited';

/**
 * Counts one report per person per service per window, and at most `perAddress` people behind
 * one address (an office or a phone carrier's NAT shares one; a script rotating user agents does
 * too). A person is a keyed hash of address and user agent: the key is random per process and
 * never written anywhere, so the hashes cannot be reversed or linked across restarts, and no
 * address is stored.
 */
export class Dedupe {
  private readonly key = randomBytes(32);
  private readonly seen = new Map<string, number>();
  private readonly addresses = new Map<string, { count: number; expires: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly perAddress = 50,
    // Bounds memory under a flood of distinct senders; beyond it the oldest entries go first.
    private readonly maxEntries = 2_000_000,
  ) {}

  private hash(...parts: string[]): string {
    return createHmac('sha256', this.key).update(parts.join('\n')).digest('base64url');
  }

  /** Whether a report of `(address, userAgent)` for `service` counts now. */
  check(address: string, userAgent: string, service: string, now: number): ReportVerdict {
    const person = this.hash(address, userAgent, service);
    const expires = this.seen.get(person);
    if (expires !== undefined && expires > now) return 'duplicate';
    const place = this.hash(address, service);
    let quota = this.addresses.get(place);
    if (!quota || quota.expires <= now) {
      this.addresses.delete(place);
      this.addresses.set(place, (quota = { count: 0, expires: now + this.windowMs }));
    }
    if (quota.count >= this.perAddress) return 'limited';
    quota.count++;
    this.seen.delete(person);
    this.seen.set(person, now + this.windowMs);
    for (const map of [this.seen, this.addresses] as Map<string, unknown>[]) {
      if (map.size > this.maxEntries) map.delete(map.keys().next().value!);
    }
    return 'counted';
  }

  /** Forgets expired entries. Map order is insertion order, which is expiry order. */
  sweep(now: number): void {
    for (const [id, expires] of this.seen) {
      if (expires > now) break;
      this.seen.delete(id);
    }
    for (const [id, quota] of this.addresses) {
      if (quota.expires > now) break;
      this.addresses.delete(id);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
