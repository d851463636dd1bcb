/**
 * Reactions on SQLite and PostgreSQL (DESIGN.md, Reactions): `PUT …/messages/{mid}/reactions {key}` and
 * `DELETE …/reactions/{key}` through both APIs (the server API for the member `user_id`), idempotent,
 * members only, keys of 1-32 characters and at most 20 distinct keys per message; every presentation
 * of a message carries `reactions: [{key, user_ids, updated_at}]` (read by the message's own query, so
 * a page costs the same however many messages have reactions), and members' sockets hear
 * `group:message_reaction (message, channel, {key, user_id, operation})`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, SdkError, type Message } from '../packages/sdk/src/index.ts';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import { openChatSocket, type Received } from './support/chat-socket.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

interface Reaction {
  key: string;
  user_ids: string[];
  updated_at: number;
}
interface WireMessage {
  message_id: number;
  content: string;
  reactions: Reaction[];
}

describe.each(engines)('reactions on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    let tokens: Record<string, string>;
    let bobHears: Received;
    let close: () => void = () => undefined;

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'carol', 'eve'], channels: { lobby: ['alice', 'bob', 'carol'] } }));
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      const bob = await openChatSocket(tp.url, tp.appId, 'bob', tokens.bob!);
      bobHears = bob.received;
      close = () => bob.socket.close();
    }, 30_000);
    afterAll(async () => {
      close();
      await tp?.stop();
    });

    const send = async (content: string): Promise<number> => {
      const sent = await call<{ message_id: number }>('POST', '/v1/group/channels/lobby/messages', { type: 'text', user_id: 'alice', content });
      expect(sent.status).toBe(201);
      return sent.body.message_id;
    };
    const reactionsHeard = () => bobHears.filter((e) => e.event === 'group:message_reaction');
    const list = async () => (await sdk<{ messages: WireMessage[] }>('carol', 'GET', '/group/channels/lobby/messages?mode=prev&limit=100')).body.messages;

    it('adds a member’s reaction through either API, in every presentation, and members hear each change once', async () => {
      const id = await send('react to me');
      expect((await list()).find((m) => m.message_id === id)?.reactions).toEqual([]);
      const byCarol = await sdk<WireMessage>('carol', 'PUT', `/group/channels/lobby/messages/${id}/reactions`, { key: '👍' });
      expect(byCarol.status).toBe(200);
      expect(byCarol.body.reactions).toEqual([{ key: '👍', user_ids: ['carol'], updated_at: expect.any(Number) }]);
      // The backend reacts for a member it names.
      const byAlice = await call<WireMessage>('PUT', `/v1/group/channels/lobby/messages/${id}/reactions`, { key: '👍', user_id: 'alice' });
      expect(byAlice.body.reactions).toEqual([{ key: '👍', user_ids: ['carol', 'alice'], updated_at: expect.any(Number) }]);
      const heart = await sdk<WireMessage>('bob', 'PUT', `/group/channels/lobby/messages/${id}/reactions`, { key: 'heart' });
      expect(heart.body.reactions.map((r) => [r.key, r.user_ids])).toEqual([
        ['👍', ['carol', 'alice']],
        ['heart', ['bob']],
      ]);
      // Idempotent: the same reaction again changes nothing and is not heard again.
      const again = await sdk<WireMessage>('carol', 'PUT', `/group/channels/lobby/messages/${id}/reactions`, { key: '👍' });
      expect(again.status).toBe(200);
      expect(again.body.reactions).toEqual(heart.body.reactions);

      // List, the channel's last message and the live events all carry them.
      expect((await list()).find((m) => m.message_id === id)?.reactions).toEqual(heart.body.reactions);
      const channel = await sdk<{ last_message: WireMessage }>('carol', 'GET', '/group/channels/lobby?show_last_message=true');
      expect(channel.body.last_message).toMatchObject({ message_id: id, reactions: heart.body.reactions });
      expect((await sdk<WireMessage>('carol', 'GET', `/group/channels/lobby/messages/${id}`)).body).toMatchObject({ message_id: id, reactions: heart.body.reactions });
      expect((await call<WireMessage>('GET', `/v1/group/channels/lobby/messages/${id}`)).body).toMatchObject({ message_id: id, reactions: heart.body.reactions });
      await expect.poll(() => reactionsHeard().length).toBe(3);
      const heard = reactionsHeard().map((e) => e.args);
      expect(heard.map((args) => args[2])).toEqual([
        { key: '👍', user_id: 'carol', operation: 'add' },
        { key: '👍', user_id: 'alice', operation: 'add' },
        { key: 'heart', user_id: 'bob', operation: 'add' },
      ]);
      expect(heard[1]![0]).toMatchObject({ message_id: id, reactions: [{ key: '👍', user_ids: ['carol', 'alice'] }] });
      expect(heard[1]![1]).toMatchObject({ channel_id: 'lobby' });
    });

    it('takes a reaction back through either API, idempotently; the key goes when its last user does', async () => {
      const id = await send('take it back');
      const start = reactionsHeard().length;
      await sdk('carol', 'PUT', `/group/channels/lobby/messages/${id}/reactions`, { key: 'ok' });
      await sdk('bob', 'PUT', `/group/channels/lobby/messages/${id}/reactions`, { key: 'ok' });
      // A realtime event and the HTTP answer of its change travel apart: both adds are heard before counting on.
      await expect.poll(() => reactionsHeard().length).toBe(start + 2);
      const before = reactionsHeard().length;
      const first = await sdk<WireMessage>('carol', 'PUT', `/group/channels/lobby/messages/${id}/reactions`, { key: 'ok' });
      const removed = await sdk<WireMessage>('carol', 'DELETE', `/group/channels/lobby/messages/${id}/reactions/ok`);
      expect(removed.status).toBe(200);
      expect(removed.body.reactions).toEqual([{ key: 'ok', user_ids: ['bob'], updated_at: expect.any(Number) }]);
      expect(removed.body.reactions[0]!.updated_at).toBeGreaterThanOrEqual(first.body.reactions[0]!.updated_at);
      expect((await sdk<WireMessage>('carol', 'DELETE', `/group/channels/lobby/messages/${id}/reactions/ok`)).body.reactions).toEqual(removed.body.reactions);
      const byBackend = await call<WireMessage>('DELETE', `/v1/group/channels/lobby/messages/${id}/reactions/ok?user_id=bob`);
      expect(byBackend.status).toBe(200);
      expect(byBackend.body.reactions).toEqual([]);
      await expect.poll(() => reactionsHeard().length).toBe(before + 2);
      expect(reactionsHeard().slice(before).map((e) => e.args[2])).toEqual([
        { key: 'ok', user_id: 'carol', operation: 'delete' },
        { key: 'ok', user_id: 'bob', operation: 'delete' },
      ]);
      expect((await call('DELETE', `/v1/group/channels/lobby/messages/${id}/reactions/ok`)).body).toMatchObject({ status: 400, code: 1001, message: expect.stringMatching(/user_id/) });
    });

    it('lets only members react, and names a missing message, channel or user', async () => {
      const id = await send('members only');
      expect((await sdk('eve', 'PUT', `/group/channels/lobby/messages/${id}/reactions`, { key: 'x' })).body).toMatchObject({ status: 403, code: 3001 });
      expect((await call('PUT', `/v1/group/channels/lobby/messages/${id}/reactions`, { key: 'x', user_id: 'eve' })).body).toMatchObject({ status: 400, code: 1008 });
      expect((await call('PUT', `/v1/group/channels/lobby/messages/${id}/reactions`, { key: 'x', user_id: 'ghost' })).body).toMatchObject({ status: 400, code: 1004 });
      expect((await sdk('bob', 'PUT', '/group/channels/lobby/messages/99999/reactions', { key: 'x' })).body).toMatchObject({ status: 400, code: 1005 });
      expect((await call('DELETE', '/v1/group/channels/lobby/messages/99999/reactions/x?user_id=bob')).body).toMatchObject({ status: 400, code: 1005 });
      expect((await call('PUT', `/v1/group/channels/nowhere/messages/${id}/reactions`, { key: 'x', user_id: 'bob' })).body).toMatchObject({ status: 400, code: 1003 });
      expect((await list()).find((m) => m.message_id === id)?.reactions).toEqual([]);
    });

    it('lets a muted member react, and in a frozen channel only managers through /v1/sdk; the backend always', async () => {
      const id = await send('cold reactions');
      expect((await call('POST', '/v1/group/channels/lobby/managers', { manager: 'alice' })).status).toBeLessThan(300);
      expect((await call('POST', '/v1/group/channels/lobby/mute', { user_id: 'bob', seconds: 600 })).status).toBe(200);
      expect((await sdk('bob', 'PUT', `/group/channels/lobby/messages/${id}/reactions`, { key: 'shh' })).status).toBe(200);
      expect((await call('DELETE', '/v1/group/channels/lobby/mute/bob')).status).toBe(200);
      expect((await call('PUT', '/v1/group/channels/lobby/freeze', { freeze: true })).status).toBe(200);
      try {
        expect((await sdk('carol', 'PUT', `/group/channels/lobby/messages/${id}/reactions`, { key: 'brr' })).body).toMatchObject({ status: 400, code: 1009 });
        expect((await sdk('bob', 'DELETE', `/group/channels/lobby/messages/${id}/reactions/shh`)).body).toMatchObject({ status: 400, code: 1009 });
        expect((await sdk('alice', 'PUT', `/group/channels/lobby/messages/${id}/reactions`, { key: 'brr' })).status).toBe(200);
        expect((await call('PUT', `/v1/group/channels/lobby/messages/${id}/reactions`, { key: 'brr', user_id: 'carol' })).status).toBe(200);
      } finally {
        expect((await call('PUT', '/v1/group/channels/lobby/freeze', { freeze: false })).status).toBe(200);
      }
      expect((await list()).find((m) => m.message_id === id)?.reactions.map((r) => [r.key, r.user_ids])).toEqual([
        ['shh', ['bob']],
        ['brr', ['alice', 'carol']],
      ]);
    });

    it('shows one message to members only, and not to one who blocked its sender', async () => {
      const id = await send('view me');
      expect((await sdk('eve', 'GET', `/group/channels/lobby/messages/${id}`)).body).toMatchObject({ status: 403, code: 3001 });
      expect((await call('GET', '/v1/group/channels/lobby/messages/99999')).body).toMatchObject({ status: 400, code: 1005 });
      expect((await sdk('carol', 'PUT', '/users/me/block', { user_id: 'alice' })).status).toBe(200);
      expect((await sdk('carol', 'GET', `/group/channels/lobby/messages/${id}`)).body).toMatchObject({ status: 400, code: 1005 });
      expect((await sdk('carol', 'DELETE', '/users/me/block/alice')).status).toBe(200);
      expect((await sdk<WireMessage>('carol', 'GET', `/group/channels/lobby/messages/${id}`)).body).toMatchObject({ message_id: id, content: 'view me', reactions: [] });
    });

    it('takes keys of 1-32 characters (an emoji is one) and at most 20 distinct keys per message', async () => {
      const id = await send('so many feelings');
      const react = (user: string, key: unknown) => sdk<WireMessage & { code?: number; message?: string }>(user, 'PUT', `/group/channels/lobby/messages/${id}/reactions`, { key });
      expect((await react('bob', '')).body).toMatchObject({ status: 400, code: 1001, message: expect.stringMatching(/^key/) });
      expect((await react('bob', 'k'.repeat(33))).body).toMatchObject({ status: 400, code: 1001 });
      expect((await react('bob', 'a\nb')).body).toMatchObject({ status: 400, code: 1001 });
      expect((await react('bob', 7)).body).toMatchObject({ status: 400, code: 1001 });
      expect((await react('bob', '😀'.repeat(32))).status).toBe(200);
      for (let i = 1; i < 20; i++) expect((await react('bob', `k${i}`)).status).toBe(200);
      const full = await react('carol', 'k21');
      expect(full.body).toMatchObject({ status: 400, code: 1001, message: expect.stringMatching(/^key: .*20/) });
      // A key already there still takes more users.
      const more = await react('carol', 'k1');
      expect(more.status).toBe(200);
      expect(more.body.reactions).toHaveLength(20);
      expect(more.body.reactions.find((r) => r.key === 'k1')?.user_ids).toEqual(['bob', 'carol']);
      // Concurrent new keys never pass the limit: one freed slot, many takers.
      await sdk('bob', 'DELETE', `/group/channels/lobby/messages/${id}/reactions/k19`);
      const racers = await Promise.all(['r1', 'r2', 'r3', 'r4'].map((key) => react('alice', key)));
      expect(racers.filter((r) => r.status === 200)).toHaveLength(1);
      expect((await list()).find((m) => m.message_id === id)?.reactions).toHaveLength(20);
    });

    it('costs the same statements for a page however many of its messages have reactions', async () => {
      const queriesOf = async (path: string): Promise<string[]> => {
        expect((await call('GET', path)).status).toBe(200);
        const recording = tp.parley.storage.queries.record();
        expect((await call('GET', path)).status).toBe(200);
        return recording.stop();
      };
      const ids = [];
      for (let i = 0; i < 6; i++) ids.push(await send(`page ${i}`));
      const few = await queriesOf('/v1/group/channels/lobby/messages?mode=prev&limit=2');
      for (const id of ids) await call('PUT', `/v1/group/channels/lobby/messages/${id}/reactions`, { key: 'seen', user_id: 'bob' });
      const many = await queriesOf('/v1/group/channels/lobby/messages?mode=prev&limit=100');
      expect(many).toEqual(few);
      const page = (await call<{ messages: WireMessage[] }>('GET', '/v1/group/channels/lobby/messages?mode=prev&limit=6')).body.messages;
      expect(page.map((m) => m.reactions.map((r) => r.key))).toEqual(ids.map(() => ['seen']));
    });

    it('deleting a message takes its reactions with it', async () => {
      const id = await send('short-lived');
      await sdk('bob', 'PUT', `/group/channels/lobby/messages/${id}/reactions`, { key: 'bye' });
      expect((await call('DELETE', `/v1/group/channels/lobby/messages/${id}`)).body).toMatchObject({ message_id: id, reactions: [{ key: 'bye', user_ids: ['bob'] }] });
      expect((await sdk('bob', 'PUT', `/group/channels/lobby/messages/${id}/reactions`, { key: 'bye' })).body).toMatchObject({ code: 1005 });
      const left = await tp.parley.storage.db.selectFrom('chat_reactions').select('user_id').where('app_id', '=', tp.appId).where('channel_id', '=', 'lobby').where('message_id', '=', id).execute();
      expect(left).toEqual([]);
    });

    it('through the SDK: addReaction, removeReaction and the message_reaction event', async () => {
      const id = await send('sdk reactions');
      const carol = new Client({ app_id: tp.appId, url: tp.url, session_token: tokens.carol! });
      const heard: Array<[Message, string, unknown]> = [];
      carol.on('group:message_reaction', (message, channel, reaction) => heard.push([message, channel.channel_id, reaction]));
      await carol.connectUser({ user_id: 'carol' });
      try {
        expect((await carol.groupChannel.addReaction('lobby', id, '🎉')).reactions).toEqual([{ key: '🎉', user_ids: ['carol'], updated_at: expect.any(Number) }]);
        expect((await carol.groupChannel.removeReaction('lobby', id, '🎉')).reactions).toEqual([]);
        await expect(carol.groupChannel.addReaction('lobby', id, '')).rejects.toBeInstanceOf(SdkError);
        await expect.poll(() => heard.map(([, channel, reaction]) => [channel, reaction])).toEqual([
          ['lobby', { key: '🎉', user_id: 'carol', operation: 'add' }],
          ['lobby', { key: '🎉', user_id: 'carol', operation: 'delete' }],
        ]);
        expect(heard[0]![0]).toMatchObject({ message_id: id, reactions: [{ key: '🎉' }] });
      } finally {
        carol.disconnectUser();
      }
    });
  });
});
