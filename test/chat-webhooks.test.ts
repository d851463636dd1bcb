/**
 * Chat webhooks from the durable outbox on SQLite and PostgreSQL (DESIGN.md, "Chat webhooks"): each
 * change's event is POSTed after commit to the app's chat webhook URL, signed (verified here with
 * Node's crypto, as a receiver would), retried with backoff under the same X-Parley-Delivery, in commit
 * order per channel, and marked failed after the last try. The backoff schedule is shortened by config.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat, sendText } from './support/chat-seed.ts';
import { startHookReceiver, type HookReceiver, type ReceivedHook } from './support/hook-receiver.ts';
import { metricValue } from './support/metrics-scrape.ts';
import { ADMIN_TOKEN, adminClient } from './support/admin-client.ts';
import { freePort, startNode, type NodeProcess } from './support/node-process.ts';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, postgresAvailable, REDIS_URL, redisAvailable } from './support/services.ts';
import { openChatSocket } from './support/chat-socket.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const engines = await engineCases();
/** Deliveries are asynchronous; a busy machine may take more than expect.poll's default second. */
const poll = <T>(fn: () => T) => expect.poll(fn, { timeout: 5000 });
/** Three retries, as the default 1 s, 10 s, 60 s, but short. */
const BACKOFF = [150, 300, 450];

interface Body {
  event: string;
  app_id: string;
  created_at: number;
  payload: {
    message?: { message_id: number; content?: string; meta: Record<string, string>; channel_id: string };
    channel?: { channel_id: string; total_message_count: number };
    user?: { user_id: string };
    ban?: { seconds: number };
    mute?: { seconds: number };
    parent_message?: { message_id: number };
    reaction?: { key: string };
    user_ids?: string[];
  };
}

const header = (hook: ReceivedHook, name: string): string => String(hook.headers[name] ?? '');
const bodyOf = (hook: ReceivedHook): Body => hook.body as unknown as Body;

