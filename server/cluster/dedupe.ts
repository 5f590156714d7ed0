import { createHmac, randomBytes } from 'node:crypto';
import { networkOf, type DedupeLimits, type ReportGate, type ReportVerdict } from '../dedupe.ts';
import { KEY_PREFIX, type RedisLink } from './redis.ts';

const SECRET_KEY = `${KEY_PREFIX}dedupe:secret`;

/**
 * The three rules of `Dedupe` (a person once per window, a network's counted share, a network's
 * report quota) in one Lua script, so two nodes answering the same person at once cannot both
 * count it. Keys expire with their window; the counted times of a network are a sorted set
 * trimmed to the trailing cap window.
 * KEYS: person, quota, counted. ARGV: now, dedupeMs, perNetwork, networkCap, capWindowMs, member.
 */
const CHECK = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {'duplicate'} end
local quota = redis.call('INCR', KEYS[2])
if quota == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
if quota > tonumber(ARGV[3]) then return {'limited', redis.call('PTTL', KEYS[2])} end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[5]))
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[4]) then return {'network-cap'} end
redis.call('ZADD', KEYS[3], now, ARGV[6])
redis.call('PEXPIRE', KEYS[3], ARGV[5])
return {'counted'}
`;

/** Undoes a counted check (its report could not be stored). KEYS as CHECK; ARGV: member. */
const RELEASE = `
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 and tonumber(redis.call('GET', KEYS[2])) > 0 then redis.call('DECR', KEYS[2]) end
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
`;

/**
 * Dedupe shared by every node: the same person reporting through node A then node B counts
 * once. The HMAC key is a random secret kept only in Redis (set by whichever node comes first,
 * made again if Redis restarts empty), so the stored hashes cannot be reversed without it and no
 * address is stored. `check` rejects with a 503 while Redis is unreachable: a report is then
 * refused, never counted unchecked.
 */
export class RedisDedupe implements ReportGate {
  private secret: Promise<Buffer> | undefined;

  constructor(
    private readonly redis: RedisLink,
    private readonly limits: DedupeLimits,
  ) {
    // Redis may have restarted without the secret: read (or make) it again.
    redis.onReady(() => {
      this.secret = undefined;
    });
  }

  private key(): Promise<Buffer> {
    this.secret ??= this.redis
      .run(async (client) => {
        await client.set(SECRET_KEY, randomBytes(32).toString('base64'), { condition: 'NX' });
        const stored = await client.get(SECRET_KEY);
        if (!stored) throw new Error('the dedupe secret vanished from Redis');
        return Buffer.from(stored, 'base64');
      })
      .catch((error: unknown) => {
        this.secret = undefined;
        throw error;
      });
    return this.secret;
  }

  /** The three keys of a report, and its member in the network's counted set. */
  private async keysOf(address: string, userAgent: string, service: string, now: number): Promise<{ keys: string[]; member: string }> {
    const key = await this.key();
    const hash = (...parts: string[]) => createHmac('sha256', key).update(parts.join('\n')).digest('base64url');
    const person = hash('person', address, userAgent, service);
    const network = hash('network', networkOf(address), service);
    return {
      keys: [`${KEY_PREFIX}dedupe:person:${person}`, `${KEY_PREFIX}dedupe:quota:${network}`, `${KEY_PREFIX}dedupe:counted:${network}`],
      member: `${now}:${person}`,
    };
  }

  async check(address: string, userAgent: string, service: string, now: number): Promise<ReportVerdict> {
    const { keys, member } = await this.keysOf(address, userAgent, service, now);
    const { dedupeMs, perNetwork, networkCap, capWindowMs } = this.limits;
    const reply = (await this.redis.run((client) =>
      client.eval(CHECK, { keys, arguments: [String(now), String(dedupeMs), String(perNetwork), String(networkCap), String(capWindowMs), member] }),
    )) as [string, number?];
    switch (reply[0]) {
      case 'duplicate':
        return { result: 'duplicate' };
      case 'network-cap':
        return { result: 'network-cap' };
      case 'limited':
        return { result: 'limited', retryAfterMs: Math.max(0, Number(reply[1] ?? dedupeMs)) };
      default:
        return { result: 'counted' };
    }
  }

  async release(address: string, userAgent: string, service: string, now: number): Promise<void> {
    const { keys, member } = await this.keysOf(address, userAgent, service, now);
    await this.redis.run((client) => client.eval(RELEASE, { keys, arguments: [member] }));
  }

  sweep(): void {
    // Redis expires the keys itself.
  }
}
