/**
 * Mentions on SQLite and PostgreSQL (DESIGN.md, Mentions): a send (text or file, both APIs) may name
 * up to 10 `mentioned_user_ids`, each a member of the channel (else 400 / 1001, nothing written); the
 * message carries them; each mentioned member but the sender hears `group:message_mention (message,
 * channel)` on its own connection, and its `unread_mention_count` grows until it reads the channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import { openChatSocket, type Received } from './support/chat-socket.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

interface Message {
  message_id: number;
  content?: string;
  mentioned_user_ids?: string[];
}
interface Channel {
  channel_id: string;
  unread?: Record<string, number>;
  unread_mention_count?: number;
}

describe.each(engines)('mentions on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    let tokens: Record<string, string>;
    const hears: Record<string, Received> = {};
    const closers: Array<() => void> = [];

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'carol', 'eve'], channels: { team: ['alice', 'bob', 'carol'] } }));
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      for (const user of ['alice', 'bob', 'carol']) {
        const s = await openChatSocket(tp.url, tp.appId, user, tokens[user]!);
        hears[user] = s.received;
        closers.push(() => s.socket.close());
      }
    }, 30_000);
    afterAll(async () => {
      for (const close of closers) close();
      await tp?.stop();
    });

    const mentionsOf = (user: string) => hears[user]!.filter((e) => e.event === 'group:message_mention');
    const mentionCount = async (user: string) => (await sdk<Channel>(user, 'GET', '/group/channels/team?show_unread=true')).body.unread_mention_count;

    it('a mention reaches only the mentioned members, the sender aside, and counts as an unread mention', async () => {
      const sent = await sdk<Message>('alice', 'POST', '/group/channels/team/messages', { content: '@bob @alice look', mentioned_user_ids: ['bob', 'alice', 'bob'] });
      expect(sent.status, JSON.stringify(sent.body)).toBe(201);
      expect(sent.body.mentioned_user_ids).toEqual(['bob', 'alice']);
      await expect.poll(() => mentionsOf('bob').length).toBe(1);
      const [message, channel] = mentionsOf('bob')[0]!.args as [Message, Channel];
      expect(message).toMatchObject({ message_id: sent.body.message_id, mentioned_user_ids: ['bob', 'alice'] });
      expect(channel).toMatchObject({ channel_id: 'team' });
      // Everyone hears the send; only the mentioned hear the mention (the sender does not mention itself).
      await expect.poll(() => hears.carol!.some((e) => e.event === 'group:message_send' && (e.args[0] as Message).message_id === sent.body.message_id)).toBe(true);
      expect(mentionsOf('carol')).toHaveLength(0);
      expect(mentionsOf('alice')).toHaveLength(0);
      expect(await mentionCount('bob')).toBe(1);
      expect(await mentionCount('carol')).toBe(0);
      expect(await mentionCount('alice')).toBe(0);
      // The message keeps its mentions in the history.
      const history = await sdk<{ messages: Message[] }>('carol', 'GET', '/group/channels/team/messages');
      expect(history.body.messages.find((m) => m.message_id === sent.body.message_id)?.mentioned_user_ids).toEqual(['bob', 'alice']);
    });

    it('the server API and file sends mention too; reading the channel resets the count', async () => {
      expect((await call('POST', '/v1/group/channels/team/messages', { type: 'text', user_id: 'carol', content: 'hey bob', mentioned_user_ids: ['bob'] })).status).toBe(201);
      const form = new FormData();
      form.set('type', 'file');
      form.set('user_id', 'carol');
      form.set('mentioned_user_ids', JSON.stringify(['bob']));
      form.set('file', new Blob(['x']), 'x.txt');
      const file = await fetch(`${tp.url}/v1/group/channels/team/messages`, { method: 'POST', headers: { APP_ID: tp.appId, APP_API_KEY: tp.apiKey }, body: form });
      expect(file.status).toBe(201);
      expect(await file.json()).toMatchObject({ type: 'file', mentioned_user_ids: ['bob'] });
      await expect.poll(() => mentionsOf('bob').length).toBe(3);
      expect(await mentionCount('bob')).toBe(3);
      // The joined list shows it as well, for the listed user.
      const joined = await call<{ channels: Channel[] }>('GET', '/v1/users/bob/channels?show_unread=true');
      expect(joined.body.channels.find((c) => c.channel_id === 'team')?.unread_mention_count).toBe(3);
      expect((await sdk('bob', 'PUT', '/group/channels/team/messages/read')).status).toBe(200);
      expect(await mentionCount('bob')).toBe(0);
      // Sending marks the sender read, mentions included.
      expect((await call('POST', '/v1/group/channels/team/messages', { type: 'text', user_id: 'alice', content: 'carol?', mentioned_user_ids: ['carol'] })).status).toBe(201);
      expect(await mentionCount('carol')).toBe(1);
      expect((await sdk('carol', 'POST', '/group/channels/team/messages', { content: 'here' })).status).toBe(201);
      expect(await mentionCount('carol')).toBe(0);
    });

    it('a member who blocked the sender is not told of its mention', async () => {
      expect((await sdk('carol', 'PUT', '/users/me/block', { user_id: 'alice' })).status).toBe(200);
      const heard = mentionsOf('carol').length;
      expect((await sdk('alice', 'POST', '/group/channels/team/messages', { content: '@carol @bob', mentioned_user_ids: ['carol', 'bob'] })).status).toBe(201);
      await expect.poll(() => mentionCount('bob')).toBe(1);
      expect(await mentionCount('carol')).toBe(0);
      expect((await sdk('bob', 'PUT', '/group/channels/team/messages/read')).status).toBe(200);
      await tp.parley.chat.idle();
      expect(mentionsOf('carol')).toHaveLength(heard);
      expect((await sdk('carol', 'DELETE', '/users/me/block/alice')).status).toBe(200);
    });

    it('refuses a non-member, too many or malformed mentions, writing nothing', async () => {
      const count = async () => (await call<{ total_message_count: number }>('GET', '/v1/group/channels/team')).body.total_message_count;
      const before = await count();
      const eve = await sdk('alice', 'POST', '/group/channels/team/messages', { content: 'eve?', mentioned_user_ids: ['bob', 'eve'] });
      expect(eve.body).toMatchObject({ status: 400, code: 1001, message: expect.stringMatching(/mentioned_user_ids.*eve/) });
      const ghost = await call('POST', '/v1/group/channels/team/messages', { type: 'text', user_id: 'alice', content: 'ghost', mentioned_user_ids: ['nobody'] });
      expect(ghost.body).toMatchObject({ status: 400, code: 1001 });
      const eleven = Array.from({ length: 11 }, (_, i) => `u${i}`);
      expect((await sdk('alice', 'POST', '/group/channels/team/messages', { content: 'many', mentioned_user_ids: eleven })).body).toMatchObject({ code: 1001, message: expect.stringMatching(/at most 10/) });
      expect((await sdk('alice', 'POST', '/group/channels/team/messages', { content: 'bad', mentioned_user_ids: 'bob' })).body).toMatchObject({ code: 1001 });
      expect((await sdk('alice', 'POST', '/group/channels/team/messages', { content: 'bad', mentioned_user_ids: ['b o b'] })).body).toMatchObject({ code: 1001 });
      expect(await count()).toBe(before);
      expect(await mentionCount('bob')).toBe(0);
      // A refused mention among concurrent sends fails alone.
      const sends = await Promise.all([
        sdk('alice', 'POST', '/group/channels/team/messages', { content: 'a', mentioned_user_ids: ['bob'] }),
        sdk('carol', 'POST', '/group/channels/team/messages', { content: 'b', mentioned_user_ids: ['eve'] }),
        // Not bob: his own send would reset his mentions, before or after alice's commit (PostgreSQL runs them side by side).
        sdk('alice', 'POST', '/group/channels/team/messages', { content: 'c' }),
      ]);
      expect(sends.map((s) => s.status)).toEqual([201, 400, 201]);
      expect(await count()).toBe(before + 2);
      expect(await mentionCount('bob')).toBe(1);
    });
  });
});
