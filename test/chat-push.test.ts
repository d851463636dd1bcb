/**
 * Push hand-off on SQLite and PostgreSQL (DESIGN.md, "Push hand-off"): users register device tokens
 * through `/v1/sdk/users/me/push_tokens`; for each message the app's chat webhook receives one `push`
 * event `{message, channel, recipients: [{user_id, tokens}]}` listing the members with a token and no
 * live chat connection — not the sender, not those who blocked it, not those online.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, adminClient } from './support/admin-client.ts';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import { openChatSocket } from './support/chat-socket.ts';
import { startHookReceiver, type HookReceiver } from './support/hook-receiver.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();
/** Deliveries are asynchronous; a busy machine may take more than expect.poll's default second. */
const poll = <T>(fn: () => T) => expect.poll(fn, { timeout: 5000 });

interface PushBody {
  event: string;
  payload: { message: { message_id: number; content: string }; channel: { channel_id: string }; recipients: Array<{ user_id: string; tokens: Array<{ type: string; token: string }> }> };
}

describe.each(engines)('push hand-off on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let receiver: HookReceiver;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    let tokens: Record<string, string>;
    const closers: Array<() => void> = [];

    beforeAll(async () => {
      receiver = await startHookReceiver();
      tp = await engine.start({ env: { CHAT_WEBHOOK_POLL_MS: '50', ADMIN_TOKEN } });
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'], channels: { team: ['alice', 'bob', 'carol', 'dave', 'erin'], quiet: ['carol', 'erin'], walled: ['alice', 'dave'] } }));
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      expect((await call('PUT', '/v1/application/settings', { chat_webhook_url: receiver.url, chat_webhook_events: ['push'] })).status).toBe(200);
    }, 30_000);
    afterAll(async () => {
      for (const close of closers) close();
      await tp?.stop();
      await receiver?.close();
    });

    const pushes = () => receiver.received.map((h) => h.body as unknown as PushBody).filter((b) => b.event === 'push');

    it('registers, lists and unregisters tokens; validates type, length and the per-user limit', async () => {
      const put = await sdk('bob', 'PUT', '/users/me/push_tokens', { type: 'fcm', token: 'bob-phone' });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ type: 'fcm', token: 'bob-phone', created_at: expect.any(Number) });
      // Again: the same token, its type updated, not a second one.
      expect((await sdk('bob', 'PUT', '/users/me/push_tokens', { type: 'web', token: 'bob-phone' })).status).toBe(200);
      expect((await sdk('bob', 'GET', '/users/me/push_tokens')).body).toEqual({ tokens: [expect.objectContaining({ type: 'web', token: 'bob-phone' })] });
      expect((await sdk('bob', 'PUT', '/users/me/push_tokens', { type: 'fcm', token: 'bob-phone' })).status).toBe(200);
      expect((await sdk('bob', 'PUT', '/users/me/push_tokens', { type: 'sms', token: 'x' })).body).toMatchObject({ status: 400, code: 1001 });
      expect((await sdk('bob', 'PUT', '/users/me/push_tokens', { type: 'fcm', token: '' })).body).toMatchObject({ code: 1001 });
      expect((await sdk('bob', 'PUT', '/users/me/push_tokens', { type: 'fcm', token: 'x'.repeat(4097) })).body).toMatchObject({ code: 1001 });

      // Twenty per user; a 4096-character token is addressable in the DELETE path.
      const long = 'L'.repeat(4096);
      expect((await sdk('frank', 'PUT', '/users/me/push_tokens', { type: 'apns', token: long })).status).toBe(200);
      for (let i = 1; i < 20; i++) expect((await sdk('frank', 'PUT', '/users/me/push_tokens', { type: 'apns', token: `frank-${i}` })).status).toBe(200);
      expect((await sdk('frank', 'PUT', '/users/me/push_tokens', { type: 'apns', token: 'frank-21' })).body).toMatchObject({ code: 1001, message: expect.stringMatching(/20/) });
      expect((await sdk<{ tokens: unknown[] }>('frank', 'GET', '/users/me/push_tokens')).body.tokens).toHaveLength(20);
      const removed = await sdk<{ tokens: Array<{ token: string }> }>('frank', 'DELETE', `/users/me/push_tokens/${encodeURIComponent(long)}`);
      expect(removed.status).toBe(200);
      expect(removed.body.tokens.map((t) => t.token)).not.toContain(long);
      expect((await sdk('frank', 'DELETE', `/users/me/push_tokens/${encodeURIComponent(long)}`)).body).toMatchObject({ code: 1002 });
      // Another user's token is not the caller's to remove.
      expect((await sdk('frank', 'DELETE', '/users/me/push_tokens/bob-phone')).body).toMatchObject({ code: 1002 });
      // A deleted user's tokens go with it.
      expect((await call('DELETE', '/v1/users/frank')).status).toBe(200);
      expect((await call('POST', '/v1/users', { user_id: 'frank', name: 'frank' })).status).toBe(201);
      const fresh = await call<{ token: string }>('POST', '/v1/users/frank/token', {});
      const again = sdkCaller(tp.url, tp.appId, { frank: fresh.body.token });
      expect((await again('frank', 'GET', '/users/me/push_tokens')).body).toEqual({ tokens: [] });
    });

    it('lists the offline members with tokens: not the sender, not the online, not the blocker, not the tokenless', async () => {
      expect((await sdk('alice', 'PUT', '/users/me/push_tokens', { type: 'fcm', token: 'alice-phone' })).status).toBe(200);
      expect((await sdk('bob', 'PUT', '/users/me/push_tokens', { type: 'apns', token: 'bob-tablet' })).status).toBe(200);
      expect((await sdk('carol', 'PUT', '/users/me/push_tokens', { type: 'web', token: 'carol-browser' })).status).toBe(200);
      expect((await sdk('dave', 'PUT', '/users/me/push_tokens', { type: 'fcm', token: 'dave-phone' })).status).toBe(200);
      // carol is connected; dave blocked the sender; erin has no token.
      const carol = await openChatSocket(tp.url, tp.appId, 'carol', tokens.carol!);
      closers.push(() => carol.socket.close());
      expect((await sdk('dave', 'PUT', '/users/me/block', { user_id: 'alice' })).status).toBe(200);

      const sent = await call<{ message_id: number }>('POST', '/v1/group/channels/team/messages', { type: 'text', user_id: 'alice', content: 'standup in 5' });
      expect(sent.status).toBe(201);
      await poll(() => pushes().length).toBe(1);
      const [push] = pushes();
      expect(push!.payload.message).toMatchObject({ message_id: sent.body.message_id, content: 'standup in 5' });
      expect(push!.payload.channel).toMatchObject({ channel_id: 'team' });
      expect(push!.payload.recipients).toEqual([
        {
          user_id: 'bob',
          tokens: [
            { type: 'fcm', token: 'bob-phone' },
            { type: 'apns', token: 'bob-tablet' },
          ],
        },
      ]);

      // Once carol disconnects she is listed for the next message.
      carol.socket.close();
      await expect.poll(async () => (await call<string[]>('GET', '/v1/group/channels/team/online_members')).body, { timeout: 5000 }).not.toContain('carol');
      expect((await call('POST', '/v1/group/channels/team/messages', { type: 'text', user_id: 'alice', content: 'starting' })).status).toBe(201);
      await poll(() => pushes().length).toBe(2);
      expect(pushes()[1]!.payload.recipients.map((r) => r.user_id)).toEqual(['bob', 'carol']);
    });

    it('sends no push event when nobody is left to notify', async () => {
      const before = receiver.received.length;
      // Everyone with a token but the sender (bob) is online: nothing to hand off, no POST.
      for (const user of ['alice', 'carol', 'dave']) {
        const s = await openChatSocket(tp.url, tp.appId, user, tokens[user]!);
        closers.push(() => s.socket.close());
      }
      expect((await call('POST', '/v1/group/channels/team/messages', { type: 'text', user_id: 'bob', content: 'all here' })).status).toBe(201);
      expect((await call('POST', '/v1/group/channels/team/messages', { type: 'text', user_id: 'erin', content: 'me too' })).status).toBe(201);
      // erin's message reaches bob (offline, with tokens); bob's, dispatched before it, was never POSTed.
      await poll(() => pushes().length).toBe(3);
      expect(receiver.received.length).toBe(before + 1);
      expect(pushes()[2]!.payload.message.content).toBe('me too');
      expect(pushes()[2]!.payload.recipients.map((r) => r.user_id)).toEqual(['bob']);
    });

    it('writes no push row for a message no other member could be pushed to (no token, or blocked by its only holder)', async () => {
      const admin = adminClient(tp.url);
      type Page = { deliveries: Array<{ event: string; status: string; payload: PushBody['payload'] }> };
      const rows = async (status: string) => (await admin<Page>('GET', `/apps/${tp.appId}/chat-webhook-deliveries?status=${status}&limit=100`)).body.deliveries;
      // A message by channel and id (ids count per channel).
      const send = async (channel: string, user: string, content: string) => `${channel}/${(await call<{ message_id: number }>('POST', `/v1/group/channels/${channel}/messages`, { type: 'text', user_id: user, content })).body.message_id}`;
      const idOf = (d: { payload: PushBody['payload'] }) => `${d.payload.channel.channel_id}/${d.payload.message.message_id}`;
      // carol's message: erin, the only other member, has no token. alice's: dave, the only other, blocked her.
      const unpushable = [await send('quiet', 'carol', 'to erin'), await send('walled', 'alice', 'to dave')];
      // erin's message: carol holds a token (and is online, so it ends without a POST) — its row is written.
      const pushable = await send('quiet', 'erin', 'to carol');
      await poll(async () => (await rows('delivered')).some((d) => d.event === 'push' && idOf(d) === pushable)).toBe(true);
      const pushRows = [...(await rows('delivered')), ...(await rows('pending'))].filter((d) => d.event === 'push').map(idOf);
      for (const id of unpushable) expect(pushRows).not.toContain(id);
    });

    it("writes a send's message and push rows in one statement, with the push row's condition in it", async () => {
      expect((await call('PUT', '/v1/application/settings', { chat_webhook_events: ['group:message_send', 'push'] })).status).toBe(200);
      await tp.parley.chat.idle();
      const recording = tp.parley.storage.queries.record();
      expect((await call('POST', '/v1/group/channels/team/messages', { type: 'text', user_id: 'erin', content: 'one insert' })).status).toBe(201);
      const queries = recording.stop();
      expect(queries.filter((q) => q === 'insert chat_outbox'), queries.join(', ')).toHaveLength(1);
      await poll(() => receiver.received.some((h) => (h.body as unknown as PushBody).event === 'group:message_send' && (h.body as unknown as PushBody).payload.message.content === 'one insert')).toBe(true);
      await poll(() => pushes().some((p) => p.payload.message.content === 'one insert')).toBe(true);
    });

    it('writes the outbox rows of sends committed together in one statement per group commit, each push row on its own condition', async () => {
      await tp.parley.chat.idle();
      const recording = tp.parley.storage.queries.record();
      // 40 sends at once: erin's in quiet can reach carol (a token), carol's cannot reach erin (none).
      const sends = Array.from({ length: 40 }, (_, i) => ({ user: i % 2 === 0 ? 'erin' : 'carol', content: `together ${i}` }));
      const answers = await Promise.all(sends.map((m) => call<{ message_id: number }>('POST', '/v1/group/channels/quiet/messages', { type: 'text', user_id: m.user, content: m.content })));
      const queries = recording.stop();
      expect(answers.map((a) => a.status)).toEqual(sends.map(() => 201));
      const inserts = queries.filter((q) => q === 'insert chat_outbox');
      expect(inserts.length).toBeGreaterThan(0);
      expect(inserts.length, queries.join(', ')).toBeLessThan(sends.length);
      const sent = (h: { body: unknown }) => h.body as unknown as PushBody;
      await poll(() => receiver.received.filter((h) => sent(h).event === 'group:message_send' && sent(h).payload.message.content.startsWith('together ')).length).toBe(sends.length);
      const admin = adminClient(tp.url);
      type Page = { deliveries: Array<{ event: string; payload: PushBody['payload'] }> };
      // Each push row ends delivered (carol is online: no POST), marked with its page.
      const pushed = async () => {
        const delivered = (await admin<Page>('GET', `/apps/${tp.appId}/chat-webhook-deliveries?status=delivered&limit=100`)).body.deliveries;
        return delivered.filter((d) => d.event === 'push' && d.payload.message.content.startsWith('together ')).map((d) => d.payload.message.content).sort();
      };
      await poll(pushed).toEqual(sends.filter((m) => m.user === 'erin').map((m) => m.content).sort());
    });
  });
});