/** What a receiver does: recompute the HMAC over `timestamp + "." + raw body` and compare in constant time. */
function verified(hook: ReceivedHook, secret: string): boolean {
  const timestamp = header(hook, 'x-parley-timestamp');
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${hook.raw}`).digest('hex')}`);
  const given = Buffer.from(header(hook, 'x-parley-signature'));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe.each(engines)('chat webhooks on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let receiver: HookReceiver;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    let secret: string;

    beforeAll(async () => {
      receiver = await startHookReceiver();
      tp = await engine.start({ env: { CHAT_WEBHOOK_BACKOFF_MS: BACKOFF.join(','), ADMIN_TOKEN } });
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      const { tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'carol'], channels: { lobby: ['alice', 'bob'], quiet: ['alice'] } });
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      const settings = await call<{ chat_webhook_secret: string }>('PUT', '/v1/application/settings', {
        chat_webhook_url: `${receiver.url}/chat`,
        chat_webhook_events: [
          'group:message_send',
          'group:message_update',
          'group:message_delete',
          'group:channel_join',
          'group:channel_leave',
          'group:channel_mute',
          'group:channel_unmute',
          'group:channel_ban',
          'group:channel_unban',
          'group:channel_update',
          'group:channel_freeze',
          'group:channel_unfreeze',
          'group:channel_delete',
          'group:channel_manager_create',
          'group:channel_manager_delete',
          'user_update',
          'user_delete',
          'group:message_reaction',
          'group:thread_update',
          'group:message_mention',
        ],
      });
      expect(settings.status).toBe(200);
      secret = settings.body.chat_webhook_secret;
    }, 30_000);
    afterEach(() => {
      receiver.respond = () => ({ status: 200 });
      receiver.received.length = 0;
    });
    afterAll(async () => {
      await tp?.stop();
      await receiver?.close();
    });

    const send = async (channel: string, user: string, content: string) => {
      const r = await call<{ message_id: number }>('POST', `/v1/group/channels/${channel}/messages`, { type: 'text', user_id: user, content });
      expect(r.status).toBe(201);
      return r.body.message_id;
    };
    const sends = () => receiver.received.filter((h) => bodyOf(h).event === 'group:message_send');

    it('POSTs a signed group:message_send {event, app_id, created_at, payload: {message, channel}} after the send answered', async () => {
      const before = Date.now();
      const id = await send('lobby', 'alice', 'hello hooks');
      await poll(() => sends().length).toBe(1);
      const [hook] = sends();
      expect(hook!.path).toBe('/chat');
      expect(hook!.headers['content-type']).toMatch(/^application\/json/);
      expect(verified(hook!, secret)).toBe(true);
      // Signed with another secret, or over another body, it would not verify.
      expect(verified({ ...hook!, raw: hook!.raw.replace('hello hooks', 'hello hookz') }, secret)).toBe(false);
      expect(verified(hook!, `${secret}x`)).toBe(false);
      const timestamp = Number(header(hook!, 'x-parley-timestamp'));
      expect(Math.abs(timestamp - Math.floor(Date.now() / 1000))).toBeLessThanOrEqual(5);
      expect(header(hook!, 'x-parley-delivery')).toMatch(/^\d{15}-[0-9a-f]{6}-[0-9a-f]{8}$/);
      const body = bodyOf(hook!);
      expect(body).toMatchObject({ event: 'group:message_send', app_id: tp.appId, payload: { message: { message_id: id, content: 'hello hooks', channel_id: 'lobby' }, channel: { channel_id: 'lobby' } } });
      expect(body.created_at).toBeGreaterThanOrEqual(before);
      // The channel as the send left it: its count includes this message.
      expect(body.payload.channel!.total_message_count).toBeGreaterThanOrEqual(1);
    });

    it('costs a send one statement, in its transaction: the outbox INSERT (at most 5 in all)', async () => {
      await send('lobby', 'alice', 'warm up');
      await poll(() => sends().length).toBe(1);
      await tp.parley.chat.idle();
      const recording = tp.parley.storage.queries.record();
      await send('lobby', 'alice', 'counted');
      const queries = recording.stop();
      // The dispatcher's own statements run beside it after the commit; they are not the send's.
      const own = queries.filter((q) => !/^(select|update) chat_outbox|chat_outbox_lease|chat_push_tokens/.test(q));
      expect(own.filter((q) => q === 'insert chat_outbox')).toHaveLength(1);
      expect(own.length, own.join(', ')).toBeLessThanOrEqual(5);
      await poll(() => sends().length).toBe(2);
    });

    it('sends the events of updates, deletions, joins, leaves, creations, mutes and bans, named as the realtime events', async () => {
      const id = await send('lobby', 'bob', 'to change');
      expect((await call('PUT', `/v1/group/channels/lobby/messages/${id}/meta`, { meta: { pinned: 'yes' } })).status).toBe(200);
      expect((await call('DELETE', `/v1/group/channels/lobby/messages/${id}`)).status).toBe(200);
      expect((await call('PUT', '/v1/group/channels/lobby/join', { member: 'carol' })).status).toBeLessThan(300);
      expect((await call('PUT', '/v1/group/channels/lobby/leave', { member: 'carol' })).status).toBeLessThan(300);
      expect((await call('POST', '/v1/group/channels', { channel_id: 'fresh', name: 'fresh', members: ['alice', 'carol'] })).status).toBe(201);
      expect((await call('POST', '/v1/group/channels/lobby/mute', { user_id: 'bob', seconds: 60 })).status).toBe(200);
      expect((await call('POST', '/v1/group/channels/lobby/ban', { user_id: 'bob', seconds: 60 })).status).toBe(200);
      const expected = ['group:message_send', 'group:message_update', 'group:message_delete', 'group:channel_join', 'group:channel_leave', 'group:channel_mute', 'group:channel_ban'];
      await poll(() => receiver.received.filter((h) => bodyOf(h).payload.channel?.channel_id === 'lobby').map((h) => bodyOf(h).event)).toEqual(expected);
      const of = (event: string, channel = 'lobby') => receiver.received.map(bodyOf).find((b) => b.event === event && b.payload.channel?.channel_id === channel)!;
      expect(of('group:message_update').payload.message).toMatchObject({ message_id: id, meta: { pinned: 'yes' } });
      expect(of('group:message_delete').payload.message).toMatchObject({ message_id: id });
      expect(of('group:channel_join').payload.user).toMatchObject({ user_id: 'carol' });
      expect(of('group:channel_mute').payload).toMatchObject({ user: { user_id: 'bob' }, mute: { seconds: 60 } });
      expect(of('group:channel_ban').payload).toMatchObject({ user: { user_id: 'bob' }, ban: { seconds: 60 } });
      // A creation announces each member's join, as the realtime side does.
      await poll(() => receiver.received.filter((h) => bodyOf(h).payload.channel?.channel_id === 'fresh').map((h) => bodyOf(h).payload.user?.user_id).sort()).toEqual(['alice', 'carol']);
      expect(receiver.received.every((h) => verified(h, secret))).toBe(true);
      expect((await call('DELETE', '/v1/group/channels/lobby/ban/bob')).status).toBe(200);
      expect((await call('PUT', '/v1/group/channels/lobby/join', { member: 'bob' })).status).toBeLessThan(300);
    });

    it('sends the events of edits, reactions, pins, replies and mentions, each as its change left the message or channel', async () => {
      expect((await call('POST', '/v1/group/channels', { channel_id: 'convo', name: 'convo', members: ['alice', 'bob'] })).status).toBe(201);
      const id = await send('convo', 'alice', 'first take');
      expect((await call('PUT', `/v1/group/channels/convo/messages/${id}`, { content: 'second take' })).status).toBe(200);
      expect((await call('PUT', `/v1/group/channels/convo/messages/${id}/reactions`, { key: 'thumbs_up', user_id: 'bob' })).status).toBe(200);
      expect((await call('PUT', `/v1/group/channels/convo/messages/${id}/pin`)).status).toBe(200);
      const reply = await call<{ message_id: number }>('POST', '/v1/group/channels/convo/messages', { type: 'text', user_id: 'bob', content: 'a reply to @alice', parent_message_id: id, mentioned_user_ids: ['alice'] });
      expect(reply.status).toBe(201);
      const events = ['group:message_update', 'group:message_reaction', 'group:channel_update', 'group:thread_update', 'group:message_mention'];
      await poll(() => receiver.received.map(bodyOf).filter((b) => b.payload.channel?.channel_id === 'convo' && events.includes(b.event)).map((b) => b.event)).toEqual(events);
      const of = (event: string) => receiver.received.map(bodyOf).find((b) => b.event === event && b.payload.channel?.channel_id === 'convo')!;
      expect(of('group:message_update').payload.message).toMatchObject({ message_id: id, content: 'second take', edited_at: expect.any(Number) });
      expect(of('group:message_reaction').payload).toMatchObject({ message: { message_id: id, reactions: [{ key: 'thumbs_up', user_ids: ['bob'] }] }, reaction: { key: 'thumbs_up', user_id: 'bob', operation: 'add' } });
      expect(of('group:channel_update').payload.channel).toMatchObject({ pinned_message_ids: [id] });
      expect(of('group:thread_update').payload.parent_message).toMatchObject({ message_id: id, thread_info: { reply_count: 1, reply_user_ids: ['bob'] } });
      expect(of('group:message_mention').payload).toMatchObject({ message: { message_id: reply.body.message_id, parent_message_id: id }, user_ids: ['alice'] });
      expect(receiver.received.every((h) => verified(h, secret))).toBe(true);
    });

    it('sends the events of unmutes, unbans, channel updates, freezes and deletions', async () => {
      expect((await call('POST', '/v1/group/channels', { channel_id: 'short_lived', name: 'short lived', members: ['alice', 'carol'] })).status).toBe(201);
      expect((await call('POST', '/v1/group/channels/short_lived/mute', { user_id: 'carol', seconds: 60 })).status).toBe(200);
      expect((await call('DELETE', '/v1/group/channels/short_lived/mute/carol')).status).toBe(200);
      expect((await call('POST', '/v1/group/channels/short_lived/ban', { user_id: 'carol', seconds: 60 })).status).toBe(200);
      expect((await call('DELETE', '/v1/group/channels/short_lived/ban/carol')).status).toBe(200);
      expect((await call('PUT', '/v1/group/channels/short_lived', { name: 'renamed' })).status).toBe(200);
      expect((await call('PUT', '/v1/group/channels/short_lived/freeze', { freeze: true })).status).toBe(200);
      expect((await call('PUT', '/v1/group/channels/short_lived/freeze', { freeze: false })).status).toBe(200);
      expect((await call('DELETE', '/v1/group/channels/short_lived')).status).toBe(200);
      const ofChannel = () => receiver.received.map(bodyOf).filter((b) => b.payload.channel?.channel_id === 'short_lived');
      await poll(() => ofChannel().map((b) => b.event)).toEqual([
        'group:channel_join',
        'group:channel_join',
        'group:channel_mute',
        'group:channel_unmute',
        'group:channel_ban',
        'group:channel_unban',
        'group:channel_update',
        'group:channel_freeze',
        'group:channel_unfreeze',
        'group:channel_delete',
      ]);
      const [, , , unmute, , unban, update, freeze, unfreeze] = ofChannel() as Array<Body & { payload: { channel: { name: string; freeze: boolean } } }>;
      expect(unmute!.payload).toMatchObject({ user: { user_id: 'carol' }, mute: { seconds: 60 } });
      expect(unban!.payload).toMatchObject({ user: { user_id: 'carol' }, ban: { seconds: 60 } });
      expect(update!.payload.channel.name).toBe('renamed');
      expect([freeze!.payload.channel.freeze, unfreeze!.payload.channel.freeze]).toEqual([true, false]);
    });

    it("sends managers' and users' events: a user's own (no channel), its profile as stored", async () => {
      expect((await call('POST', '/v1/group/channels/quiet/managers', { manager: 'alice' })).status).toBe(200);
      expect((await call('DELETE', '/v1/group/channels/quiet/managers', { manager: 'alice' })).status).toBe(200);
      expect((await call('POST', '/v1/users', { user_id: 'dora', name: 'Dora' })).status).toBe(201);
      expect((await call('PUT', '/v1/users/dora', { name: 'Dora D.' })).status).toBe(200);
      expect((await call('PUT', '/v1/users/dora/meta', { meta: { team: 'red' } })).status).toBe(200);
      expect((await call('DELETE', '/v1/users/dora')).status).toBe(200);
      const names = ['group:channel_manager_create', 'group:channel_manager_delete', 'user_update', 'user_delete'];
      const got = () => receiver.received.map(bodyOf).filter((b) => names.includes(b.event));
      // In order per channel (a user's own events have none), not across channels.
      type UserBody = Body & { payload: { user: { user_id: string; name: string; meta: Record<string, string> } } };
      const inChannel = () => got().filter((b) => b.event.startsWith('group:')) as UserBody[];
      const ofUser = () => got().filter((b) => b.event.startsWith('user_')) as UserBody[];
      await poll(() => [inChannel().map((b) => b.event), ofUser().map((b) => b.event)]).toEqual([
        ['group:channel_manager_create', 'group:channel_manager_delete'],
        ['user_update', 'user_update', 'user_delete'],
      ]);
      const [create] = inChannel();
      const [renamed, meta, deleted] = ofUser();
      expect(create!.payload).toMatchObject({ channel: { channel_id: 'quiet' }, user: { user_id: 'alice' } });
      expect(renamed!.payload.user).toMatchObject({ user_id: 'dora', name: 'Dora D.' });
      expect(meta!.payload.user).toMatchObject({ name: 'Dora D.', meta: { team: 'red' } });
      expect(deleted!.payload.user).toMatchObject({ user_id: 'dora' });
    });

    it('sends nothing for events the app did not subscribe', async () => {
      expect((await call('PUT', '/v1/application/settings', { chat_webhook_events: ['group:message_update'] })).status).toBe(200);
      await send('lobby', 'alice', 'unsubscribed');
      expect((await call('PUT', '/v1/application/settings', { chat_webhook_events: ['group:message_send'] })).status).toBe(200);
      const id = await send('lobby', 'alice', 'subscribed again');
      await poll(() => sends().map((h) => bodyOf(h).payload.message!.message_id)).toEqual([id]);
    });

    it('retries a receiver that fails twice, then succeeds: 3 tries under one X-Parley-Delivery, spaced by the backoff', async () => {
      let failures = 0;
      receiver.respond = () => (failures++ < 2 ? { status: 503 } : { status: 200 });
      const id = await send('lobby', 'alice', 'third time lucky');
      await expect.poll(() => sends().length, { timeout: 5000 }).toBe(3);
      await new Promise((r) => setTimeout(r, BACKOFF[2]! + 200));
      const tries = sends();
      expect(tries).toHaveLength(3);
      expect(new Set(tries.map((h) => header(h, 'x-parley-delivery'))).size).toBe(1);
      expect(tries.every((h) => bodyOf(h).payload.message!.message_id === id && verified(h, secret))).toBe(true);
    });

    it('keeps commit order per channel: later events wait while an earlier one is retried; other channels go on', async () => {
      let first = true;
      receiver.respond = (hook) => {
        if (bodyOf(hook).payload.message?.content === 'm1' && first) {
          first = false;
          return { status: 500 };
        }
        return { status: 200 };
      };
      const ids: number[] = [];
      for (const content of ['m1', 'm2', 'm3', 'm4']) ids.push(await send('lobby', 'alice', content));
      const quiet = await send('quiet', 'alice', 'elsewhere');
      const lobbyTries = () => sends().filter((h) => bodyOf(h).payload.channel!.channel_id === 'lobby').map((h) => bodyOf(h).payload.message!.message_id);
      await expect.poll(lobbyTries, { timeout: 5000 }).toEqual([ids[0], ...ids]);
      // The other channel did not wait for the retry.
      const order = sends().map((h) => `${bodyOf(h).payload.channel!.channel_id}/${bodyOf(h).payload.message!.message_id}`);
      expect(order.indexOf(`quiet/${quiet}`)).toBeGreaterThanOrEqual(0);
      expect(order.indexOf(`quiet/${quiet}`)).toBeLessThan(order.lastIndexOf(`lobby/${ids[0]}`));
    });

    it('delivers concurrent sends to one channel in commit (message id) order', async () => {
      const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => send('quiet', 'alice', `race ${i}`)));
      const quiet = () => sends().filter((h) => bodyOf(h).payload.channel!.channel_id === 'quiet').map((h) => bodyOf(h).payload.message!.message_id);
      await expect.poll(() => quiet().length, { timeout: 5000 }).toBe(ids.length);
      expect(quiet()).toEqual([...ids].sort((x, y) => x - y));
    });

    it('marks a row failed after the last try (1 + 3 retries), keeps it, and goes on with the channel', async () => {
      receiver.respond = (hook) => ({ status: bodyOf(hook).payload.message?.content === 'doomed' ? 500 : 200 });
      const failedBefore = await metricValue(tp.url, 'parley_chat_webhook_outbox_rows{status="failed"}');
      const doomed = await send('lobby', 'alice', 'doomed');
      const next = await send('lobby', 'alice', 'after the doomed one');
      const tries = () => sends().filter((h) => bodyOf(h).payload.message!.message_id === doomed).length;
      await expect.poll(tries, { timeout: 5000 }).toBe(BACKOFF.length + 1);
      await expect.poll(() => sends().some((h) => bodyOf(h).payload.message!.message_id === next), { timeout: 5000 }).toBe(true);
      await new Promise((r) => setTimeout(r, BACKOFF.at(-1)! + 200));
      expect(tries()).toBe(BACKOFF.length + 1);
      expect(await metricValue(tp.url, 'parley_chat_webhook_outbox_rows{status="failed"}')).toBe(failedBefore + 1);
      expect(await metricValue(tp.url, 'parley_chat_webhook_deliveries_total{outcome="failed",event="group:message_send"}')).toBeGreaterThanOrEqual(1);
      expect(await metricValue(tp.url, 'parley_chat_webhook_deliveries_total{outcome="retry",event="group:message_send"}')).toBeGreaterThanOrEqual(BACKOFF.length);
    });

    it('lists the failed delivery in the admin API and sends it again on retry, under its delivery id (audited)', async () => {
      const admin = adminClient(tp.url);
      type Page = { deliveries: Array<{ id: string; event: string; status: string; attempts: number; last_error: string; payload: Body['payload'] }>; next: string | null };
      const failed = await admin<Page>('GET', `/apps/${tp.appId}/chat-webhook-deliveries?status=failed`);
      expect(failed.status).toBe(200);
      const doomed = failed.body.deliveries.find((d) => d.payload.message?.content === 'doomed')!;
      expect(doomed).toMatchObject({ event: 'group:message_send', status: 'failed', attempts: BACKOFF.length + 1, last_error: 'HTTP 500' });
      // failed is the default; pages of one.
      const first = await admin<Page>('GET', `/apps/${tp.appId}/chat-webhook-deliveries?limit=1`);
      expect(first.body.deliveries).toHaveLength(1);
      expect(first.body.deliveries[0]!.status).toBe('failed');

      const retried = await admin<{ id: string; status: string; attempts: number }>('POST', `/apps/${tp.appId}/chat-webhook-deliveries/${doomed.id}/retry`);
      expect(retried.body).toMatchObject({ id: doomed.id, status: 'pending', attempts: 0 });
      await poll(() => sends().filter((h) => header(h, 'x-parley-delivery') === doomed.id).length).toBe(1);
      expect(verified(sends().find((h) => header(h, 'x-parley-delivery') === doomed.id)!, secret)).toBe(true);
      await poll(async () => (await admin<Page>('GET', `/apps/${tp.appId}/chat-webhook-deliveries?status=failed`)).body.deliveries.some((d) => d.id === doomed.id)).toBe(false);
      expect((await admin('POST', `/apps/${tp.appId}/chat-webhook-deliveries/${doomed.id}/retry`)).body).toMatchObject({ code: 1002 });
      const audit = await admin<{ entries: Array<{ action: string; target: string; actor: string }> }>('GET', `/audit?app=${tp.appId}`);
      expect(audit.body.entries).toContainEqual(expect.objectContaining({ action: 'chat_webhook_retry', target: doomed.id, actor: 'tester' }));
    });

    it('never delays the request: a receiver that hangs leaves sends answering at once', async () => {
      receiver.respond = () => ({ status: 200, delayMs: 3000 });
      const started = performance.now();
      for (let i = 0; i < 5; i++) await send('quiet', 'alice', `fast ${i}`);
      expect(performance.now() - started).toBeLessThan(2000);
      await poll(() => sends().length).toBeGreaterThanOrEqual(1);
    });

    it('a user caller sends through the client API with the same events', async () => {
      const r = await sdk<{ message_id: number }>('alice', 'POST', '/group/channels/lobby/messages', { type: 'text', content: 'via sdk' });
      expect(r.status).toBe(201);
      await poll(() => sends().map((h) => bodyOf(h).payload.message!.message_id)).toContain(r.body.message_id);
    });
  });
});

