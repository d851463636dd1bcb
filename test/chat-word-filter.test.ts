/**
 * The app's word filter on SQLite and PostgreSQL (DESIGN.md, Moderation): `mask` stores, answers and
 * delivers each word as `*`s (text and file captions, server and client API alike); `block` refuses with
 * 400 / 1020 and stores nothing; a sender who may not post at all learns that first, not the filter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import { openChatSocket, type Received } from './support/chat-socket.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

describe.each(engines)('word filter on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    let bobHears: Received;
    let close: () => void = () => undefined;

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      const { tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'eve'], channels: { lobby: ['alice', 'bob'] } });
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      const bob = await openChatSocket(tp.url, tp.appId, 'bob', tokens.bob!);
      bobHears = bob.received;
      close = () => bob.socket.close();
    }, 30_000);
    afterAll(async () => {
      close();
      await tp?.stop();
    });

    const setFilter = async (mode: 'mask' | 'block') => {
      expect((await call('PUT', '/v1/application/settings', { word_filter: { words: ['darn', '바보'], mode } })).status).toBe(200);
      // AppService caches an app for a few seconds; a node's own change is seen at once.
    };
    const messages = async () => (await call<{ messages: Array<{ content: string }> }>('GET', '/v1/group/channels/lobby/messages?mode=prev&limit=100')).body.messages.map((m) => m.content);

    it('masks the words in mask mode, in what is stored, answered and delivered', async () => {
      await setFilter('mask');
      const viaApi = await call<{ content: string; message_id: number }>('POST', '/v1/group/channels/lobby/messages', { type: 'text', user_id: 'alice', content: 'Oh DARN, 바보야' });
      expect(viaApi.status).toBe(201);
      expect(viaApi.body.content).toBe('Oh ****, **야');
      const viaSdk = await sdk<{ content: string }>('alice', 'POST', '/group/channels/lobby/messages', { type: 'text', content: 'darndarn' });
      expect(viaSdk.body.content).toBe('********');
      expect(await messages()).toEqual(expect.arrayContaining(['Oh ****, **야', '********']));
      await expect.poll(() => bobHears.filter((e) => e.event === 'group:message_send').map((e) => (e.args[0] as { content: string }).content)).toEqual(['Oh ****, **야', '********']);
      expect(JSON.stringify(bobHears)).not.toMatch(/darn|바보/i);
    });

    it('masks a file caption too', async () => {
      const form = new FormData();
      form.set('type', 'file');
      form.set('user_id', 'alice');
      form.set('content', 'the darn report');
      form.set('file', new Blob(['hello']), 'report.txt');
      const res = await fetch(`${tp.url}/v1/group/channels/lobby/messages`, { method: 'POST', headers: { APP_ID: tp.appId, APP_API_KEY: tp.apiKey }, body: form });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { content: string }).content).toBe('the **** report');
    });

    it('refuses with 1020 in block mode and stores nothing', async () => {
      await setFilter('block');
      const before = (await messages()).length;
      expect((await call('POST', '/v1/group/channels/lobby/messages', { type: 'text', user_id: 'alice', content: 'you 바보' })).body).toMatchObject({ status: 400, code: 1020 });
      expect((await sdk('alice', 'POST', '/group/channels/lobby/messages', { type: 'text', content: 'DaRn' })).body).toMatchObject({ status: 400, code: 1020 });
      expect((await messages()).length).toBe(before);
      const clean = await sdk<{ content: string }>('alice', 'POST', '/group/channels/lobby/messages', { type: 'text', content: 'all good' });
      expect(clean.body.content).toBe('all good');
    });

    it('tells a sender who may not post that first, not that the filter matched', async () => {
      expect((await sdk('eve', 'POST', '/group/channels/lobby/messages', { type: 'text', content: 'darn' })).body).toMatchObject({ status: 403, code: 3001 });
      expect((await call('POST', '/v1/group/channels/lobby/messages', { type: 'text', user_id: 'eve', content: 'darn' })).body).toMatchObject({ status: 400, code: 1008 });
      await call('PUT', '/v1/application/settings', { word_filter: { words: [], mode: 'mask' } });
    });
  });
});
