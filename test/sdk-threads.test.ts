/**
 * The SDK's thread, mention and unread methods against a real Parley (SQLite), as two connected users:
 * sendMessage with `mentionedUserIds` / `parentMessageId` (text and file), getReplies, getTotalUnread,
 * markRead, markAllRead, an ordered getJoinedChannelList, and the re-emitted `group:message_mention`
 * and `group:thread_update`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, SdkError, type GroupChannel, type Message } from '../packages/sdk/src/index.ts';
import { seedChat } from './support/chat-seed.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

describe('SDK threads, mentions and unread totals', () => {
  let tp: TestParley;
  let alice: Client;
  let bob: Client;
  const bobHeard: Array<{ event: string; message: Message; channel: GroupChannel }> = [];

  beforeAll(async () => {
    tp = await startParley();
    const { tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob'], channels: { sdk_one: ['alice', 'bob'], sdk_two: ['alice', 'bob'] } });
    alice = new Client({ app_id: tp.appId, url: tp.url, session_token: tokens.alice! });
    bob = new Client({ app_id: tp.appId, url: tp.url, session_token: tokens.bob! });
    bob.on('group:message_mention', (message, channel) => bobHeard.push({ event: 'mention', message, channel }));
    bob.on('group:thread_update', (message, channel) => bobHeard.push({ event: 'thread', message, channel }));
    await alice.connectUser({ user_id: 'alice' });
    await bob.connectUser({ user_id: 'bob' });
  });
  afterAll(async () => {
    alice?.disconnectUser();
    bob?.disconnectUser();
    await tp?.stop();
  });

  it('mentions and replies, with their events re-emitted', async () => {
    const top = await alice.groupChannel.sendMessage('sdk_one', { content: '@bob look', mentionedUserIds: ['bob'] });
    expect(top.mentioned_user_ids).toEqual(['bob']);
    await expect.poll(() => bobHeard.filter((h) => h.event === 'mention').map((h) => [h.message.message_id, h.channel.channel_id])).toEqual([[top.message_id, 'sdk_one']]);
    const reply = await alice.groupChannel.sendMessage('sdk_one', { content: 'in thread', parentMessageId: top.message_id });
    const file = await alice.groupChannel.sendMessage('sdk_one', { type: 'file', file: new Blob(['f']), name: 'f.txt', parentMessageId: top.message_id, mentionedUserIds: ['bob'] });
    expect([reply.parent_message_id, file.parent_message_id]).toEqual([top.message_id, top.message_id]);
    expect(file.mentioned_user_ids).toEqual(['bob']);
    await expect
      .poll(() => bobHeard.filter((h) => h.event === 'thread').at(-1)?.message.thread_info)
      .toEqual({ reply_count: 2, last_replied_at: file.created_at, reply_user_ids: ['alice'] });
    expect((await bob.groupChannel.getReplies('sdk_one', top.message_id)).messages.map((m) => m.message_id)).toEqual([reply.message_id, file.message_id]);
    expect((await bob.groupChannel.getReplies('sdk_one', top.message_id, { mode: 'next', base_message_id: reply.message_id })).messages.map((m) => m.message_id)).toEqual([file.message_id]);
    expect((await bob.groupChannel.getMessageList('sdk_one')).messages.map((m) => m.message_id)).toEqual([top.message_id]);
    expect((await bob.groupChannel.getMessageList('sdk_one', { include_replies: true })).messages).toHaveLength(3);
    await expect(alice.groupChannel.sendMessage('sdk_one', { content: 'nested', parentMessageId: reply.message_id })).rejects.toMatchObject({ code: 1001 });
    await expect(alice.groupChannel.sendMessage('sdk_one', { content: 'x', mentionedUserIds: ['nobody'] })).rejects.toBeInstanceOf(SdkError);
  });

  it('unread totals, read of several channels and read-all, ordered joined lists', async () => {
    await alice.groupChannel.sendMessage('sdk_two', { content: 'two' });
    expect(await bob.groupChannel.getTotalUnread()).toEqual({ unread_message_count: 4, unread_channel_count: 2, unread_mention_count: 2 });
    const latest = await bob.groupChannel.getJoinedChannelList({ order: 'latest_last_message', show_unread: true });
    expect(latest.channels.map((c) => [c.channel_id, c.unread_mention_count])).toEqual([
      ['sdk_two', 0],
      ['sdk_one', 2],
    ]);
    expect(await bob.groupChannel.markRead(['sdk_one'])).toEqual({ channel_ids: ['sdk_one'] });
    expect(await bob.groupChannel.getTotalUnread()).toEqual({ unread_message_count: 1, unread_channel_count: 1, unread_mention_count: 0 });
    await expect(bob.groupChannel.markRead(['nowhere'])).rejects.toMatchObject({ code: 1008 });
    expect(await bob.groupChannel.markAllRead()).toEqual({ channel_ids: ['sdk_one', 'sdk_two'] });
    expect(await bob.groupChannel.getTotalUnread()).toEqual({ unread_message_count: 0, unread_channel_count: 0, unread_mention_count: 0 });
  });
});
