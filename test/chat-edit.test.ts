/**
 * Message edits on SQLite and PostgreSQL (DESIGN.md, Edit): `PUT …/messages/{mid} {content}` replaces a
 * text message's content under the rules of a send and the app's word filter (mask: stars, block:
 * 400 / 1020), sets `edited_at` (null until then), and members' sockets hear `group:message_update
 * (message, channel)`. Through /v1/sdk only the sender edits, where it may send; the server API edits any.
 */
import { CHAT_LIMITS } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, SdkError } from '../packages/sdk/src/index.ts';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import { openChatSocket, type Received } from './support/chat-socket.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

interface WireMessage {
  message_id: number;
  content: string;
  created_at: number;
  updated_at: number;
  edited_at: number | null;
  meta: Record<string, string>;
}

describe.each(engines)('message edit on $name', (engine) => {
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
      ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'mallory', 'eve'], channels: { lobby: ['alice', 'bob', 'mallory'] } }));
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      const bob = await openChatSocket(tp.url, tp.appId, 'bob', tokens.bob!);
      bobHears = bob.received;
      close = () => bob.socket.close();
    }, 30_000);
    afterAll(async () => {
      close();
      await tp?.stop();
    });

    const send = async (user: string, content: string): Promise<WireMessage> => {
      const sent = await sdk<WireMessage>(user, 'POST', '/group/channels/lobby/messages', { content });
      expect(sent.status).toBe(201);
      return sent.body;
    };
    const stored = async (id: number): Promise<WireMessage | undefined> =>
      (await call<{ messages: WireMessage[] }>('GET', '/v1/group/channels/lobby/messages?mode=prev&limit=100')).body.messages.find((m) => m.message_id === id);
    const updatesHeard = () => bobHears.filter((e) => e.event === 'group:message_update');

    it('lets the sender edit through /v1/sdk: edited_at is set, stored, and members hear the update', async () => {
      const sent = await send('alice', 'helo');
      expect(sent.edited_at).toBeNull();
      expect((await stored(sent.message_id))?.edited_at).toBeNull();
      const edited = await sdk<WireMessage>('alice', 'PUT', `/group/channels/lobby/messages/${sent.message_id}`, { content: 'hello' });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({ message_id: sent.message_id, content: 'hello', created_at: sent.created_at, edited_at: expect.any(Number) });
      expect(edited.body.edited_at).toBeGreaterThanOrEqual(sent.created_at);
      expect(edited.body.updated_at).toBe(edited.body.edited_at);
      expect(await stored(sent.message_id)).toMatchObject({ content: 'hello', edited_at: edited.body.edited_at });
      await expect.poll(() => updatesHeard().length).toBe(1);
      const [message, channel] = updatesHeard()[0]!.args as [WireMessage, { channel_id: string }];
      expect(message).toMatchObject({ message_id: sent.message_id, content: 'hello', edited_at: edited.body.edited_at });
      expect(channel.channel_id).toBe('lobby');
      // A later meta change keeps the edit time.
      const meta = await call<WireMessage>('PUT', `/v1/group/channels/lobby/messages/${sent.message_id}/meta`, { meta: { k: 'v' } });
      expect(meta.body).toMatchObject({ content: 'hello', edited_at: edited.body.edited_at, meta: { k: 'v' } });
    });

    it("refuses another member's edit through /v1/sdk, a non-member's, and leaves the message as it was", async () => {
      const sent = await send('alice', 'mine');
      const before = updatesHeard().length;
      expect((await sdk('bob', 'PUT', `/group/channels/lobby/messages/${sent.message_id}`, { content: 'yours now' })).body).toMatchObject({ status: 403, code: 3001 });
      expect((await sdk('eve', 'PUT', `/group/channels/lobby/messages/${sent.message_id}`, { content: 'hi' })).body).toMatchObject({ status: 403, code: 3001 });
      expect(await stored(sent.message_id)).toMatchObject({ content: 'mine', edited_at: null });
      await new Promise((r) => setTimeout(r, 100));
      expect(updatesHeard().length).toBe(before);
    });

    it('lets the server API edit any message', async () => {
      const sent = await send('bob', 'by bob');
      const edited = await call<WireMessage>('PUT', `/v1/group/channels/lobby/messages/${sent.message_id}`, { content: 'moderated' });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({ content: 'moderated', edited_at: expect.any(Number), user: { user_id: 'bob' } });
    });

    it('applies the rules of a send: content, text messages only, existing messages, frozen and muted senders', async () => {
      const sent = await send('alice', 'rules');
      const edit = (content: unknown, id = sent.message_id) => sdk('alice', 'PUT', `/group/channels/lobby/messages/${id}`, { content });
      expect((await edit('')).body).toMatchObject({ status: 400, code: 1001, message: expect.stringMatching(/^content/) });
      expect((await edit('x'.repeat(CHAT_LIMITS.contentMaxBytes + 1))).body).toMatchObject({ status: 400, code: 1001 });
      expect((await edit(5)).body).toMatchObject({ status: 400, code: 1001 });
      expect((await call('PUT', `/v1/group/channels/lobby/messages/${sent.message_id}`, {})).body).toMatchObject({ status: 400, code: 1001, message: expect.stringMatching(/content/) });
      expect((await edit('where?', 99_999)).body).toMatchObject({ status: 400, code: 1005 });
      expect((await call('PUT', `/v1/group/channels/nowhere/messages/1`, { content: 'x' })).body).toMatchObject({ status: 400, code: 1003 });
      const form = new FormData();
      form.set('type', 'file');
      form.set('user_id', 'alice');
      form.set('file', new Blob(['hello']), 'a.txt');
      const file = (await (await fetch(`${tp.url}/v1/group/channels/lobby/messages`, { method: 'POST', headers: { APP_ID: tp.appId, APP_API_KEY: tp.apiKey }, body: form })).json()) as WireMessage;
      expect((await edit('caption', file.message_id)).body).toMatchObject({ status: 400, code: 1001, message: expect.stringMatching(/text messages/) });
      expect((await call('PUT', `/v1/group/channels/lobby/messages/${file.message_id}`, { content: 'caption' })).body).toMatchObject({ status: 400, code: 1001 });

      expect((await call('PUT', '/v1/group/channels/lobby/freeze', { freeze: true })).status).toBe(200);
      expect((await edit('frozen?')).body).toMatchObject({ status: 400, code: 1009 });
      expect((await call('PUT', `/v1/group/channels/lobby/messages/${sent.message_id}`, { content: 'the backend may' })).status).toBe(200);
      expect((await call('PUT', '/v1/group/channels/lobby/freeze', { freeze: false })).status).toBe(200);

      const mallory = await send('mallory', 'before the mute');
      expect((await call('POST', '/v1/group/channels/lobby/mute', { user_id: 'mallory', seconds: 600 })).status).toBe(200);
      expect((await sdk('mallory', 'PUT', `/group/channels/lobby/messages/${mallory.message_id}`, { content: 'sneaky' })).body).toMatchObject({ status: 400, code: 1021 });
      expect((await call('DELETE', '/v1/group/channels/lobby/mute/mallory')).status).toBe(200);
      expect(await stored(mallory.message_id)).toMatchObject({ content: 'before the mute', edited_at: null });
    });

    it('masks the word filter’s words in an edit, through either API, in what is stored and heard', async () => {
      expect((await call('PUT', '/v1/application/settings', { word_filter: { words: ['darn', '바보'], mode: 'mask' } })).status).toBe(200);
      const sent = await send('alice', 'clean');
      const viaSdk = await sdk<WireMessage>('alice', 'PUT', `/group/channels/lobby/messages/${sent.message_id}`, { content: 'Oh DARN, 바보야' });
      expect(viaSdk.body.content).toBe('Oh ****, **야');
      const viaApi = await call<WireMessage>('PUT', `/v1/group/channels/lobby/messages/${sent.message_id}`, { content: 'darndarn' });
      expect(viaApi.body.content).toBe('********');
      expect((await stored(sent.message_id))?.content).toBe('********');
      await expect.poll(() => updatesHeard().filter((e) => (e.args[0] as WireMessage).message_id === sent.message_id).map((e) => (e.args[0] as WireMessage).content)).toEqual(['Oh ****, **야', '********']);
      expect(JSON.stringify(bobHears)).not.toMatch(/darn|바보/i);
    });

    it('refuses an edit the word filter blocks with 1020, through either API, and keeps the message; a non-sender learns only 3001', async () => {
      expect((await call('PUT', '/v1/application/settings', { word_filter: { words: ['darn'], mode: 'block' } })).status).toBe(200);
      const sent = await send('alice', 'all fine');
      const before = updatesHeard().length;
      expect((await sdk('alice', 'PUT', `/group/channels/lobby/messages/${sent.message_id}`, { content: 'DaRn' })).body).toMatchObject({ status: 400, code: 1020 });
      expect((await call('PUT', `/v1/group/channels/lobby/messages/${sent.message_id}`, { content: 'darn it' })).body).toMatchObject({ status: 400, code: 1020 });
      expect((await sdk('bob', 'PUT', `/group/channels/lobby/messages/${sent.message_id}`, { content: 'darn' })).body).toMatchObject({ status: 403, code: 3001 });
      expect(await stored(sent.message_id)).toMatchObject({ content: 'all fine', edited_at: null });
      expect((await sdk<WireMessage>('alice', 'PUT', `/group/channels/lobby/messages/${sent.message_id}`, { content: 'still fine' })).body.content).toBe('still fine');
      await expect.poll(() => updatesHeard().length).toBe(before + 1);
      await call('PUT', '/v1/application/settings', { word_filter: { words: [], mode: 'mask' } });
    });

    it('through the SDK: updateMessage and editMessage, refusals as SdkError', async () => {
      const alice = new Client({ app_id: tp.appId, url: tp.url, session_token: tokens.alice! });
      const bob = new Client({ app_id: tp.appId, url: tp.url, session_token: tokens.bob! });
      const heard: string[] = [];
      bob.on('group:message_update', (message) => heard.push(message.content ?? ''));
      await alice.connectUser({ user_id: 'alice' });
      await bob.connectUser({ user_id: 'bob' });
      try {
        const sent = await alice.groupChannel.sendMessage('lobby', { content: 'v1' });
        expect(await alice.groupChannel.updateMessage('lobby', sent.message_id, 'v2')).toMatchObject({ content: 'v2', edited_at: expect.any(Number) });
        expect(await alice.groupChannel.editMessage('lobby', sent.message_id, 'v3')).toMatchObject({ content: 'v3' });
        const refused = await bob.groupChannel.editMessage('lobby', sent.message_id, 'mine').catch((err: unknown) => err);
        expect(refused).toBeInstanceOf(SdkError);
        expect((refused as SdkError).code).toBe(3001);
        await expect.poll(() => heard).toEqual(['v2', 'v3']);
      } finally {
        alice.disconnectUser();
        bob.disconnectUser();
      }
    });
  });
});
