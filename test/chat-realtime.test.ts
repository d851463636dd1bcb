/**
 * Chat over socket.io (real socket.io-client 4 connections with `{auth: {app_id, user_id, token}}`), on
 * SQLite and PostgreSQL alike: every group:* and user_* event with its argument order, delivery that
 * follows membership as it changes, online members, refused and revoked tokens — and 200 concurrent
 * senders into one channel: every acknowledged message stored once, ids 1..200 without gaps, each
 * delivered once to each connected member.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { openChatSocket, type Received } from './support/chat-socket.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

describe.each(engines)('chat realtime on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    const sockets: Socket[] = [];

    async function connect(userId: string, token?: string): Promise<{ socket: Socket; received: Received }> {
      const t = token ?? ((await call<{ token: string }>('POST', `/v1/users/${userId}/token`, { expires_at: Date.now() + 600_000 })).body.token);
      const opened = await openChatSocket(tp.url, tp.appId, userId, t);
      sockets.push(opened.socket);
      return opened;
    }

    /** Waits until every event emitted so far has been handed to socket.io, then for the wire. */
    async function settle(): Promise<void> {
      await tp.parley.chat.idle();
      await new Promise((r) => setTimeout(r, 50));
    }
    const names = (r: Received) => r.map((e) => e.event);

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      for (const id of ['amy', 'bob', 'cy']) await call('POST', '/v1/users', { user_id: id, name: id });
    });
    afterAll(async () => {
      for (const s of sockets) s.disconnect();
      await tp?.stop();
    });

    it('refuses bad tokens at connect', async () => {
      await expect(connect('amy', 'not-a-jwt')).rejects.toThrow(/invalid token/);
      const bobs = (await call<{ token: string }>('POST', '/v1/users/bob/token', {})).body.token;
      await expect(connect('amy', bobs)).rejects.toThrow(/another user/);
    });

    it('delivers every event with its argument order, following membership as it changes', async () => {
      const amy = await connect('amy');
      const bob = await connect('bob');
      await call('POST', '/v1/group/channels', { channel_id: 'live', name: 'Live', members: ['amy'] });
      // Bob joins after connecting and hears from then on.
      await call('PUT', '/v1/group/channels/live/join', { member: 'bob' });
      const sent = (await call<{ message_id: number }>('POST', '/v1/group/channels/live/messages', { user_id: 'amy', content: 'hello' })).body;
      await call('PUT', '/v1/group/channels/live/messages/1/meta', { meta: { pinned: 'yes' } });
      await call('PUT', '/v1/group/channels/live/messages/read', { user_id: 'bob' });
      await call('PUT', '/v1/group/channels/live/messages/delivered', { user_id: 'bob' });
      await call('PUT', '/v1/group/channels/live/freeze', { freeze: true });
      await call('PUT', '/v1/group/channels/live/freeze', { freeze: false });
      await call('PUT', '/v1/group/channels/live', { name: 'Live!' });
      await call('POST', '/v1/group/channels/live/managers', { manager: 'amy' });
      await call('DELETE', '/v1/group/channels/live/managers', { manager: 'amy' });
      await call('PUT', '/v1/users/amy', { name: 'Amy' });
      await call('DELETE', '/v1/group/channels/live/messages/1');
      await settle();

      expect(names(bob.received)).toEqual([
        'group:channel_join',
        'group:message_send',
        'group:message_update',
        'group:channel_message_read_event',
        'group:channel_message_delivered_event',
        'group:channel_freeze',
        'group:channel_unfreeze',
        'group:channel_update',
        'group:channel_manager_create',
        'group:channel_manager_delete',
        'user_update',
        'group:message_delete',
      ]);
      // Amy, a member from the creation on, also heard her own join then.
      expect(names(amy.received)).toEqual(['group:channel_join', ...names(bob.received)]);
      amy.received.shift();
      const [join, send, update, read] = bob.received;
      expect(join!.args).toEqual([expect.objectContaining({ channel_id: 'live', type: 'group' }), expect.objectContaining({ user_id: 'bob' })]);
      expect(send!.args).toEqual([expect.objectContaining({ message_id: sent.message_id, content: 'hello', user: expect.objectContaining({ user_id: 'amy' }) }), expect.objectContaining({ channel_id: 'live', total_message_count: 1 })]);
      expect(update!.args[0]).toMatchObject({ message_id: 1, meta: { pinned: 'yes' } });
      expect(read!.args).toEqual([expect.objectContaining({ channel_id: 'live', read_receipt: expect.objectContaining({ bob: expect.any(Number) }), unread: { amy: 0, bob: 0 } })]);
      expect(bob.received.find((e) => e.event === 'user_update')!.args).toEqual([expect.objectContaining({ user_id: 'amy', name: 'Amy' })]);

      expect((await call('GET', '/v1/group/channels/live/online_members')).body).toEqual(['amy', 'bob']);

      // Bob leaves: he hears his own leave, then nothing more from the channel.
      amy.received.length = bob.received.length = 0;
      await call('PUT', '/v1/group/channels/live/leave', { member: 'bob' });
      await call('POST', '/v1/group/channels/live/messages', { user_id: 'amy', content: 'after bob left' });
      await settle();
      expect(names(bob.received)).toEqual(['group:channel_leave']);
      expect(bob.received[0]!.args).toEqual([expect.objectContaining({ channel_id: 'live' }), expect.objectContaining({ user_id: 'bob' })]);
      expect(names(amy.received)).toEqual(['group:channel_leave', 'group:message_send']);

      // Banned: the ban event reaches the banned user with (channel, user, ban), then silence.
      await call('PUT', '/v1/group/channels/live/join', { member: 'bob' });
      await settle();
      amy.received.length = bob.received.length = 0;
      await call('POST', '/v1/group/channels/live/ban', { user_id: 'bob', seconds: 60, reason: 'test' });
      await call('POST', '/v1/group/channels/live/messages', { user_id: 'amy', content: 'after the ban' });
      await call('DELETE', '/v1/group/channels/live/ban/bob');
      await settle();
      expect(names(bob.received)).toEqual(['group:channel_ban', 'group:channel_unban']);
      expect(bob.received[0]!.args).toEqual([expect.objectContaining({ channel_id: 'live' }), expect.objectContaining({ user_id: 'bob' }), expect.objectContaining({ user_id: 'bob', seconds: 60, reason: 'test' })]);
      expect(names(amy.received)).toEqual(['group:channel_ban', 'group:message_send', 'group:channel_unban']);

      // Deleting the channel tells its members; deleting a user tells those who shared a channel.
      await call('POST', '/v1/group/channels', { channel_id: 'short_lived', name: 'S', members: ['amy', 'cy'] });
      await settle();
      amy.received.length = 0;
      await call('DELETE', '/v1/group/channels/short_lived');
      await call('POST', '/v1/group/channels', { channel_id: 'with_cy', name: 'C', members: ['amy', 'cy'] });
      await call('DELETE', '/v1/users/cy');
      await settle();
      expect(names(amy.received)).toEqual(['group:channel_delete', 'group:channel_join', 'user_delete']);
      expect(amy.received[2]!.args).toEqual([expect.objectContaining({ user_id: 'cy' })]);
    });

    it('ends live connections when the tokens are revoked', async () => {
      const { socket } = await connect('amy');
      const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      await call('DELETE', '/v1/users/amy/token');
      expect(await gone).toBe('io server disconnect');
    });

    it('200 concurrent senders: every acknowledged message stored once, ids 1..200 without gaps, each delivered once to each member', async () => {
      const senders = Array.from({ length: 20 }, (_, i) => `sender_${i}`);
      for (const id of senders) await call('POST', '/v1/users', { user_id: id, name: id });
      await call('POST', '/v1/group/channels', { channel_id: 'stampede', name: 'Stampede', members: senders });
      const listeners = await Promise.all(senders.slice(0, 5).map((id) => connect(id)));

      const started = performance.now();
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          call<{ message_id: number; content: string }>('POST', '/v1/group/channels/stampede/messages', { user_id: senders[i % 20], content: `m${i}` }),
        ),
      );
      const elapsed = performance.now() - started;
      expect(answers.every((a) => a.status === 201)).toBe(true);
      const ids = answers.map((a) => a.body.message_id).sort((a, b) => a - b);
      expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));

      const stored: Array<{ message_id: number; content: string }> = [];
      for (let base = 0; ; ) {
        const page = (await call<{ messages: Array<{ message_id: number; content: string }> }>('GET', `/v1/group/channels/stampede/messages?mode=next&limit=100&base_message_id=${base}`)).body.messages;
        if (page.length === 0) break;
        stored.push(...page);
        base = page[page.length - 1]!.message_id;
      }
      expect(stored.map((m) => m.message_id)).toEqual(ids);
      // Each acknowledged message is stored under the id it was acknowledged with.
      const byId = new Map(stored.map((m) => [m.message_id, m.content]));
      for (const a of answers) expect(byId.get(a.body.message_id)).toBe(a.body.content);

      const deadline = Date.now() + 10_000;
      const sends = (r: Received) => r.filter((e) => e.event === 'group:message_send').map((e) => (e.args[0] as { message_id: number }).message_id);
      while (listeners.some((l) => sends(l.received).length < 200) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      await settle();
      for (const l of listeners) expect([...sends(l.received)].sort((a, b) => a - b)).toEqual(ids);
      console.log(`${engine.name}: 200 concurrent sends acknowledged in ${elapsed.toFixed(0)} ms`);
    });
  });
});
