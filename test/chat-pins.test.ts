/**
 * Pins on SQLite and PostgreSQL (DESIGN.md, Pins): `PUT|DELETE …/messages/{mid}/pin` through both APIs;
 * every presentation of a channel carries `pinned_message_ids` (newest pin first, at most 10: the 11th
 * is refused with 400 / 1001); pinning is idempotent; deleting a message unpins it; members' sockets
 * hear `group:channel_update (channel)`. Through /v1/sdk any member pins, in a frozen channel only managers.
 */
import { CHAT_LIMITS } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../packages/sdk/src/index.ts';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import { openChatSocket, type Received } from './support/chat-socket.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

interface WireChannel {
  channel_id: string;
  pinned_message_ids: number[];
}

describe.each(engines)('pins on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    let tokens: Record<string, string>;
    let aliceHears: Received;
    let close: () => void = () => undefined;

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, {
        users: ['alice', 'bob', 'eve'],
        channels: { lobby: ['alice', 'bob'], board: ['alice', 'bob'], frosty: ['alice', 'bob'] },
      }));
      expect((await call('POST', '/v1/group/channels/frosty/managers', { manager: 'alice' })).status).toBeLessThan(300);
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      const alice = await openChatSocket(tp.url, tp.appId, 'alice', tokens.alice!);
      aliceHears = alice.received;
      close = () => alice.socket.close();
    }, 30_000);
    afterAll(async () => {
      close();
      await tp?.stop();
    });

    const send = async (channel: string, content: string): Promise<number> => {
      const sent = await call<{ message_id: number }>('POST', `/v1/group/channels/${channel}/messages`, { type: 'text', user_id: 'bob', content });
      expect(sent.status).toBe(201);
      return sent.body.message_id;
    };
    const pinsHeard = (channel: string) =>
      aliceHears.filter((e) => e.event === 'group:channel_update' && (e.args[0] as WireChannel).channel_id === channel).map((e) => (e.args[0] as WireChannel).pinned_message_ids);

    it('lets a member pin and unpin, newest first, idempotently; channels carry the pins and members hear each change', async () => {
      const [one, two] = [await send('lobby', 'one'), await send('lobby', 'two')];
      expect((await call<WireChannel>('GET', '/v1/group/channels/lobby')).body.pinned_message_ids).toEqual([]);
      const first = await sdk<WireChannel>('bob', 'PUT', `/group/channels/lobby/messages/${one}/pin`);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ channel_id: 'lobby', pinned_message_ids: [one] });
      expect((await call<WireChannel>('PUT', `/v1/group/channels/lobby/messages/${two}/pin`)).body.pinned_message_ids).toEqual([two, one]);
      // Pinned already: nothing changes, nothing is heard.
      expect((await sdk<WireChannel>('bob', 'PUT', `/group/channels/lobby/messages/${one}/pin`)).body.pinned_message_ids).toEqual([two, one]);
      // Every presentation of the channel carries them.
      expect((await sdk<WireChannel>('alice', 'GET', '/group/channels/lobby')).body.pinned_message_ids).toEqual([two, one]);
      const listed = await sdk<{ channels: WireChannel[] }>('alice', 'GET', '/users/me/group/channels');
      expect(listed.body.channels.find((c) => c.channel_id === 'lobby')?.pinned_message_ids).toEqual([two, one]);
      const unpinned = await sdk<WireChannel>('alice', 'DELETE', `/group/channels/lobby/messages/${two}/pin`);
      expect(unpinned.body.pinned_message_ids).toEqual([one]);
      expect((await call<WireChannel>('DELETE', `/v1/group/channels/lobby/messages/${two}/pin`)).body.pinned_message_ids).toEqual([one]);
      await expect.poll(() => pinsHeard('lobby')).toEqual([[one], [two, one], [one]]);
    });

    it(`pins at most ${CHAT_LIMITS.pinnedMessagesMax} messages: the next is refused with 1001 until one is unpinned`, async () => {
      const ids: number[] = [];
      for (let i = 0; i <= CHAT_LIMITS.pinnedMessagesMax; i++) ids.push(await send('board', `note ${i}`));
      for (const id of ids.slice(0, CHAT_LIMITS.pinnedMessagesMax)) expect((await sdk('bob', 'PUT', `/group/channels/board/messages/${id}/pin`)).status).toBe(200);
      const eleventh = ids[CHAT_LIMITS.pinnedMessagesMax]!;
      expect((await sdk('bob', 'PUT', `/group/channels/board/messages/${eleventh}/pin`)).body).toMatchObject({ status: 400, code: 1001, message: expect.stringMatching(/^message_id: .*10/) });
      expect((await call('PUT', `/v1/group/channels/board/messages/${eleventh}/pin`)).body).toMatchObject({ status: 400, code: 1001 });
      const pinned = (await call<WireChannel>('GET', '/v1/group/channels/board')).body.pinned_message_ids;
      expect(pinned).toEqual(ids.slice(0, CHAT_LIMITS.pinnedMessagesMax).reverse());
      await call('DELETE', `/v1/group/channels/board/messages/${ids[0]}/pin`);
      expect((await sdk<WireChannel>('bob', 'PUT', `/group/channels/board/messages/${eleventh}/pin`)).body.pinned_message_ids).toEqual([eleventh, ...pinned.slice(0, -1)]);
      // Concurrent pins never pass the limit: one freed slot, several takers.
      await call('DELETE', `/v1/group/channels/board/messages/${eleventh}/pin`);
      const takers = [await send('board', 'a'), await send('board', 'b'), await send('board', 'c')];
      const racers = await Promise.all(takers.map((id) => sdk('alice', 'PUT', `/group/channels/board/messages/${id}/pin`)));
      expect(racers.map((r) => r.status).sort()).toEqual([200, 400, 400]);
      expect((await call<WireChannel>('GET', '/v1/group/channels/board')).body.pinned_message_ids).toHaveLength(CHAT_LIMITS.pinnedMessagesMax);
    });

    it('unpins a message when it is deleted, and members hear the channel change', async () => {
      const [keep, gone] = [await send('lobby', 'keep'), await send('lobby', 'gone')];
      await call('PUT', `/v1/group/channels/lobby/messages/${keep}/pin`);
      const before = (await call<WireChannel>('PUT', `/v1/group/channels/lobby/messages/${gone}/pin`)).body.pinned_message_ids;
      expect(before.slice(0, 2)).toEqual([gone, keep]);
      expect((await sdk('bob', 'DELETE', `/group/channels/lobby/messages/${gone}`)).status).toBe(200);
      const after = before.filter((id) => id !== gone);
      expect((await call<WireChannel>('GET', '/v1/group/channels/lobby')).body.pinned_message_ids).toEqual(after);
      await expect.poll(() => pinsHeard('lobby').at(-1)).toEqual(after);
      expect((await call('PUT', `/v1/group/channels/lobby/messages/${gone}/pin`)).body).toMatchObject({ status: 400, code: 1005 });
    });

    it('in a frozen channel only managers pin through /v1/sdk; the backend always may', async () => {
      const id = await send('frosty', 'cold');
      expect((await call('PUT', '/v1/group/channels/frosty/freeze', { freeze: true })).status).toBe(200);
      expect((await sdk('bob', 'PUT', `/group/channels/frosty/messages/${id}/pin`)).body).toMatchObject({ status: 400, code: 1009 });
      expect((await sdk<WireChannel>('alice', 'PUT', `/group/channels/frosty/messages/${id}/pin`)).body.pinned_message_ids).toEqual([id]);
      expect((await sdk('bob', 'DELETE', `/group/channels/frosty/messages/${id}/pin`)).body).toMatchObject({ status: 400, code: 1009 });
      expect((await call<WireChannel>('DELETE', `/v1/group/channels/frosty/messages/${id}/pin`)).body.pinned_message_ids).toEqual([]);
      expect((await call('PUT', '/v1/group/channels/frosty/freeze', { freeze: false })).status).toBe(200);
      expect((await sdk<WireChannel>('bob', 'PUT', `/group/channels/frosty/messages/${id}/pin`)).body.pinned_message_ids).toEqual([id]);
    });

    it('refuses a non-member, and names a missing message or channel', async () => {
      const id = await send('lobby', 'private');
      expect((await sdk('eve', 'PUT', `/group/channels/lobby/messages/${id}/pin`)).body).toMatchObject({ status: 403, code: 3001 });
      expect((await sdk('bob', 'PUT', '/group/channels/lobby/messages/99999/pin')).body).toMatchObject({ status: 400, code: 1005 });
      expect((await call('DELETE', '/v1/group/channels/lobby/messages/99999/pin')).body).toMatchObject({ status: 400, code: 1005 });
      expect((await call('PUT', `/v1/group/channels/nowhere/messages/${id}/pin`)).body).toMatchObject({ status: 400, code: 1003 });
      expect((await call<WireChannel>('GET', '/v1/group/channels/lobby')).body.pinned_message_ids).not.toContain(id);
    });

    it('through the SDK: pinMessage, unpinMessage and the channel_update event', async () => {
      const id = await send('lobby', 'sdk pin');
      const bob = new Client({ app_id: tp.appId, url: tp.url, session_token: tokens.bob! });
      const heard: number[][] = [];
      bob.on('group:channel_update', (channel) => heard.push(channel.pinned_message_ids));
      await bob.connectUser({ user_id: 'bob' });
      try {
        const pinned = await bob.groupChannel.pinMessage('lobby', id);
        expect(pinned.pinned_message_ids[0]).toBe(id);
        expect((await bob.groupChannel.unpinMessage('lobby', id)).pinned_message_ids).not.toContain(id);
        await expect.poll(() => heard.map((ids) => ids.includes(id))).toEqual([true, false]);
      } finally {
        bob.disconnectUser();
      }
    });
  });
});
