/**
 * One contract, two engines (STYLE.md principle 4): the broker and the presence store behave alike in
 * memory (one node) and over Redis (a cluster), as the realtime node relies on them to.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisBroker } from '../packages/server/src/cluster/redis-broker.ts';
import { redisKeys } from '../packages/server/src/cluster/redis-keys.ts';
import { RedisPresence } from '../packages/server/src/cluster/redis-presence.ts';
import { silentLogger } from '../packages/server/src/logger.ts';
import { MemoryBroker, newMessageId, type Broker, type BrokerMessage } from '../packages/server/src/realtime/broker.ts';
import { Hub } from '../packages/server/src/realtime/hub.ts';
import { Payload } from '../packages/server/src/realtime/payload.ts';
import { HubPresence, type PresenceStore } from '../packages/server/src/realtime/presence.ts';
import { Session } from '../packages/server/src/realtime/session.ts';
import { REDIS_URL, redisAvailable } from './support/services.ts';

const redisReady = await redisAvailable();
const redisClients: Redis[] = [];
afterAll(() => {
  for (const c of redisClients) c.disconnect();
});
const redis = (): Redis => {
  const c = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  redisClients.push(c);
  return c;
};

interface Engine {
  name: string;
  skip: boolean;
  /** A broker (two, for Redis: nodes sharing one bus) and the messages each received. */
  brokers(n: number): Promise<Array<{ broker: Broker; received: BrokerMessage[] }>>;
  /** A presence store, with a way to subscribe a session as the node does (hub, then store). */
  presence(): { store: PresenceStore; subscribe(app: string, channel: string, id: string, user: string): Promise<void>; unsubscribe(app: string, channel: string, id: string): Promise<void> };
}

const session = (id: string, appId: string, user: string) =>
  new Session({ kind: 'rtcs', id, transportId: id, appId, user, via: 'test', origin: '', transport: 'test', granted: [], writer: { deliver() {} }, close() {} });

const ENGINES: Engine[] = [
  {
    name: 'memory',
    skip: false,
    async brokers(n) {
      // One node has one broker; "several" share nothing, so the contract asks for one.
      expect(n).toBe(1);
      const broker = new MemoryBroker();
      const received: BrokerMessage[] = [];
      broker.onMessage((m) => received.push(m));
      return [{ broker, received }];
    },
    presence() {
      const hub = new Hub();
      const sessions = new Map<string, Session>();
      const store: PresenceStore = new HubPresence(hub);
      return {
        store,
        async subscribe(app, channel, id, user) {
          const s = sessions.get(id) ?? session(id, app, user);
          sessions.set(id, s);
          hub.add(s);
          hub.join(s, channel);
          await store.add(app, channel, id, user);
        },
        async unsubscribe(app, channel, id) {
          hub.leave(sessions.get(id)!, channel);
          await store.remove(app, channel, id);
        },
      };
    },
  },
  {
    name: 'redis',
    skip: !redisReady,
    async brokers(n) {
      const keys = redisKeys(`contract-${randomBytes(4).toString('hex')}`);
      return Promise.all(
        Array.from({ length: n }, async () => {
          const broker = new RedisBroker(redis(), redis(), silentLogger(), keys);
          const received: BrokerMessage[] = [];
          broker.onMessage((m) => received.push(m));
          return { broker, received };
        }),
      );
    },
    presence() {
      const hub = new Hub();
      const store = new RedisPresence(redis(), hub, silentLogger(), redisKeys(`contract-${randomBytes(4).toString('hex')}`), { ttlMs: 5000, heartbeatMs: 1000 });
      return {
        store,
        subscribe: (app, channel, id, user) => store.add(app, channel, id, user),
        unsubscribe: (app, channel, id) => store.remove(app, channel, id),
      };
    },
  },
];

const publication = (appId: string, channels: string[], n: number): BrokerMessage => ({ id: newMessageId(), appId, channels, event: 'e', payload: Payload.of([n]) });

describe.each(ENGINES)('broker contract on $name', (engine) => {
  it.skipIf(engine.skip)('hands every message of a subscribed channel to the receiver once, in publish order, controls too', async () => {
    const [{ broker, received }] = (await engine.brokers(1)) as [{ broker: Broker; received: BrokerMessage[] }];
    await broker.subscribe('app', 'a');
    await broker.subscribe('app', 'b');
    for (let n = 0; n < 100; n++) await broker.publish(publication('app', n % 10 === 0 ? ['a', 'b'] : ['a'], n));
    await broker.publish({ id: newMessageId(), appId: 'app', channel: 'b', control: { op: 'close', reason: 'bye' } });
    await expect.poll(() => received.length).toBe(101);
    await new Promise((r) => setTimeout(r, 100));
    expect(received.slice(0, 100).map((m) => ('payload' in m ? m.payload.args[0] : undefined))).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(received[100]).toMatchObject({ channel: 'b', control: { op: 'close', reason: 'bye' } });
    await broker.close();
  });

  it.skipIf(engine.skip || engine.name === 'memory')('reaches only the nodes that subscribed, once each, until they unsubscribe', async () => {
    const [one, two] = (await engine.brokers(2)) as Array<{ broker: Broker; received: BrokerMessage[] }>;
    await one!.broker.subscribe('app', 'a');
    await two!.broker.subscribe('app', 'b');
    await one!.broker.publish(publication('app', ['a', 'b'], 1));
    await two!.broker.publish(publication('app', ['a'], 2));
    await expect.poll(() => [one!.received.length, two!.received.length]).toEqual([2, 1]);
    await one!.broker.unsubscribe('app', 'a');
    await two!.broker.publish(publication('app', ['a'], 3));
    await two!.broker.publish(publication('app', ['b'], 4));
    await expect.poll(() => two!.received.length).toBe(2);
    await new Promise((r) => setTimeout(r, 100));
    expect(one!.received.map((m) => ('payload' in m ? m.payload.args[0] : undefined))).toEqual([1, 2]);
    await Promise.all([one!.broker.close(), two!.broker.close()]);
  });
});

describe.each(ENGINES)('presence contract on $name', (engine) => {
  it.skipIf(engine.skip)('answers members, count and occupied from subscriptions, per app', async () => {
    const { store, subscribe, unsubscribe } = engine.presence();
    await subscribe('app', 'presence_x', 's1', 'alice');
    await subscribe('app', 'presence_x', 's2', 'bob');
    await subscribe('other', 'presence_x', 's3', 'carol');
    expect(await store.members('app', 'presence_x')).toEqual({ s1: 'alice', s2: 'bob' });
    expect(await store.count('app', 'presence_x')).toBe(2);
    await unsubscribe('app', 'presence_x', 's1');
    expect(await store.members('app', 'presence_x')).toEqual({ s2: 'bob' });
    expect(await store.occupied('app', 'presence_y')).toBe(false);
    expect(await store.occupied('other', 'presence_x')).toBe(true);
    await store.close();
  });

  it.skipIf(engine.skip)('gives at most `max` places of a slot, the same holder once, and frees released ones', async () => {
    const { store } = engine.presence();
    expect(await store.claim('app', 'url:s', 'h1', 2)).toBe(true);
    expect(await store.claim('app', 'url:s', 'h1', 2)).toBe(true);
    expect(await store.claim('app', 'url:s', 'h2', 2)).toBe(true);
    expect(await store.claim('app', 'url:s', 'h3', 2)).toBe(false);
    expect(await store.claim('other', 'url:s', 'h3', 2)).toBe(true);
    await store.release('app', 'url:s', 'h1');
    expect(await store.claim('app', 'url:s', 'h3', 2)).toBe(true);
    await store.close();
  });
});
