import type { ChannelState } from '../../shared/protocol.ts';
import type { SharedChannels } from '../playheads/channels.ts';
import { KEY_PREFIX, type RedisLink } from './redis.ts';

const CHANNELS_KEY = `${KEY_PREFIX}channels`;

/**
 * Compare-and-set of one channel in the hash of all of them: stores ARGV[1] when the stored
 * version is ARGV[2] (0 when there is none); otherwise answers what is stored.
 */
const SWAP = `
local current = redis.call('HGET', KEYS[1], ARGV[3])
local version = 0
if current then version = cjson.decode(current).version end
if version ~= tonumber(ARGV[2]) then return {0, current or ''} end
redis.call('HSET', KEYS[1], ARGV[3], ARGV[1])
return {1}
`;

/**
 * Named channels' state in Redis, one hash field per channel. The store (PostgreSQL) still keeps
 * each change, so a Redis restarted empty is filled again from it (Channels.resync).
 */
export class RedisChannels implements SharedChannels {
  constructor(
    private readonly redis: RedisLink,
    private readonly publish: (event: 'channel' | 'channel-removed', payload: ChannelState | string) => void,
  ) {}

  async all(): Promise<ChannelState[]> {
    const fields = await this.redis.run((client) => client.hGetAll(CHANNELS_KEY));
    return Object.values(fields).map((json) => JSON.parse(json) as ChannelState);
  }

  async swap(next: ChannelState, expected: number): Promise<{ ok: true } | { ok: false; current: ChannelState | undefined }> {
    const reply = (await this.redis.run((client) =>
      client.eval(SWAP, { keys: [CHANNELS_KEY], arguments: [JSON.stringify(next), String(expected), next.name] }),
    )) as [number, string?];
    if (reply[0] === 1) return { ok: true };
    return { ok: false, current: reply[1] ? (JSON.parse(reply[1]) as ChannelState) : undefined };
  }

  async remove(name: string): Promise<void> {
    await this.redis.run((client) => client.hDel(CHANNELS_KEY, name));
  }

  announce(state: ChannelState): void {
    this.publish('channel', state);
  }

  announceRemoval(name: string): void {
    this.publish('channel-removed', name);
  }
}
