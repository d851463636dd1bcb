/**
 * Blocks on SQLite and PostgreSQL (DESIGN.md, Moderation): a blocker receives nothing from the blocked
 * user — not live on its open connection (others still do), not in history — until it unblocks; in a
 * 1:1 channel the blocked user's sends are refused with 400 / 1022.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import { openChatSocket, type Received } from './support/chat-socket.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();
const contents = (r: Received) => r.filter((e) => e.event === 'group:message_send').map((e) => (e.args[0] as { content: string }).content);

describe.each(engines)('block on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let sdk: ReturnType<typeof sdkCaller>;
    let aliceHears: Received;
    let carolHears: Received;
    const closers: Array<() => void> = [];

    beforeAll(async () => {
      tp = await engine.start();
      const { tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'carol'], channels: { lobby: ['alice', 'bob', 'carol'], alice_bob: ['alice', 'bob'] } });
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      const alice = await openChatSocket(tp.url, tp.appId, 'alice', tokens.alice!);
      const carol = await openChatSocket(tp.url, tp.appId, 'carol', tokens.carol!);
      aliceHears = alice.received;
      carolHears = carol.received;
      closers.push(() => alice.socket.close(), () => carol.socket.close());
    }, 30_000);
    afterAll(async () => {
      for (const close of closers) close();
      await tp?.stop();
    });

    const say = async (user: string, channel: string, content: string) => sdk(user, 'POST', `/group/channels/${channel}/messages`, { type: 'text', content });
    const history = async (user: string) => (await sdk<{ messages: Array<{ content: string }> }>(user, 'GET', '/group/channels/lobby/messages?mode=prev&limit=100')).body.messages.map((m) => m.content);

    it('hides the blocked user from the blocker, live and in history, and from nobody else', async () => {
      expect((await say('bob', 'lobby', 'before the block')).status).toBe(201);
      await expect.poll(() => contents(aliceHears)).toContain('before the block');
      const blocked = await sdk<{ user_id: string }>('alice', 'PUT', '/users/me/block', { user_id: 'bob' });
      expect(blocked.status).toBe(200);
      expect(blocked.body.user_id).toBe('bob');
      expect((await say('bob', 'lobby', 'while blocked')).status).toBe(201);
      expect((await say('carol', 'lobby', 'carol after')).status).toBe(201);
      // Carol's message arrives after bob's: once alice has it, bob's would have arrived too.
      await expect.poll(() => contents(aliceHears)).toContain('carol after');
      expect(contents(aliceHears)).not.toContain('while blocked');
      await expect.poll(() => contents(carolHears)).toContain('while blocked');
      expect(await history('alice')).toEqual(['carol after']);
      expect(await history('carol')).toEqual(['before the block', 'while blocked', 'carol after']);
      expect((await sdk<{ users: Array<{ user_id: string }> }>('alice', 'GET', '/users/me/blocked')).body.users.map((u) => u.user_id)).toEqual(['bob']);
    });

    it('refuses the blocked user in a 1:1 channel with 1022, through both APIs', async () => {
      expect((await say('bob', 'alice_bob', 'hi?')).body).toMatchObject({ status: 400, code: 1022 });
      const call = platformClient(tp.url, tp.appId, tp.apiKey);
      expect((await call('POST', '/v1/group/channels/alice_bob/messages', { type: 'text', user_id: 'bob', content: 'via backend' })).body).toMatchObject({ status: 400, code: 1022 });
      // The blocker may still write (it chose to block, not to be silenced), and in a group the blocked user may.
      expect((await say('alice', 'alice_bob', 'from alice')).status).toBe(201);
    });

    it('unblocks: everything flows again', async () => {
      expect((await sdk('alice', 'DELETE', '/users/me/block/bob')).status).toBe(200);
      expect((await sdk('alice', 'DELETE', '/users/me/block/bob')).body).toMatchObject({ code: 1002 });
      expect((await say('bob', 'alice_bob', 'friends again')).status).toBe(201);
      expect((await say('bob', 'lobby', 'after unblock')).status).toBe(201);
      await expect.poll(() => contents(aliceHears)).toContain('after unblock');
      expect(await history('alice')).toContain('while blocked');
    });

    it('refuses blocking oneself or nobody', async () => {
      expect((await sdk('alice', 'PUT', '/users/me/block', { user_id: 'alice' })).body).toMatchObject({ code: 1001 });
      expect((await sdk('alice', 'PUT', '/users/me/block', { user_id: 'nobody' })).body).toMatchObject({ code: 1004 });
    });
  });
});