/**
 * A crash between commit and delivery loses nothing: the real server as a child process, its receiver
 * hanging (every try in flight or waiting for a retry), `kill -9`, then a restart on the same storage →
 * every acknowledged send's event arrives; a receiver that de-duplicates by X-Parley-Delivery acts on
 * each exactly once.
 */
describe.each(engines)('chat webhooks across kill -9 on $name', (engine) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-outbox-'));
  const APP = { id: 'hookapp', key: 'hook-key-0123456789' };
  let node: NodeProcess | undefined;
  let receiver: HookReceiver | undefined;
  let drop = async () => {};
  afterAll(async () => {
    await node?.kill('SIGKILL');
    await receiver?.close();
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.skipIf(engine.skip)('delivers every committed event after a restart, once per delivery id', async () => {
    const db = engine.name === 'postgres' ? await createTestDatabase() : undefined;
    if (db) drop = db.drop;
    receiver = await startHookReceiver();
    let up = false;
    /** Delivery id → the message it carried (`channel/id`), once; and every copy after the restart, in arrival order. */
    const acted = new Map<string, string>();
    const afterRestart: string[] = [];
    const keyOf = (hook: ReceivedHook) => `${bodyOf(hook).payload.channel!.channel_id}/${bodyOf(hook).payload.message!.message_id}`;
    receiver.respond = (hook) => {
      if (!up) return { status: 200, delayMs: 60_000 };
      // The receiver's own idempotency: act on a delivery id once, answer 200 to every copy.
      const id = header(hook, 'x-parley-delivery');
      if (!acted.has(id)) acted.set(id, keyOf(hook));
      afterRestart.push(keyOf(hook));
      return { status: 200 };
    };
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      APP_ID: APP.id,
      APP_API_KEY: APP.key,
      CHAT_WEBHOOK_TIMEOUT_MS: '1000',
      CHAT_WEBHOOK_LEASE_MS: '2000',
      CHAT_WEBHOOK_POLL_MS: '100',
      CHAT_WEBHOOK_BACKOFF_MS: Array.from({ length: 20 }, () => '200').join(','),
      ...(db ? { DATABASE_URL: db.url } : {}),
    };
    const port = await freePort();
    node = await startNode(env, port);
    const call = platformClient(node.url, APP.id, APP.key);
    expect((await call('PUT', '/v1/application/settings', { chat_webhook_url: receiver.url, chat_webhook_events: ['group:message_send'] })).status).toBe(200);
    await seedChat(node.url, APP.id, APP.key, { users: ['alice'], channels: { room_a: ['alice'], room_b: ['alice'] } });
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const channel = i % 2 === 0 ? 'room_a' : 'room_b';
      sent.push(`${channel}/${await sendText(node.url, APP.id, APP.key, channel, 'alice', `crash ${i}`)}`);
    }
    expect(await node.kill('SIGKILL')).toBe('SIGKILL');
    expect(acted.size).toBe(0);

    up = true;
    node = await startNode(env, port);
    await expect.poll(() => acted.size, { timeout: 20_000, interval: 100 }).toBe(sent.length);
    // Each event under one delivery id: the de-duplicating receiver acted on each message exactly once.
    expect([...acted.values()].sort()).toEqual([...sent].sort());
    // In order per channel: each channel's messages first arrive in id order.
    for (const channel of ['room_a', 'room_b']) {
      const firsts = [...new Set(afterRestart.filter((k) => k.startsWith(`${channel}/`)))].map((k) => Number(k.split('/')[1]));
      expect(firsts).toEqual([...firsts].sort((x, y) => x - y));
    }
  }, 90_000);
});

