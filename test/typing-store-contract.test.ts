/**
 * One contract, two engines (STYLE.md principle 4): the typing store behaves alike in memory (one
 * node) and over Redis (a cluster), as the typing service relies on it to — starts and refreshes,
 * stops that report whether an end is still to announce, expiry handed to exactly one taker, and the
 * right to announce held for an interval.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryTypingStore } from '../packages/server/src/chat/memory-typing-store.ts';
import type { TypingStore } from '../packages/server/src/chat/typing-store.ts';
import { redisKeys } from '../packages/server/src/cluster/redis-keys.ts';
import { RedisTypingStore } from '../packages/server/src/cluster/redis-typing-store.ts';
import { REDIS_URL, redisAvailable } from './support/services.ts';

const redisReady = await redisAvailable();
const clients: Redis[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});

interface Engine {
  name: string;
  skip: boolean;
  /** Two stores over the same state (two nodes of one cluster; in memory, the same store twice). */
  make(): [TypingStore, TypingStore];
}

const ENGINES: Engine[] = [
  {
    name: 'memory',
    skip: false,
    make() {
      const store = new MemoryTypingStore();
      return [store, store];
    },
  },
  {
    name: 'redis',
    skip: !redisReady,
    make() {
      const keys = redisKeys(`typing-contract-${randomBytes(4).toString('hex')}`);
      const [a, b] = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
      clients.push(a, b);
      return [new RedisTypingStore(a, keys, 60_000), new RedisTypingStore(b, keys, 60_000)];
    },
  },
];

const T = 1_000_000;

describe.each(ENGINES)('typing store: $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    it('starts, refreshes and stops; the list is per channel, in user id order, without what ran out', async () => {
      const [a, b] = engine.make();
      const e = (userId: string, channelId = 'room') => ({ appId: 'app', channelId, userId });
      expect(await a.start(e('bob'), T + 5_000, T)).toBe(true);
      expect(await b.start(e('alice'), T + 5_000, T)).toBe(true);
      expect(await a.start(e('bob'), T + 6_000, T + 1_000)).toBe(false); // a refresh
      expect(await b.start(e('carol', 'other'), T + 5_000, T)).toBe(true);
      expect(await a.typing('app', 'room', T + 1_000)).toEqual(['alice', 'bob']);
      expect(await b.typing('app', 'room', T + 5_500)).toEqual(['bob']); // alice ran out at T + 5 s
      expect(await a.typing('other_app', 'room', T)).toEqual([]);
      // A start after the state ran out is a change again.
      expect(await b.start(e('alice'), T + 11_000, T + 6_000)).toBe(true);
      expect(await a.stop(e('bob'))).toBe(true);
      expect(await b.stop(e('bob'))).toBe(false);
      expect(await a.typing('app', 'room', T + 6_000)).toEqual(['alice']);
    });

    it('hands each state that ran out to one taker only, and a stop after that announces nothing', async () => {
      const [a, b] = engine.make();
      const e = (userId: string) => ({ appId: 'app', channelId: 'room', userId });
      await a.start(e('alice'), T + 5_000, T);
      await a.start(e('bob'), T + 5_000, T);
      await a.start(e('carol'), T + 9_000, T);
      expect(await a.takeExpired(T + 4_999, 10)).toEqual([]);
      const [first, second] = await Promise.all([a.takeExpired(T + 5_000, 10), b.takeExpired(T + 5_000, 10)]);
      expect([...first, ...second].map((x) => x.userId).sort()).toEqual(['alice', 'bob']);
      expect([...first, ...second].every((x) => x.appId === 'app' && x.channelId === 'room')).toBe(true);
      expect(await a.stop(e('alice'))).toBe(false);
      expect(await b.typing('app', 'room', T + 5_000)).toEqual(['carol']);
      // A state that ran out but was not taken yet: its stop still has an end to announce.
      expect(await a.stop(e('carol'))).toBe(true);
      expect(await a.takeExpired(T + 20_000, 10)).toEqual([]);
    });

    it('takes at most `max` at a time', async () => {
      const [a] = engine.make();
      for (const user of ['u1', 'u2', 'u3']) await a.start({ appId: 'app', channelId: 'room', userId: user }, T + 1, T);
      expect(await a.takeExpired(T + 10, 2)).toHaveLength(2);
      expect(await a.takeExpired(T + 10, 2)).toHaveLength(1);
    });

    it('stopAll ends a user in every channel and names the channels whose end is to announce', async () => {
      const [a, b] = engine.make();
      await a.start({ appId: 'app', channelId: 'one', userId: 'alice' }, T + 5_000, T);
      await b.start({ appId: 'app', channelId: 'two', userId: 'alice' }, T + 5_000, T);
      await b.start({ appId: 'app', channelId: 'two', userId: 'bob' }, T + 5_000, T);
      expect((await b.stopAll('app', 'alice')).sort()).toEqual(['one', 'two']);
      expect(await a.typing('app', 'one', T)).toEqual([]);
      expect(await a.typing('app', 'two', T)).toEqual(['bob']);
      expect(await a.stopAll('app', 'alice')).toEqual([]);
    });

    it('grants the right to announce once per interval, per user and channel', async () => {
      const [a, b] = engine.make();
      const e = { appId: 'app', channelId: 'room', userId: 'alice' };
      const now = Date.now();
      expect(await a.claimAnnounce(e, 300, now)).toBe(0);
      const wait = await b.claimAnnounce(e, 300, now + 10);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(300);
      expect(await b.claimAnnounce({ ...e, userId: 'bob' }, 300, now + 10)).toBe(0);
      expect(await b.claimAnnounce({ ...e, channelId: 'other' }, 300, now + 10)).toBe(0);
      await new Promise((r) => setTimeout(r, 320));
      expect(await b.claimAnnounce(e, 300, Date.now())).toBe(0);
    });
  });
});
