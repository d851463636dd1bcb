/**
 * The admin API (`/admin/api`) end to end on a real server: no route answers without the admin token
 * (and none reads a body first), wrong tokens are throttled per address, strict headers and no CORS;
 * apps, chat moderation, presence and test events act through the public services — the chat API and
 * live sockets see the effect — and every change lands in the audit log with who, what and when. The
 * moderation and audit part runs on SQLite and PostgreSQL.
 */
import type { AdminApp, AdminPresence, AuditPage, ChatBan, ChatChannel, ChatMessage } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../packages/server/src/http/http-server.ts';
import { ADMIN_TOKEN, adminClient } from './support/admin-client.ts';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { seedChat } from './support/chat-seed.ts';
import { openChatSocket, type Received } from './support/chat-socket.ts';
import { accessUrl, api, collect, connectClient, waitFor, type AnyClient, type ChannelResultMsg } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const ENV = { ADMIN_TOKEN };

describe('admin API: authentication and headers', () => {
  let tp: TestParley;
  beforeAll(async () => {
    // Behind a trusted proxy on loopback, each request may come "from" its own address.
    tp = await startParley({ env: { ...ENV, TRUST_PROXY: 'loopback' } });
  });
  afterAll(() => tp?.stop());

  let address = 0;
  const from = () => ({ 'x-forwarded-for': `198.51.100.${++address % 250}` });

  it('answers 401 on every admin route without the token or with a wrong one, before reading the body', async () => {
    const routes = registeredRoutes(tp.parley.http).filter((r) => r.url.startsWith('/admin/api') && r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThanOrEqual(20);
    const answered: string[] = [];
    for (const { method, url } of routes) {
      const path = url.replace(':message', '1').replace(/:([a-z]+)/g, 'x');
      const body = method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify({ id: 'sneaky', freeze: true, user_id: 'x', seconds: 1, channels: ['x'], event: 'x', data: 'x' });
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Basic ${ADMIN_TOKEN}`, `Bearer ${ADMIN_TOKEN}x`]) {
        const headers: Record<string, string> = { ...from(), ...(body ? { 'content-type': 'application/json' } : {}), ...(authorization ? { authorization } : {}) };
        const res = await fetch(`${tp.url}${path}`, { method, headers, body });
        const answer = (await res.json()) as { code: number; message: string };
        if (res.status !== 401 || answer.code !== 401) answered.push(`${method} ${path} (${authorization ?? 'none'}): ${res.status} ${JSON.stringify(answer)}`);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
    expect(answered).toEqual([]);
    // The POST /admin/api/apps above carried an app: none was made.
    expect(await tp.parley.apps.get('sneaky')).toBeUndefined();
    expect((await adminClient(tp.url)('GET', '/session', undefined, from())).status).toBe(200);
  });

  it('answers 429 to an address after 20 wrong tokens, even with the right one; other addresses are not held up', async () => {
    const attacker = { 'x-forwarded-for': '203.0.113.66' };
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await adminClient(tp.url, `guess-${i}-0123456789abcdef`)('GET', '/session', undefined, attacker)).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual([429, 429]);
    const blocked = await adminClient(tp.url)('GET', '/session', undefined, attacker);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('60');
    expect((await adminClient(tp.url)('GET', '/session', undefined, from())).status).toBe(200);
  });

  it('sets strict security headers on the console and its API, and answers no other origin', async () => {
    const page = await fetch(`${tp.url}/admin/`, { headers: { origin: 'https://evil.example' } });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(await page.text()).toContain('<script src="/admin/app.js" defer></script>');
    for (const asset of ['/admin/app.js', '/admin/app.css']) {
      const res = await fetch(`${tp.url}${asset}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toBe(csp);
    }
    expect((await fetch(`${tp.url}/admin`, { redirect: 'manual' })).headers.get('location')).toBe('/admin/');

    const answer = await adminClient(tp.url)('GET', '/session', undefined, { ...from(), origin: 'https://evil.example' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    // The chat API on the same server still answers other origins (its own contract).
    const chat = await fetch(`${tp.url}/v1/users`, { headers: { origin: 'https://evil.example', APP_ID: tp.appId, APP_API_KEY: tp.apiKey } });
    expect(chat.headers.get('access-control-allow-origin')).toBe('https://evil.example');
  });
});

for (const engine of await engineCases()) {
  describe.skipIf(engine.skip)(`admin API on ${engine.name}`, () => {
    let tp: TestParley;
    let call: ReturnType<typeof adminClient>;
    let chat: ReturnType<typeof platformClient>;
    let tokens: Record<string, string>;
    const sockets: Array<{ close(): void }> = [];

    beforeAll(async () => {
      tp = await engine.start({ env: ENV });
      call = adminClient(tp.url, ADMIN_TOKEN, 'kim');
      chat = platformClient(tp.url, tp.appId, tp.apiKey);
      ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'mallory'], channels: { lobby: ['alice', 'bob', 'mallory'], side_room: ['alice'] } }));
    }, 30_000);
    afterAll(async () => {
      for (const s of sockets) s.close();
      await tp?.stop();
    });

    const audit = async (action: string) => (await call<AuditPage>('GET', '/audit', undefined)).body.entries.filter((e) => e.action === action);
    const member = async (user: string): Promise<Received> => {
      const { socket, received } = await openChatSocket(tp.url, tp.appId, user, tokens[user]!);
      sockets.push(socket);
      return received;
    };
    const send = async (user: string, content: string) => (await chat<ChatMessage>('POST', '/v1/group/channels/lobby/messages', { type: 'text', user_id: user, content })).body;

    it('creates, shows, changes and re-keys apps, with the rules of the CLI, each audited', async () => {
      const created = await call<AdminApp>('POST', '/apps', { id: 'shop', webauth_url: 'https://shop.example.com/webauth' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: 'shop', webauth_url: 'https://shop.example.com/webauth', webhook_url: null, webhook_events: ['connect', 'disconnect', 'subscribe', 'unsubscribe'] });
      expect(created.body.api_key.length).toBeGreaterThanOrEqual(32);
      expect((await call('POST', '/apps', { id: 'shop' })).status).toBe(409);
      expect((await call('POST', '/apps', { id: 'no spaces' })).status).toBe(400);
      expect((await call('POST', '/apps', { id: 'ftp_app', webhook_url: 'ftp://example.com/' })).body).toMatchObject({ code: 400, message: expect.stringMatching(/webhook URL/) });
      expect((await call('POST', '/apps', { id: 'x', webhook_events: ['explode'] })).status).toBe(400);
      expect((await call('GET', '/apps/nothing')).status).toBe(404);

      const changed = await call<AdminApp>('PUT', '/apps/shop', { webauth_url: '', webhook_url: 'https://shop.example.com/hooks', webhook_events: ['connect'] });
      expect(changed.body).toMatchObject({ webauth_url: null, webhook_url: 'https://shop.example.com/hooks', webhook_events: ['connect'] });
      const rotated = await call<AdminApp>('POST', '/apps/shop/rotate-key');
      expect(rotated.body.api_key).not.toBe(created.body.api_key);
      // The old key no longer opens the Service API; the new one does.
      expect((await api({ url: tp.url, apiKey: created.body.api_key }, 'POST', '/v2/auth/shop/access', { user: 'u' })).status).toBe(401);
      expect((await api({ url: tp.url, apiKey: rotated.body.api_key }, 'POST', '/v2/auth/shop/access', { user: 'u' })).status).toBe(200);
      const list = await call<{ apps: AdminApp[] }>('GET', '/apps');
      expect(list.body.apps.map((a) => a.id)).toEqual(['shop', tp.appId]);

      const entries = (await call<AuditPage>('GET', '/audit', undefined)).body.entries;
      expect(entries.slice(0, 3).map((e) => [e.action, e.app, e.actor])).toEqual([
        ['app_rotate_key', 'shop', 'kim'],
        ['app_update', 'shop', 'kim'],
        ['app_create', 'shop', 'kim'],
      ]);
      expect(entries[0]!.ip).toBe('127.0.0.1');
      expect(JSON.parse(entries[1]!.detail)).toEqual({ webauth_url: '', webhook_url: 'https://shop.example.com/hooks', webhook_events: ['connect'] });
    });

    it("reads and changes an app's chat settings through the settings service, audited without the secret", async () => {
      const before = await call<{ chat_webhook_secret: string; word_filter: { words: string[] } }>('GET', `/apps/${tp.appId}/chat-settings`);
      expect(before.status).toBe(200);
      expect(before.body.word_filter.words).toEqual([]);
      const changed = await call('PUT', `/apps/${tp.appId}/chat-settings`, { word_filter: { words: ['darn'], mode: 'block' }, chat_webhook_url: 'https://shop.example.com/chat', rotate_chat_webhook_secret: true });
      expect(changed.body).toMatchObject({ word_filter: { words: ['darn'], mode: 'block' }, chat_webhook_url: 'https://shop.example.com/chat' });
      // The app's own server API sees the same settings: one service, one store.
      const viaApi = await chat<{ chat_webhook_secret: string }>('GET', '/v1/application/settings');
      expect(viaApi.body).toEqual(changed.body);
      expect(viaApi.body.chat_webhook_secret).not.toBe(before.body.chat_webhook_secret);
      expect((await call('PUT', `/apps/${tp.appId}/chat-settings`, { chat_webhook_url: 'ftp://x/' })).body).toMatchObject({ code: 400, message: expect.stringMatching(/chat_webhook_url/) });
      expect((await call('GET', '/apps/nothing/chat-settings')).status).toBe(404);
      const [entry] = await audit('app_chat_settings');
      expect(JSON.parse(entry!.detail)).toEqual({ word_filter: { words: ['darn'], mode: 'block' }, chat_webhook_url: 'https://shop.example.com/chat', rotate_chat_webhook_secret: true });
      await call('PUT', `/apps/${tp.appId}/chat-settings`, { word_filter: { words: [], mode: 'mask' }, chat_webhook_url: null });
    });

    it('finds channels by id or name, lists members, pages messages and shows bans', async () => {
      for (let i = 1; i <= 25; i++) await send('alice', `history ${i}`);
      const byId = await call<{ channels: ChatChannel[] }>('GET', `/apps/${tp.appId}/channels?query=side_room`);
      expect(byId.body.channels.map((c) => c.channel_id)).toEqual(['side_room']);
      const byName = await call<{ channels: ChatChannel[] }>('GET', `/apps/${tp.appId}/channels?query=lob`);
      expect(byName.body.channels.map((c) => c.channel_id)).toEqual(['lobby']);
      const all = await call<{ channels: ChatChannel[] }>('GET', `/apps/${tp.appId}/channels`);
      expect(all.body.channels.map((c) => c.channel_id)).toEqual(['lobby', 'side_room']);
      const members = await call<{ members: Array<{ user_id: string }> }>('GET', `/apps/${tp.appId}/channels/lobby/members`);
      expect(members.body.members.map((m) => m.user_id)).toEqual(['alice', 'bob', 'mallory']);
      const newest = await call<{ messages: ChatMessage[] }>('GET', `/apps/${tp.appId}/channels/lobby/messages?limit=10`);
      expect(newest.body.messages.map((m) => m.content)).toEqual(Array.from({ length: 10 }, (_, i) => `history ${16 + i}`));
      const older = await call<{ messages: ChatMessage[] }>('GET', `/apps/${tp.appId}/channels/lobby/messages?limit=10&before=${newest.body.messages[0]!.message_id}`);
      expect(older.body.messages.map((m) => m.content)).toEqual(Array.from({ length: 10 }, (_, i) => `history ${6 + i}`));
      expect((await call('GET', `/apps/${tp.appId}/channels/nope_nope/messages`)).body).toMatchObject({ code: 1003 });
      expect((await call('GET', `/apps/ghost/channels`)).status).toBe(404);
    });

    it('deletes a message through the chat service: members get group:message_delete, the chat API no longer lists it', async () => {
      const bob = await member('bob');
      const message = await send('alice', 'delete me');
      await expect.poll(() => bob.some((r) => r.event === 'group:message_send' && (r.args[0] as ChatMessage).message_id === message.message_id)).toBe(true);
      const deleted = await call<ChatMessage>('DELETE', `/apps/${tp.appId}/channels/lobby/messages/${message.message_id}`);
      expect(deleted.status).toBe(200);
      expect(deleted.body).toMatchObject({ message_id: message.message_id, content: 'delete me' });
      await expect.poll(() => bob.find((r) => r.event === 'group:message_delete')?.args[0]).toMatchObject({ message_id: message.message_id });
      const listed = await chat<{ messages: ChatMessage[] }>('GET', '/v1/group/channels/lobby/messages?limit=100');
      expect(listed.body.messages.map((m) => m.message_id)).not.toContain(message.message_id);
      // The chat service's own refusal, in the admin envelope.
      expect((await call('DELETE', `/apps/${tp.appId}/channels/lobby/messages/${message.message_id}`)).body).toMatchObject({ code: 1005 });
      const [entry] = await audit('message_delete');
      expect(entry).toMatchObject({ actor: 'kim', app: tp.appId, target: `lobby/${message.message_id}` });
      expect(JSON.parse(entry!.detail)).toEqual({ user_id: 'alice' });
    });

    it('freezes and unfreezes: sends are refused (1009) in between, members hear both', async () => {
      const bob = await member('bob');
      expect((await call<ChatChannel>('PUT', `/apps/${tp.appId}/channels/lobby/freeze`, { freeze: true })).body).toMatchObject({ freeze: true });
      await expect.poll(() => bob.some((r) => r.event === 'group:channel_freeze')).toBe(true);
      expect((await chat('POST', '/v1/group/channels/lobby/messages', { type: 'text', user_id: 'alice', content: 'x' })).body).toMatchObject({ code: 1009 });
      expect((await call<ChatChannel>('PUT', `/apps/${tp.appId}/channels/lobby/freeze`, { freeze: false })).body).toMatchObject({ freeze: false });
      await expect.poll(() => bob.some((r) => r.event === 'group:channel_unfreeze')).toBe(true);
      expect((await chat('POST', '/v1/group/channels/lobby/messages', { type: 'text', user_id: 'alice', content: 'thawed' })).status).toBe(201);
      expect((await audit('channel_freeze')).length).toBe(1);
      expect((await audit('channel_unfreeze')).length).toBe(1);
    });

    it('bans a connected member: it hears the ban and nothing after it; unbans; both audited', async () => {
      const mallory = await member('mallory');
      const bans = await call<ChatBan>('POST', `/apps/${tp.appId}/channels/lobby/bans`, { user_id: 'mallory', seconds: 600, reason: 'spam' });
      expect(bans.status).toBe(201);
      expect(bans.body).toMatchObject({ user_id: 'mallory', seconds: 600, reason: 'spam' });
      await expect.poll(() => mallory.some((r) => r.event === 'group:channel_ban')).toBe(true);
      const after = await send('alice', 'not for mallory');
      const listed = await call<{ banned: ChatBan[] }>('GET', `/apps/${tp.appId}/channels/lobby/bans`);
      expect(listed.body.banned.map((b) => b.user_id)).toEqual(['mallory']);
      // The chat API's own list agrees: one service, one truth.
      expect((await chat<{ banned: ChatBan[] }>('GET', '/v1/group/channels/lobby/banned_list')).body.banned.map((b) => b.user_id)).toEqual(['mallory']);
      await new Promise((r) => setTimeout(r, 300));
      expect(mallory.some((r) => r.event === 'group:message_send' && (r.args[0] as ChatMessage).message_id === after.message_id)).toBe(false);
      expect((await call('POST', `/apps/${tp.appId}/channels/lobby/bans`, { user_id: 'mallory', seconds: 0 })).status).toBe(400);
      expect((await call<ChatBan>('DELETE', `/apps/${tp.appId}/channels/lobby/bans/mallory`)).body).toMatchObject({ user_id: 'mallory' });
      expect((await call('DELETE', `/apps/${tp.appId}/channels/lobby/bans/mallory`)).body).toMatchObject({ code: 1002 });
      const [ban] = await audit('user_ban');
      expect(ban).toMatchObject({ target: 'lobby/mallory', actor: 'kim' });
      expect(JSON.parse(ban!.detail)).toEqual({ seconds: 600, reason: 'spam' });
      expect(await audit('user_unban')).toHaveLength(1);
    });

    it("revokes a user's tokens: its live connection ends and its token is refused", async () => {
      const { socket } = await openChatSocket(tp.url, tp.appId, 'bob', tokens.bob!);
      const ended = new Promise<string>((resolve) => socket.on('disconnect', (reason) => resolve(String(reason))));
      expect((await call<{ user_id: string }>('POST', `/apps/${tp.appId}/users/bob/revoke-tokens`)).body).toMatchObject({ user_id: 'bob' });
      await ended;
      await expect(openChatSocket(tp.url, tp.appId, 'bob', tokens.bob!)).rejects.toThrow(/revoked/);
      expect((await call('POST', `/apps/${tp.appId}/users/nobody/revoke-tokens`)).body).toMatchObject({ code: 1004 });
      expect(await audit('user_revoke_tokens')).toHaveLength(1);
    });

    it('shows who is in a presence channel and disconnects one session with a reason', async () => {
      const clients: AnyClient[] = [];
      for (const user of ['ann', 'ben']) {
        const client = connectClient('4.x', await accessUrl(tp, user, ['presence_room']), ['websocket']);
        clients.push(client);
        await waitFor<ChannelResultMsg>(client, 'rtcs:channel', (d) => d.type === 'subscribe_success');
      }
      try {
        const presence = await call<AdminPresence>('GET', `/apps/${tp.appId}/presence?channel=presence_room`);
        expect(presence.body.count).toBe(2);
        expect(Object.values(presence.body.members).sort()).toEqual(['ann', 'ben']);
        const annSession = Object.entries(presence.body.members).find(([, u]) => u === 'ann')![0];
        const errors = collect<string>(clients[0]!, 'error');
        const annGone = new Promise((resolve) => clients[0]!.on('disconnect', resolve));
        const done = await call('POST', `/apps/${tp.appId}/presence/disconnect`, { channel: 'presence_room', session: annSession, reason: 'bye from the console' });
        expect(done.body).toEqual({ session: annSession, user: 'ann' });
        await annGone;
        expect(errors).toContain('bye from the console');
        await expect.poll(async () => (await call<AdminPresence>('GET', `/apps/${tp.appId}/presence?channel=presence_room`)).body.members).toEqual({ [Object.keys(presence.body.members).find((s) => s !== annSession)!]: 'ben' });
        expect((await call('POST', `/apps/${tp.appId}/presence/disconnect`, { channel: 'presence_room', session: annSession, reason: 'again' })).status).toBe(404);
        expect((await call('GET', `/apps/${tp.appId}/presence?channel=public_room`)).status).toBe(400);
        expect((await call('GET', `/apps/${tp.appId}/presence?channel=bad%20name`)).status).toBe(400);
        const [entry] = await audit('session_disconnect');
        expect(entry).toMatchObject({ target: annSession });
        expect(JSON.parse(entry!.detail)).toEqual({ channel: 'presence_room', user: 'ann', reason: 'bye from the console' });
      } finally {
        for (const c of clients) c.close();
      }
    });

    it('publishes a test event through the Service API, its rules and answer included', async () => {
      const client = connectClient('4.x', await accessUrl(tp, 'viewer', ['news']), ['websocket']);
      try {
        await waitFor<ChannelResultMsg>(client, 'rtcs:channel', (d) => d.type === 'subscribe_success');
        const got = waitFor(client, 'console_test');
        const answer = await call('POST', `/apps/${tp.appId}/events`, { channels: ['news'], event: 'console_test', data: { hello: 1 } });
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual({ accepted: tp.parley.node.nodeId, app: tp.appId });
        expect(await got).toEqual({ hello: 1 });
        expect((await call('POST', `/apps/${tp.appId}/events`, { channels: ['news'], event: 'rtcs:channel', data: 'x' })).body).toMatchObject({ code: 400, message: expect.stringMatching(/reserved/) });
        expect((await call('POST', `/apps/${tp.appId}/events`, { channels: ['bad name'], event: 'e', data: 'x' })).status).toBe(400);
        // Only the accepted one is audited.
        expect(await audit('event_publish')).toHaveLength(1);
      } finally {
        client.close();
      }
    });

    it('pages the audit log newest first and narrows it to one app', async () => {
      const first = await call<AuditPage>('GET', '/audit?limit=3');
      expect(first.body.entries).toHaveLength(3);
      const second = await call<AuditPage>('GET', `/audit?limit=3&before=${first.body.next}`);
      const ids = [...first.body.entries, ...second.body.entries].map((e) => e.id);
      expect(ids).toEqual([...ids].sort().reverse());
      expect(new Set(ids).size).toBe(6);
      const shop = await call<AuditPage>('GET', '/audit?app=shop');
      expect(shop.body.entries.map((e) => e.action)).toEqual(['app_rotate_key', 'app_update', 'app_create']);
      expect(shop.body.next).toBeNull();
      expect((await call('GET', '/audit?limit=500')).status).toBe(400);
      // The operator's name as typed (any script), control characters left out; none given: `admin`.
      await adminClient(tp.url, ADMIN_TOKEN, '김민수\u0007')('POST', '/apps/shop/rotate-key');
      await adminClient(tp.url, ADMIN_TOKEN, '')('POST', '/apps/shop/rotate-key');
      const latest = (await call<AuditPage>('GET', '/audit?limit=2')).body.entries.map((e) => e.actor);
      expect(latest).toEqual(['admin', '김민수']);
    });
  });
}