/**
 * Two nodes over one PostgreSQL and one Redis: sends through both, one lease → each event delivered
 * once; the push hand-off leaves out a member connected to the other node than the one sending.
 */
const clusterReady = (await postgresAvailable()) && (await redisAvailable());
describe.skipIf(!clusterReady)('chat webhooks on a 2-node cluster', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const nodes: TestParley[] = [];
  let receiver: HookReceiver | undefined;
  let closeSocket = () => {};
  afterAll(async () => {
    closeSocket();
    for (const node of nodes) await node.stop();
    await receiver?.close();
    await db?.drop();
  });

  it('delivers each event once, whichever node sent it, and lists only members offline on every node', async () => {
    db = await createTestDatabase();
    receiver = await startHookReceiver();
    const env = { DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: `outbox_${randomBytes(3).toString('hex')}`, CHAT_WEBHOOK_POLL_MS: '100', CHAT_WEBHOOK_LEASE_MS: '2000', CHAT_WEBHOOK_TIMEOUT_MS: '1000' };
    nodes.push(await startParley({ env }));
    nodes.push(await startParley({ env }));
    const [a, b] = nodes as [TestParley, TestParley];
    const call = platformClient(a.url, a.appId, a.apiKey);
    expect((await call('PUT', '/v1/application/settings', { chat_webhook_url: receiver.url, chat_webhook_events: ['group:message_send', 'push'] })).status).toBe(200);
    const { tokens } = await seedChat(a.url, a.appId, a.apiKey, { users: ['alice', 'bob', 'carol'], channels: { team: ['alice', 'bob', 'carol'] } });
    // The other node reads the new settings once its cached copy of the app expires (5 s, app.service.ts).
    await new Promise((r) => setTimeout(r, 5_200));
    const sdk = sdkCaller(b.url, b.appId, tokens);
    for (const user of ['bob', 'carol']) expect((await sdk(user, 'PUT', '/users/me/push_tokens', { type: 'fcm', token: `${user}-phone` })).status).toBe(200);
    // carol is connected to node b; the sends go through both nodes.
    const carol = await openChatSocket(b.url, b.appId, 'carol', tokens.carol!);
    closeSocket = () => carol.socket.close();
    const sent: number[] = [];
    for (let i = 0; i < 30; i++) {
      const node = i % 2 === 0 ? a : b;
      sent.push(await sendText(node.url, node.appId, node.apiKey, 'team', 'alice', `two nodes ${i}`));
    }
    const events = (name: string) => receiver!.received.filter((h) => bodyOf(h).event === name);
    await expect.poll(() => events('group:message_send').length, { timeout: 15_000 }).toBe(sent.length);
    await expect.poll(() => events('push').length, { timeout: 15_000 }).toBe(sent.length);
    // Nothing more comes: no event was sent by both nodes.
    await new Promise((r) => setTimeout(r, 1000));
    for (const name of ['group:message_send', 'push']) {
      const got = events(name);
      expect(got).toHaveLength(sent.length);
      expect(new Set(got.map((h) => header(h, 'x-parley-delivery'))).size).toBe(sent.length);
      expect(got.map((h) => bodyOf(h).payload.message!.message_id)).toEqual(sent);
    }
    for (const push of events('push')) expect((bodyOf(push).payload as { recipients: Array<{ user_id: string }> }).recipients.map((r) => r.user_id)).toEqual(['bob']);
  }, 60_000);
});
