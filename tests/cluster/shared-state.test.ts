/**
 * The Redis side of several nodes, on a real Redis: dedupe and network limits as two nodes see
 * them, channel compare-and-set, and a clear 503 while Redis is unreachable.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { ChannelState } from '../../shared/protocol.ts';
import { RedisChannels } from '../../server/cluster/channels.ts';
import { RedisDedupe } from '../../server/cluster/dedupe.ts';
import { RedisLink } from '../../server/cluster/redis.ts';
import { Dedupe } from '../../server/dedupe.ts';
import { need, Processes, until } from './nodes.ts';

const redis = inject('redis');
const logger = pino({ level: 'silent' });

const limits = { dedupeMs: 60_000, perNetwork: 5, networkCap: 2, capWindowMs: 60_000 };

function channel(name: string, version: number, headline = ''): ChannelState {
  return { name, service: 'twitter', mode: 'live', t: 0, at: 0, speed: 1, playing: true, camera: { mode: 'auto' }, theme: 'dark', headline, timeZone: 'UTC', version };
}

describe('shared live state in Redis', () => {
  const processes = new Processes();
  const links: RedisLink[] = [];
  afterEach(async () => {
    for (const link of links.splice(0)) await link.close();
    await processes.stopAll();
  });

  /** Two nodes' connections to one private Redis (its database is the test's alone). */
  async function twoNodes(): Promise<{ own: Awaited<ReturnType<Processes['redis']>>; a: RedisLink; b: RedisLink }> {
    const own = await processes.redis(need(redis).command ?? '/usr/bin/redis-server');
    const a = await RedisLink.connect(own.url, logger);
    const b = await RedisLink.connect(own.url, logger);
    links.push(a, b);
    return { own, a, b };
  }

  it('counts a person once across nodes, caps a network\'s counted share, and refuses a flooding network with its retry time', async () => {
    const { a, b } = await twoNodes();
    const onA = new RedisDedupe(a, limits);
    const onB = new RedisDedupe(b, limits);
    const now = Date.now();
    expect(await onA.check('198.51.100.1', 'ua', 'twitter', now)).toEqual({ result: 'counted' });
    expect(await onB.check('198.51.100.1', 'ua', 'twitter', now)).toEqual({ result: 'duplicate' });
    // Another service is another count.
    expect(await onB.check('198.51.100.1', 'ua', 'discord', now)).toEqual({ result: 'counted' });
    // The same /24: a second person counts, the third is over the network's share.
    expect(await onB.check('198.51.100.2', 'ua', 'twitter', now)).toEqual({ result: 'counted' });
    expect(await onA.check('198.51.100.3', 'ua', 'twitter', now)).toEqual({ result: 'network-cap' });
    expect(await onA.check('198.51.100.4', 'ua', 'twitter', now)).toEqual({ result: 'network-cap' });
    expect(await onB.check('198.51.100.5', 'ua', 'twitter', now)).toEqual({ result: 'network-cap' });
    // Five reports from the network in the window: the sixth is refused, with the time left.
    const limited = await onA.check('198.51.100.6', 'ua', 'twitter', now);
    expect(limited.result).toBe('limited');
    expect(limited.result === 'limited' && limited.retryAfterMs).toBeGreaterThan(50_000);
  });

  it('counts a person\'s retry when their counted report could not be stored (released), in Redis and in the process', async () => {
    const { a } = await twoNodes();
    for (const gate of [new RedisDedupe(a, limits), new Dedupe(limits)]) {
      const now = Date.now();
      expect((await gate.check('198.51.100.1', 'ua', 'twitter', now)).result).toBe('counted');
      expect((await gate.check('198.51.100.2', 'ua', 'twitter', now)).result).toBe('counted');
      // The network's share is used up...
      expect((await gate.check('198.51.100.3', 'ua', 'twitter', now)).result).toBe('network-cap');
      // ...until the second report is released: then the same person counts again, and only once.
      await gate.release('198.51.100.2', 'ua', 'twitter', now);
      expect((await gate.check('198.51.100.2', 'ua', 'twitter', now + 1)).result).toBe('counted');
      expect((await gate.check('198.51.100.2', 'ua', 'twitter', now + 2)).result).toBe('duplicate');
    }
  });

  it('forgets a person when the dedupe window has passed', async () => {
    const { a, b } = await twoNodes();
    const short = { ...limits, dedupeMs: 300, capWindowMs: 300 };
    const onA = new RedisDedupe(a, short);
    const onB = new RedisDedupe(b, short);
    expect((await onA.check('203.0.113.9', 'ua', 'twitter', Date.now())).result).toBe('counted');
    expect((await onB.check('203.0.113.9', 'ua', 'twitter', Date.now())).result).toBe('duplicate');
    await until('the person counted again', async () => ((await onB.check('203.0.113.9', 'ua', 'twitter', Date.now())).result === 'counted' ? true : undefined), 5_000);
  });

  it('stores a channel only over the version it was changed from, and answers the newer one otherwise', async () => {
    const { a, b } = await twoNodes();
    const onA = new RedisChannels(a, () => {});
    const onB = new RedisChannels(b, () => {});
    expect(await onA.swap(channel('lobby', 1, 'from A'), 0)).toEqual({ ok: true });
    // B still thinks there is none: refused, and told what A stored.
    expect(await onB.swap(channel('lobby', 1, 'from B'), 0)).toEqual({ ok: false, current: channel('lobby', 1, 'from A') });
    expect(await onB.swap(channel('lobby', 2, 'from B'), 1)).toEqual({ ok: true });
    expect((await onA.all()).map((c) => [c.headline, c.version])).toEqual([['from B', 2]]);
    await onA.remove('lobby');
    expect(await onB.swap(channel('lobby', 3), 2)).toEqual({ ok: false, current: undefined });
  });

  it('answers 503 while Redis is unreachable, and works again by itself when it is back', async () => {
    const { own, a } = await twoNodes();
    const dedupe = new RedisDedupe(a, limits);
    expect((await dedupe.check('192.0.2.1', 'ua', 'twitter', Date.now())).result).toBe('counted');
    await own.stop();
    await until('the link to notice', () => (a.ready ? undefined : true));
    expect(a.health()).toEqual({ ready: false, reason: expect.stringMatching(/Redis/) });
    await expect(dedupe.check('192.0.2.2', 'ua', 'twitter', Date.now())).rejects.toMatchObject({ status: 503, code: 'shared-state-unavailable' });
    await own.start();
    await until('the link back', () => (a.ready ? true : undefined), 5_000);
    // Redis came back empty (a new secret is made): reports are checked and counted again.
    expect((await dedupe.check('192.0.2.2', 'ua', 'twitter', Date.now())).result).toBe('counted');
  });
});
