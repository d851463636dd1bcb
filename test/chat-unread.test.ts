/**
 * Unread totals, read-all and joined-channel list orders on SQLite and PostgreSQL (DESIGN.md, "Unread
 * and read-all"): `GET …/users/me/unread` and `GET /v1/users/{id}/unread` in one query; `PUT
 * …/users/me/read_all` and `PUT …/users/me/read {channel_ids}` mark read and send each channel's
 * `group:channel_message_read_event`; joined lists take `order=latest_last_message|chronological|
 * channel_name`, paged by cursor, in the same number of queries for 100 channels as for 10.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import { openChatSocket, type Received } from './support/chat-socket.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

interface Channel {
  channel_id: string;
  name: string;
  unread?: Record<string, number>;
  read_receipt?: Record<string, number>;
  last_message?: { content?: string } | null;
}
interface Unread {
  unread_message_count: number;
  unread_channel_count: number;
  unread_mention_count: number;
}

describe.each(engines)('unread totals and read-all on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    let aliceHears: Received;
    let close: () => void = () => undefined;

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      const { tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, {
        users: ['alice', 'bob', 'carol'],
        channels: { room_a: ['alice', 'bob'], room_b: ['alice', 'bob'], room_c: ['alice', 'bob', 'carol'], room_d: ['carol'] },
      });
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      const alice = await openChatSocket(tp.url, tp.appId, 'alice', tokens.alice!);
      aliceHears = alice.received;
      close = () => alice.socket.close();
    }, 30_000);
    afterAll(async () => {
      close();
      await tp?.stop();
    });

    const send = (channel: string, user: string, content: string, extra: Record<string, unknown> = {}) =>
      call('POST', `/v1/group/channels/${channel}/messages`, { type: 'text', user_id: user, content, ...extra });
    const reads = (channel: string) => aliceHears.filter((e) => e.event === 'group:channel_message_read_event' && (e.args[0] as Channel).channel_id === channel);

    it('counts unread messages, channels and mentions over the user’s channels, through both APIs', async () => {
      expect((await sdk<Unread>('bob', 'GET', '/users/me/unread')).body).toEqual({ unread_message_count: 0, unread_channel_count: 0, unread_mention_count: 0 });
      for (const content of ['a1', 'a2']) expect((await send('room_a', 'alice', content)).status).toBe(201);
      expect((await send('room_b', 'alice', 'b1', { mentioned_user_ids: ['bob'] })).status).toBe(201);
      expect((await send('room_c', 'bob', 'c1')).status).toBe(201);
      expect((await send('room_d', 'carol', 'd1')).status).toBe(201);
      const expected = { unread_message_count: 3, unread_channel_count: 2, unread_mention_count: 1 };
      expect((await sdk<Unread>('bob', 'GET', '/users/me/unread')).body).toEqual(expected);
      expect((await call<Unread>('GET', '/v1/users/bob/unread')).body).toEqual(expected);
      expect((await call<Unread>('GET', '/v1/users/carol/unread')).body).toEqual({ unread_message_count: 1, unread_channel_count: 1, unread_mention_count: 0 });
      expect((await call('GET', '/v1/users/nobody/unread')).body).toMatchObject({ status: 400, code: 1004 });
    });

    it('reads several channels: members hear each read receipt; a channel not joined refuses all', async () => {
      const refused = await sdk('bob', 'PUT', '/users/me/read', { channel_ids: ['room_a', 'room_d'] });
      expect(refused.body).toMatchObject({ status: 400, code: 1008, message: expect.stringMatching(/room_d/) });
      expect((await sdk<Unread>('bob', 'GET', '/users/me/unread')).body.unread_message_count).toBe(3);
      expect((await sdk('bob', 'PUT', '/users/me/read', { channel_ids: [] })).body).toMatchObject({ code: 1001 });
      expect((await sdk('bob', 'PUT', '/users/me/read', { channel_ids: Array.from({ length: 101 }, (_, i) => `room_${i}x`) })).body).toMatchObject({ code: 1001 });
      const readA = reads('room_a').length;
      const marked = await sdk<{ channel_ids: string[] }>('bob', 'PUT', '/users/me/read', { channel_ids: ['room_a', 'room_a'] });
      expect(marked.status, JSON.stringify(marked.body)).toBe(200);
      expect(marked.body).toEqual({ channel_ids: ['room_a'] });
      await expect.poll(() => reads('room_a').length).toBe(readA + 1);
      const [channel] = reads('room_a').at(-1)!.args as [Channel];
      expect(channel.unread).toEqual({ alice: 0, bob: 0 });
      expect(channel.read_receipt!.bob).toBeGreaterThan(0);
      expect((await sdk<Unread>('bob', 'GET', '/users/me/unread')).body).toEqual({ unread_message_count: 1, unread_channel_count: 1, unread_mention_count: 1 });
    });

    it('read_all marks every channel of the user read, each with its event', async () => {
      const before = { room_a: reads('room_a').length, room_b: reads('room_b').length, room_c: reads('room_c').length };
      const all = await sdk<{ channel_ids: string[] }>('bob', 'PUT', '/users/me/read_all');
      expect(all.status).toBe(200);
      expect(all.body).toEqual({ channel_ids: ['room_a', 'room_b', 'room_c'] });
      await expect.poll(() => [reads('room_a').length, reads('room_b').length, reads('room_c').length]).toEqual([before.room_a + 1, before.room_b + 1, before.room_c + 1]);
      expect((await sdk<Unread>('bob', 'GET', '/users/me/unread')).body).toEqual({ unread_message_count: 0, unread_channel_count: 0, unread_mention_count: 0 });
      // The server API acts for a named user.
      expect((await call('PUT', '/v1/users/carol/read_all')).body).toEqual({ channel_ids: ['room_c', 'room_d'] });
      expect((await call<Unread>('GET', '/v1/users/carol/unread')).body.unread_message_count).toBe(0);
      expect((await call('PUT', '/v1/users/nobody/read_all')).body).toMatchObject({ code: 1004 });
    });

    it('orders the joined list by latest last message, creation or name, paged by cursor', async () => {
      // Made in this order: room_a … room_d, then these two; messages make room_b the latest, then room_a.
      expect((await call('POST', '/v1/group/channels', { channel_id: 'zz_empty', name: 'Aardvark', members: ['alice'] })).status).toBe(201);
      expect((await send('room_a', 'bob', 'newer a')).status).toBe(201);
      expect((await send('room_b', 'bob', 'newest b')).status).toBe(201);
      const ids = async (query: string) => {
        const out: string[] = [];
        let next: string | null = null;
        do {
          const page: { body: { channels: Channel[]; next: string | null } } = await sdk('alice', 'GET', `/users/me/group/channels?limit=2&${query}${next ? `&next=${next}` : ''}`);
          out.push(...page.body.channels.map((c) => c.channel_id));
          next = page.body.next;
        } while (next);
        return out;
      };
      expect(await ids('order=latest_last_message')).toEqual(['room_b', 'room_a', 'zz_empty', 'room_c']);
      expect(await ids('order=chronological')).toEqual(['zz_empty', 'room_c', 'room_b', 'room_a']);
      expect(await ids('order=channel_name')).toEqual(['zz_empty', 'room_a', 'room_b', 'room_c']);
      expect(await ids('')).toEqual(['room_a', 'room_b', 'room_c', 'zz_empty']);
      const platform = await call<{ channels: Channel[] }>('GET', '/v1/users/alice/channels?order=latest_last_message&show_last_message=true&show_unread=true');
      expect(platform.body.channels.map((c) => [c.channel_id, c.last_message?.content ?? null, c.unread?.alice])).toEqual([
        ['room_b', 'newest b', 1],
        ['room_a', 'newer a', 1],
        ['zz_empty', null, 0],
        ['room_c', 'c1', 1],
      ]);
      expect((await sdk('alice', 'GET', '/users/me/group/channels?order=sideways')).body).toMatchObject({ code: 1001 });
      expect((await sdk('alice', 'GET', `/users/me/group/channels?order=channel_name&next=${Buffer.from('room_a').toString('base64url')}`)).body).toMatchObject({ code: 1001 });
    });

    it('an ordered joined list costs the same number of queries for 100 channels as for 10', async () => {
      const lists = (order: string) => ({
        sdk: () => sdk('carol', 'GET', `/users/me/group/channels?limit=100&order=${order}&show_unread=true&show_last_message=true&include_members=true`),
        platform: () => call('GET', `/v1/users/carol/channels?limit=100&order=${order}&show_unread=true&show_last_message=true&include_members=true`),
      });
      const queriesOf = async (request: () => Promise<{ status: number }>) => {
        expect((await request()).status).toBe(200);
        await tp.parley.chat.idle();
        const recording = tp.parley.storage.queries.record();
        expect((await request()).status).toBe(200);
        await tp.parley.chat.idle();
        return recording.stop().sort();
      };
      const make = async (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const id = `many_${String(i).padStart(3, '0')}`;
          expect((await call('POST', '/v1/group/channels', { channel_id: id, name: `n${99 - i}`, members: ['carol', 'bob'] })).status).toBe(201);
          if (i % 2 === 0) expect((await send(id, 'bob', `m${i}`)).status).toBe(201);
        }
      };
      const orders = ['latest_last_message', 'chronological', 'channel_name'];
      await make(0, 8);
      const few: Record<string, string[]> = {};
      for (const order of orders) for (const [face, list] of Object.entries(lists(order))) few[`${order} ${face}`] = await queriesOf(list);
      await make(8, 98);
      for (const order of orders) {
        for (const [face, list] of Object.entries(lists(order))) {
          const many = await queriesOf(list);
          expect(many, `${order} ${face}`).toEqual(few[`${order} ${face}`]);
          expect(many.length, many.join(', ')).toBeLessThanOrEqual(6);
        }
      }
      const listed = (await lists('latest_last_message').sdk()).body as { channels: Channel[] };
      expect(listed.channels).toHaveLength(100);
      // The newest activity: many_097's creation (it has no message) came after many_096's message.
      expect(listed.channels.slice(0, 3).map((c) => c.channel_id)).toEqual(['many_097', 'many_096', 'many_095']);
    });

    it('counts the unread totals in one query', async () => {
      await tp.parley.chat.idle();
      const recording = tp.parley.storage.queries.record();
      expect((await call('GET', '/v1/users/carol/unread')).status).toBe(200);
      expect(recording.stop()).toHaveLength(1);
    });
  });
});
