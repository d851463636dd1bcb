/**
 * Mutes on SQLite and PostgreSQL (DESIGN.md, Moderation): a muted member reads but its sends are
 * refused with 400 / 1021 through both APIs until the mute is lifted or expires; members hear
 * `group:channel_mute` / `group:channel_unmute (channel, user, mute)`; managers only through /v1/sdk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import { openChatSocket, type Received } from './support/chat-socket.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

describe.each(engines)('mute on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    let aliceHears: Received;
    let close: () => void = () => undefined;

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      const { tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'mallory', 'eve'], channels: { lobby: ['alice', 'bob', 'mallory'] } });
      expect((await call('POST', '/v1/group/channels/lobby/managers', { manager: 'alice' })).status).toBeLessThan(300);
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      const alice = await openChatSocket(tp.url, tp.appId, 'alice', tokens.alice!);
      aliceHears = alice.received;
      close = () => alice.socket.close();
    }, 30_000);
    afterAll(async () => {
      close();
      await tp?.stop();
    });

    const say = (user: string, content: string) => sdk(user, 'POST', '/group/channels/lobby/messages', { type: 'text', content });

    it('a manager mutes a member: its sends are refused with 1021, it still reads, members hear it', async () => {
      const muted = await sdk<{ user_id: string; seconds: number; expires_at: number; created_at: number }>('alice', 'POST', '/group/channels/lobby/mute', { user_id: 'mallory', seconds: 600, description: 'cool down' });
      expect(muted.status).toBe(200);
      expect(muted.body).toMatchObject({ user_id: 'mallory', seconds: 600, description: 'cool down' });
      expect(muted.body.expires_at - muted.body.created_at).toBe(600_000);
      expect((await say('mallory', 'let me speak')).body).toMatchObject({ status: 400, code: 1021 });
      expect((await call('POST', '/v1/group/channels/lobby/messages', { type: 'text', user_id: 'mallory', content: 'via backend' })).body).toMatchObject({ status: 400, code: 1021 });
      // Still a member who reads.
      expect((await say('bob', 'hello')).status).toBe(201);
      const read = await sdk<{ messages: Array<{ content: string }> }>('mallory', 'GET', '/group/channels/lobby/messages?mode=prev');
      expect(read.status).toBe(200);
      expect(read.body.messages.map((m) => m.content)).toEqual(['hello']);
      await expect.poll(() => aliceHears.find((e) => e.event === 'group:channel_mute')?.args.map((a) => (a as { user_id?: string; channel_id?: string }).user_id ?? (a as { channel_id?: string }).channel_id)).toEqual(['lobby', 'mallory', 'mallory']);
    });

    it('lists mutes to managers only, and lifts them', async () => {
      expect((await sdk('bob', 'GET', '/group/channels/lobby/muted_list')).body).toMatchObject({ code: 1016 });
      expect((await sdk('bob', 'POST', '/group/channels/lobby/mute', { user_id: 'mallory', seconds: 60 })).body).toMatchObject({ code: 1016 });
      const list = await call<{ muted: Array<{ user_id: string }>; next: string | null }>('GET', '/v1/group/channels/lobby/muted_list');
      expect(list.body).toEqual({ muted: [expect.objectContaining({ user_id: 'mallory' })], next: null });
      expect((await sdk('alice', 'DELETE', '/group/channels/lobby/mute/mallory')).body).toMatchObject({ user_id: 'mallory' });
      expect((await say('mallory', 'thanks')).status).toBe(201);
      expect((await sdk('alice', 'DELETE', '/group/channels/lobby/mute/mallory')).body).toMatchObject({ code: 1002 });
      await expect.poll(() => aliceHears.some((e) => e.event === 'group:channel_unmute')).toBe(true);
    });

    it('refuses a non-member, a bad length, self-mute and an acting non-manager', async () => {
      expect((await call('POST', '/v1/group/channels/lobby/mute', { user_id: 'eve', seconds: 60 })).body).toMatchObject({ code: 1008 });
      expect((await call('POST', '/v1/group/channels/lobby/mute', { user_id: 'bob', seconds: 0 })).body).toMatchObject({ code: 1001, message: expect.stringMatching(/seconds/) });
      expect((await sdk('alice', 'POST', '/group/channels/lobby/mute', { user_id: 'alice', seconds: 60 })).body).toMatchObject({ code: 1001, message: expect.stringMatching(/itself/) });
      expect((await call('POST', '/v1/group/channels/lobby/mute', { user_id: 'bob', seconds: 60, manager: 'mallory' })).body).toMatchObject({ code: 1016 });
    });

    it('ends by itself when it expires', async () => {
      expect((await call('POST', '/v1/group/channels/lobby/mute', { user_id: 'bob', seconds: 1 })).status).toBe(200);
      expect((await say('bob', 'muted?')).body).toMatchObject({ code: 1021 });
      await new Promise((r) => setTimeout(r, 1_100));
      expect((await say('bob', 'free again')).status).toBe(201);
    });
  });
});
