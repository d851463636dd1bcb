/**
 * Every method of the SDK's `client.user` and `client.groupChannel` against a real Parley (SQLite), as
 * two users: results have the documented shapes, refusals arrive as SdkError with the server's code, and
 * the chat events of each call reach the other user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, SdkError, type GroupChannel, type Message } from '../packages/sdk/src/index.ts';
import { platformClient } from './support/chat-engines.ts';
import { seedChat } from './support/chat-seed.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

describe('SDK methods against a real server', () => {
  let tp: TestParley;
  let alice: Client;
  let bob: Client;
  const bobEvents: string[] = [];

  const refusal = async (work: Promise<unknown>): Promise<number> => {
    try {
      await work;
    } catch (err) {
      expect(err).toBeInstanceOf(SdkError);
      return (err as SdkError).code;
    }
    throw new Error('expected a refusal');
  };

  beforeAll(async () => {
    tp = await startParley();
    const { tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'mallory'], channels: {} });
    alice = new Client({ app_id: tp.appId, url: tp.url, session_token: tokens.alice! });
    bob = new Client({ app_id: tp.appId, url: tp.url, session_token: tokens.bob! });
    for (const name of ['group:message_send', 'group:message_update', 'group:message_delete', 'group:channel_update', 'group:channel_freeze', 'group:channel_unfreeze', 'group:channel_join', 'group:channel_manager_create', 'group:channel_message_read_event', 'group:channel_mute', 'group:channel_unmute'] as const) {
      bob.on(name, () => bobEvents.push(name));
    }
    await alice.connectUser({ user_id: 'alice' });
    await bob.connectUser({ user_id: 'bob' });
  });
  afterAll(async () => {
    alice?.disconnectUser();
    bob?.disconnectUser();
    await tp?.stop();
  });

  it('client.user', async () => {
    expect(await alice.user.me()).toMatchObject({ user_id: 'alice' });
    expect(await alice.user.getUser('bob')).toMatchObject({ user_id: 'bob' });
    expect(await alice.user.updateUser({ name: 'Alice A.' })).toMatchObject({ name: 'Alice A.' });
    expect(await alice.user.updateMeta({ team: 'blue', role: 'dev' })).toMatchObject({ team: 'blue', role: 'dev' });
    expect(await alice.user.deleteMeta(['role'])).toEqual({ team: 'blue' });
    expect(await refusal(alice.user.getUser('ghost'))).toBe(1004);
  });

  it('client.groupChannel: channels, members, managers', async () => {
    const created = await alice.groupChannel.createChannel({ channel_id: 'sdk_room', name: 'SDK room', members: ['bob'] });
    expect(created).toMatchObject({ channel_id: 'sdk_room', type: 'group' });
    await platformClient(tp.url, tp.appId, tp.apiKey)('POST', '/v1/group/channels/sdk_room/managers', { manager: 'alice' });
    expect((await alice.groupChannel.getChannelList({ limit: 10 })).channels.map((c: GroupChannel) => c.channel_id)).toContain('sdk_room');
    expect((await bob.groupChannel.getJoinedChannelList({ show_last_message: true })).channels.map((c: GroupChannel) => c.channel_id)).toEqual(['sdk_room']);
    expect(await alice.groupChannel.getChannel('sdk_room', { show_members: true, show_managers: true })).toMatchObject({ managers: [{ user_id: 'alice' }] });
    expect(await alice.groupChannel.updateChannel('sdk_room', { name: 'Lobby' })).toMatchObject({ name: 'Lobby' });
    expect(await refusal(bob.groupChannel.updateChannel('sdk_room', { name: 'Mine' }))).toBe(1016);
    expect((await alice.groupChannel.getMemberList('sdk_room')).members.map((m) => m.user_id)).toEqual(['alice', 'bob']);
    expect((await alice.groupChannel.getOnlineMemberList('sdk_room')).sort()).toEqual(['alice', 'bob']);
    expect(await alice.groupChannel.addManager('sdk_room', 'bob')).toMatchObject({ managers: expect.arrayContaining([expect.objectContaining({ user_id: 'bob' })]) });
    await alice.groupChannel.removeManager('sdk_room', 'bob');
    const other = await bob.groupChannel.createChannel({ channel_id: 'bob_room', name: 'Bob', is_public: true });
    expect(other).toMatchObject({ channel_id: 'bob_room', is_public: true });
    expect(await alice.groupChannel.joinChannel('bob_room')).toMatchObject({ channel_id: 'bob_room' });
    expect(await alice.groupChannel.leaveChannel('bob_room')).toMatchObject({ channel_id: 'bob_room' });
  });

  it('client.groupChannel: messages, receipts, moderation', async () => {
    const sent: Message = await alice.groupChannel.sendMessage('sdk_room', { content: '안녕 bob', meta: { k: 'v' } });
    expect(sent).toMatchObject({ message_id: 1, content: '안녕 bob', user: { user_id: 'alice' } });
    const file = await alice.groupChannel.sendMessage('sdk_room', { type: 'file', file: new Blob(['hello file'], { type: 'text/plain' }), name: 'hello.txt' });
    expect(file).toMatchObject({ type: 'file', file: { name: 'hello.txt', size: 10 } });
    expect((await bob.groupChannel.getMessageList('sdk_room', { mode: 'prev', limit: 10 })).messages.map((m) => m.message_id)).toEqual([1, 2]);
    expect((await bob.groupChannel.getMessageList('sdk_room', { type: 'file' })).messages.map((m) => m.message_id)).toEqual([2]);
    expect(await alice.groupChannel.updateMessageMeta('sdk_room', 1, { pinned: 'yes' })).toMatchObject({ meta: { k: 'v', pinned: 'yes' } });
    expect(await alice.groupChannel.deleteMessageMeta('sdk_room', 1, ['k'])).toMatchObject({ meta: { pinned: 'yes' } });
    expect(await refusal(bob.groupChannel.deleteMessage('sdk_room', 1))).toBe(3001);
    await alice.groupChannel.deleteMessage('sdk_room', 2);
    expect((await bob.groupChannel.getUnreadCount('sdk_room')).bob).toBe(1);
    await bob.groupChannel.readMessage('sdk_room');
    await bob.groupChannel.deliveredMessage('sdk_room');
    expect(Object.keys(await alice.groupChannel.getReadReceipt('sdk_room'))).toContain('bob');
    expect(Object.keys(await alice.groupChannel.getDeliveryReceipt('sdk_room'))).toContain('bob');
    expect((await alice.groupChannel.getUnreadCount('sdk_room')).bob).toBe(0);

    expect(await alice.groupChannel.freeze('sdk_room')).toMatchObject({ freeze: true });
    expect(await refusal(bob.groupChannel.sendMessage('sdk_room', { content: 'x' }))).toBe(1009);
    expect(await alice.groupChannel.unfreeze('sdk_room')).toMatchObject({ freeze: false });
    await alice.groupChannel.joinChannel('sdk_room').catch(() => undefined);
    await platformClient(tp.url, tp.appId, tp.apiKey)('PUT', '/v1/group/channels/sdk_room/join', { member: 'mallory' });
    expect(await alice.groupChannel.ban('sdk_room', { user_id: 'mallory', seconds: 600, reason: 'spam' })).toMatchObject({ user_id: 'mallory', seconds: 600 });
    expect((await alice.groupChannel.getBannedList('sdk_room')).banned.map((b) => b.user_id)).toEqual(['mallory']);
    await alice.groupChannel.unban('sdk_room', 'mallory');
    expect((await alice.groupChannel.getBannedList('sdk_room')).banned).toEqual([]);
    expect(await alice.groupChannel.muteUser('sdk_room', { user_id: 'bob', seconds: 60, description: 'calm' })).toMatchObject({ user_id: 'bob', seconds: 60, description: 'calm' });
    expect((await alice.groupChannel.getMutedList('sdk_room')).muted.map((m) => m.user_id)).toEqual(['bob']);
    expect(await refusal(bob.groupChannel.sendMessage('sdk_room', { content: 'muted' }))).toBe(1021);
    expect(await alice.groupChannel.unmuteUser('sdk_room', 'bob')).toMatchObject({ user_id: 'bob' });
    expect((await alice.groupChannel.getMutedList('sdk_room')).muted).toEqual([]);
    expect(await bob.user.blockUser('mallory')).toMatchObject({ user_id: 'mallory' });
    expect((await bob.user.getBlockedList()).users.map((u) => u.user_id)).toEqual(['mallory']);
    expect(await bob.user.unblockUser('mallory')).toMatchObject({ user_id: 'mallory' });
    expect(await bob.user.registerPushToken('fcm', 'bob-phone')).toMatchObject({ type: 'fcm', token: 'bob-phone' });
    expect((await bob.user.getPushTokens()).tokens.map((t) => t.token)).toEqual(['bob-phone']);
    expect(await bob.user.unregisterPushToken('bob-phone')).toEqual({ tokens: [] });
    expect(await refusal(bob.user.unregisterPushToken('bob-phone'))).toBe(1002);
    expect((await bob.user.getBlockedList({ limit: 10 })).users).toEqual([]);
    expect(await bob.user.report({ target: 'message', channel_id: 'sdk_room', message_id: 1, reason: 'rude' })).toMatchObject({ target: 'message', user_id: 'alice', reporter: 'bob', reason: 'rude' });
    await alice.groupChannel.deleteChannel('bob_room').then(
      () => expect.fail('alice is not a manager of bob_room'),
      (err: SdkError) => expect(err.code).toBe(1008),
    );

    // What bob's application heard meanwhile.
    await expect.poll(() => new Set(bobEvents)).toEqual(
      new Set(['group:channel_update', 'group:channel_manager_create', 'group:message_send', 'group:message_update', 'group:message_delete', 'group:channel_message_read_event', 'group:channel_freeze', 'group:channel_unfreeze', 'group:channel_join', 'group:channel_mute', 'group:channel_unmute']),
    );
  });
});
