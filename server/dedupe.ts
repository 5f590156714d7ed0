import { createHmac, randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

export type ReportVerdict =
  | { result: 'counted' }
  | { result: 'duplicate' }
  /** The network already sent its share of counted reports for this service in the window. */
  | { result: 'network-cap' }
  /** Too many reports from the network: refuse (429) for `retryAfterMs`. */
  | { result: 'limited'; retryAfterMs: number };

export interface DedupeLimits {
  /** One report per person (address and user agent) per service within this time. */
  dedupeMs: number;
  /** Most reports one network may send per service within `dedupeMs` before a 429. */
  perNetwork: number;
  /** Most reports of one network counted per service within any trailing `capWindowMs`. */
  networkCap: number;
  capWindowMs: number;
  /** Bounds memory under a flood of distinct senders; beyond it the oldest entries go first. */
  maxEntries?: number;
}

/**
 * Who may add to the public counts. The in-process `Dedupe` answers synchronously; the one shared
 * by several nodes (server/cluster/dedupe.ts, over Redis) answers with a Promise, and may reject
 * with a 503 while Redis is unreachable.
 */
export interface ReportGate {
  check(address: string, userAgent: string, service: string, now: number): ReportVerdict | Promise<ReportVerdict>;
  /**
   * Undoes a `counted` verdict of the same arguments whose report could not be stored (a 503):
   * the person's retry must count, not be answered "already counted".
   */
  release(address: string, userAgent: string, service: string, now: number): void | Promise<void>;
  /** Forgets expired entries (Redis expires its own keys). */
  sweep(now: number): void;
}

/**
 * The network a client address belongs to: IPv4 /24, IPv6 /64 (a home or an office gets a whole
 * /64, so its addresses are one sender), an IPv4-mapped IPv6 address as IPv4. Anything else is
 * kept whole.
 */
export function networkOf(address: string): string {
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (!isIPv6(address)) return address;
  const groups = expandIPv6(address);
  // IPv4-mapped, in any spelling a proxy may write (`::ffff:1.2.3.4`, `0:0:0:0:0:ffff:102:304`):
  // the IPv4 client's /24, not one /64 shared by every IPv4 client.
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    const [hi, lo] = [parseInt(groups[6]!, 16), parseInt(groups[7]!, 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.0/24`;
  }
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, lower-case without leading zeros (an IPv4 tail as two groups). */
function expandIPv6(ip: string): string[] {
  const [head, tail] = ip.split('%')[0]!.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').flatMap(ipv4AsGroups) : []);
  const left = groups(head);
  const right = groups(tail);
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(zeros).fill('0'), ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

function ipv4AsGroups(group: string): string[] {
  if (!group.includes('.')) return [group];
  const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

/**
 * Who may add to the public counts, and how much. Three rules, all keyed by hashes:
 * - a person (address and user agent) counts once per service per dedupe window;
 * - a network (IPv4 /24, IPv6 /64) counts at most `networkCap` times per service in any trailing
 *   window, so one office, one carrier NAT or one script rotating user agents cannot make an
 *   outage alone: a level needs reports from several networks;
 * - a network sending more than `perNetwork` reports per service in a dedupe window is refused (429).
 * The hash key is random per process and never written anywhere, so the hashes cannot be reversed
 * or linked across restarts, and no address is stored.
 */
export class Dedupe implements ReportGate {
  private readonly key = randomBytes(32);
  private readonly seen = new Map<string, number>();
  private readonly quotas = new Map<string, { count: number; expires: number }>();
  /** Per network and service, the times of its counted reports in the trailing cap window. */
  private readonly counted = new Map<string, number[]>();
  private readonly maxEntries: number;

  constructor(private readonly limits: DedupeLimits) {
    this.maxEntries = limits.maxEntries ?? 1_000_000;
  }

  private hash(...parts: string[]): string {
    return createHmac('sha256', this.key).update(parts.join('\n')).digest('base64url');
  }

  /** Whether a report of `(address, userAgent)` for `service` counts now. */
  check(address: string, userAgent: string, service: string, now: number): ReportVerdict {
    const { dedupeMs, perNetwork, networkCap, capWindowMs } = this.limits;
    const person = this.hash('person', address, userAgent, service);
    const expires = this.seen.get(person);
    if (expires !== undefined && expires > now) return { result: 'duplicate' };
    const network = this.hash('network', networkOf(address), service);
    let quota = this.quotas.get(network);
    if (!quota || quota.expires <= now) {
      this.quotas.delete(network);
      this.remember(this.quotas, network, (quota = { count: 0, expires: now + dedupeMs }));
    }
    if (quota.count >= perNetwork) return { result: 'limited', retryAfterMs: quota.expires - now };
    quota.count++;
    this.seen.delete(person);
    this.remember(this.seen, person, now + dedupeMs);
    const times = (this.counted.get(network) ?? []).filter((t) => t > now - capWindowMs);
    if (times.length >= networkCap) {
      this.counted.set(network, times);
      return { result: 'network-cap' };
    }
    times.push(now);
    this.counted.delete(network);
    this.remember(this.counted, network, times);
    return { result: 'counted' };
  }

  release(address: string, userAgent: string, service: string, now: number): void {
    this.seen.delete(this.hash('person', address, userAgent, service));
    const network = this.hash('network', networkOf(address), service);
    const quota = this.quotas.get(network);
    if (quota && quota.count > 0) quota.count--;
    const times = this.counted.get(network);
    const i = times?.lastIndexOf(now) ?? -1;
    if (i >= 0) times!.splice(i, 1);
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.set(key, value);
    if (map.size > this.maxEntries) map.delete(map.keys().next().value!);
  }

  /** Forgets expired entries. Map order is insertion order, which is expiry order. */
  sweep(now: number): void {
    for (const [id, expires] of this.seen) {
      if (expires > now) break;
      this.seen.delete(id);
    }
    for (const [id, quota] of this.quotas) {
      if (quota.expires > now) break;
      this.quotas.delete(id);
    }
    for (const [id, times] of this.counted) {
      if (times.at(-1)! > now - this.limits.capWindowMs) break;
      this.counted.delete(id);
    }
  }

  /** Entries held, for tests of the memory bound. */
  get size(): { people: number; networks: number; capped: number } {
    return { people: this.seen.size, networks: this.quotas.size, capped: this.counted.size };
  }
}
