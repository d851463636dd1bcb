/**
 * Finding 3, as the attacker played it, on SQLite and PostgreSQL: with nothing but a valid sdk token a
 * user read other people's channels (last message with its file URL, members, receipts), joined any
 * channel to read its history, and fetched files by their bare URL. Now private channels (the default)
 * answer 403 / 3001 to non-members, public ones show only their basics to non-members and may be
 * joined, and files are served only through signed, expiring URLs.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { openChatSocket, type Received } from './support/chat-socket.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();
/** Short enough to watch a URL expire, long enough for the fetches right after a send. */
const FILE_URL_TTL_MS = 1500;

interface Channel {
  channel_id: string;
  is_public?: boolean;
  last_message?: unknown;
  members?: Array<{ user_id: string }>;
  read_receipt?: unknown;
  delivery_receipt?: unknown;
  unread?: unknown;
  managers?: unknown;
}
interface FileMessage {
  message_id: number;
  file: { url: string };
}

describe.each(engines)('channel visibility and file URLs on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    let tokens: Record<string, string> = {};
    let secretFile: FileMessage;
    const sockets: Socket[] = [];

    async function listen(user: string): Promise<Received> {
      const { socket, received } = await openChatSocket(tp.url, tp.appId, user, tokens[user]!);
      sockets.push(socket);
      return received;
    }

    async function sendFile(user: string, channelId: string, text: string): Promise<FileMessage> {
      const form = new FormData();
      form.append('type', 'file');
      form.append('file', new Blob([text], { type: 'text/plain' }), 'plan.txt');
      const res = await fetch(`${tp.url}/v1/sdk/group/channels/${channelId}/messages`, { method: 'POST', headers: { APP_ID: tp.appId, USER_ID: user, authorization: `Bearer ${tokens[user]}` }, body: form });
      expect(res.status).toBe(201);
      return (await res.json()) as FileMessage;
    }

    beforeAll(async () => {
      tp = await engine.start({ chatLimits: { fileUrlTtlMs: FILE_URL_TTL_MS } });
      ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'mallory'], channels: { secret: ['alice', 'bob'] } }));
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      expect((await call('POST', '/v1/group/channels', { channel_id: 'plaza', name: 'Plaza', members: ['alice'], is_public: true })).status).toBe(201);
      await sdk('alice', 'POST', '/group/channels/secret/messages', { content: 'the launch is on friday' });
      secretFile = await sendFile('alice', 'secret', 'secret plan');
      await sdk('alice', 'POST', '/group/channels/plaza/messages', { content: 'welcome, everyone' });
    });
    afterAll(async () => {
      for (const s of sockets) s.disconnect();
      await tp?.stop();
    });

    it('a private channel answers 403 / 3001 to a non-member, whatever it asks for', async () => {
      const asked = await sdk<Channel>('mallory', 'GET', '/group/channels/secret?show_last_message=true&show_members=true&show_read_receipt=true&show_unread=true');
      expect(asked).toMatchObject({ status: 403, body: { code: 3001 } });
      expect(JSON.stringify(asked.body)).not.toContain('friday');
      for (const path of ['/group/channels/secret/messages', '/group/channels/secret/members', '/group/channels/secret/online_members']) {
        expect(await sdk('mallory', 'GET', path)).toMatchObject({ status: 403, body: { code: 3001 } });
      }
      expect(await sdk('mallory', 'POST', '/group/channels/secret/messages', { content: 'hi' })).toMatchObject({ status: 403, body: { code: 3001 } });
      // An unknown channel still says so.
      expect(await sdk('mallory', 'GET', '/group/channels/nowhere')).toMatchObject({ status: 400, body: { code: 1003 } });
      // Members still see everything.
      expect((await sdk<Channel>('bob', 'GET', '/group/channels/secret?show_last_message=true&show_members=true')).body).toMatchObject({
        is_public: false,
        last_message: { message_id: 2 },
        members: [{ user_id: 'alice' }, { user_id: 'bob' }],
      });
    });

    it('a non-member cannot join a private channel and read its history', async () => {
      expect(await sdk('mallory', 'PUT', '/group/channels/secret/join')).toMatchObject({ status: 403, body: { code: 3001 } });
      const members = await call<{ members: Array<{ user_id: string }> }>('GET', '/v1/group/channels/secret/members');
      expect(members.body.members.map((m) => m.user_id)).toEqual(['alice', 'bob']);
      expect(await sdk('mallory', 'GET', '/group/channels/secret/messages')).toMatchObject({ status: 403 });
    });

    it('lists only the caller’s channels and public ones, with extras only where the caller is a member', async () => {
      const all = await sdk<{ channels: Channel[] }>('mallory', 'GET', '/group/channels?show_last_message=true&include_members=true');
      expect(all.status).toBe(200);
      expect(all.body.channels.map((c) => c.channel_id)).toEqual(['plaza']);
      expect(all.body.channels[0]).not.toHaveProperty('last_message');
      expect(all.body.channels[0]).not.toHaveProperty('members');
      expect(JSON.stringify(all.body)).not.toContain('friday');
      const bobs = await sdk<{ channels: Channel[] }>('bob', 'GET', '/group/channels?show_last_message=true');
      expect(bobs.body.channels.map((c) => c.channel_id)).toEqual(['plaza', 'secret']);
      expect(bobs.body.channels.find((c) => c.channel_id === 'secret')).toMatchObject({ last_message: { message_id: 2 } });
      expect(bobs.body.channels.find((c) => c.channel_id === 'plaza')).not.toHaveProperty('last_message');
      // public=true: public channels only; public=false: the caller's private ones.
      expect((await sdk<{ channels: Channel[] }>('bob', 'GET', '/group/channels?public=true')).body.channels.map((c) => c.channel_id)).toEqual(['plaza']);
      expect((await sdk<{ channels: Channel[] }>('bob', 'GET', '/group/channels?public=false')).body.channels.map((c) => c.channel_id)).toEqual(['secret']);
    });

    it('a public channel shows its basics to anyone, may be joined, and shows the rest to members', async () => {
      const seen = await sdk<Channel>('mallory', 'GET', '/group/channels/plaza?show_last_message=true&show_members=true&show_managers=true&show_read_receipt=true&show_delivery_receipt=true&show_unread=true');
      expect(seen).toMatchObject({ status: 200, body: { channel_id: 'plaza', is_public: true, total_message_count: 1 } });
      for (const extra of ['last_message', 'members', 'managers', 'read_receipt', 'delivery_receipt', 'unread']) expect(seen.body).not.toHaveProperty(extra);
      expect(await sdk('mallory', 'GET', '/group/channels/plaza/messages')).toMatchObject({ status: 400, body: { code: 1008 } });
      expect((await sdk('mallory', 'PUT', '/group/channels/plaza/join')).status).toBe(200);
      expect((await sdk<Channel>('mallory', 'GET', '/group/channels/plaza?show_last_message=true&show_members=true')).body).toMatchObject({
        last_message: { message_id: 1 },
        members: [{ user_id: 'alice' }, { user_id: 'mallory' }],
      });
    });

    it('is_public defaults to false, is set on create and update (server API and SDK), and a change is a group:channel_update', async () => {
      const bob = await listen('bob');
      expect((await call<Channel>('GET', '/v1/group/channels/secret')).body.is_public).toBe(false);
      expect((await call<Channel>('PUT', '/v1/group/channels/secret', { is_public: true })).body.is_public).toBe(true);
      expect((await sdk('mallory', 'GET', '/group/channels/secret')).status).toBe(200);
      expect((await call<Channel>('PUT', '/v1/group/channels/secret', { is_public: false })).body.is_public).toBe(false);
      expect((await sdk('mallory', 'GET', '/group/channels/secret')).status).toBe(403);
      await tp.parley.chat.idle();
      await expect.poll(() => bob.filter((e) => e.event === 'group:channel_update').map((e) => (e.args[0] as Channel).is_public)).toEqual([true, false]);
      // Through the SDK a user may create a public channel (as Sendbird's client SDK may).
      expect((await sdk<Channel>('alice', 'POST', '/group/channels', { channel_id: 'alices_club', name: 'Club', is_public: true })).body).toMatchObject({ is_public: true });
      expect((await sdk('bob', 'PUT', '/group/channels/alices_club/join')).status).toBe(200);
    });

    it('members added at creation each hear their own group:channel_join', async () => {
      const bob = await listen('bob');
      await call('POST', '/v1/group/channels', { channel_id: 'welcome', name: 'Welcome', members: ['alice', 'bob'] });
      await tp.parley.chat.idle();
      await expect
        .poll(() => bob.filter((e) => e.event === 'group:channel_join').map((e) => [(e.args[0] as Channel).channel_id, (e.args[1] as { user_id: string }).user_id]))
        .toEqual([['welcome', 'bob']]);
    });

    it('serves a file only through its signed URL, until the URL expires; every presentation signs afresh', async () => {
      const bob = await listen('bob');
      const sent = await sendFile('alice', 'secret', 'second plan');
      const url = new URL(sent.file.url);
      expect(url.searchParams.get('expires')).toMatch(/^\d+$/);
      expect(url.searchParams.get('signature')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(url.toString()).not.toContain(tp.apiKey);
      const served = await fetch(url);
      expect(served.status).toBe(200);
      expect(await served.text()).toBe('second plan');
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(served.headers.get('content-disposition')).toMatch(/^attachment;/);

      // The bare key was the whole right to the file: no more.
      const bare = await fetch(`${url.origin}${url.pathname}`);
      expect(bare.status).toBe(403);
      expect(await bare.json()).toMatchObject({ status: 403, code: 3001 });
      const tampered = new URL(url);
      const sig = tampered.searchParams.get('signature')!;
      tampered.searchParams.set('signature', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`);
      expect((await fetch(tampered)).status).toBe(403);
      const prolonged = new URL(url);
      prolonged.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3_600_000));
      expect((await fetch(prolonged)).status).toBe(403);
      // Another file's signature does not open this one.
      const other = new URL(secretFile.file.url);
      other.pathname = url.pathname;
      expect((await fetch(other)).status).toBe(403);

      // The realtime event carries a signed URL too.
      await tp.parley.chat.idle();
      await expect.poll(() => bob.some((e) => e.event === 'group:message_send' && (e.args[0] as FileMessage).message_id === sent.message_id)).toBe(true);
      const live = bob.find((e) => e.event === 'group:message_send' && (e.args[0] as FileMessage).message_id === sent.message_id)!.args[0] as FileMessage;
      expect((await fetch(live.file.url)).status).toBe(200);

      const expires = Number(url.searchParams.get('expires'));
      await new Promise((r) => setTimeout(r, Math.max(0, expires - Date.now()) + 50));
      expect((await fetch(url)).status).toBe(403);
      // A member asking again gets a fresh URL that works.
      const listed = await sdk<{ messages: FileMessage[] }>('bob', 'GET', '/group/channels/secret/messages?type=file');
      const fresh = listed.body.messages.find((m) => m.message_id === sent.message_id)!;
      expect(Number(new URL(fresh.file.url).searchParams.get('expires'))).toBeGreaterThan(expires);
      expect((await fetch(fresh.file.url)).status).toBe(200);
    });

    it('the server API keeps full access', async () => {
      expect((await call<Channel>('GET', '/v1/group/channels/secret?show_last_message=true&show_members=true&show_read_receipt=true')).body).toMatchObject({
        last_message: { type: 'file' },
        members: [{ user_id: 'alice' }, { user_id: 'bob' }],
        read_receipt: expect.objectContaining({ bob: expect.any(Number) }),
      });
      const listed = await call<{ channels: Channel[] }>('GET', '/v1/group/channels?public=true');
      expect(listed.body.channels.map((c) => c.channel_id)).toEqual(['alices_club', 'plaza']);
    });
  });
});
