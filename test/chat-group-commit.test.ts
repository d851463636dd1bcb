/**
 * Sends that arrive together share one transaction (chat/message.repository.ts) on both engines; on
 * PostgreSQL several such batches run side by side. Refused sends mixed into a batch — not a member,
 * banned, a frozen channel, an unknown channel — fail alone: the accepted ones around them are stored
 * with gap-free ids, and the refused ones leave no trace in the counters. A send that fails after
 * writing undoes its batch, whose sends are then stored one by one, so it alone fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { seedChat } from './support/chat-seed.ts';
import { openChatSocket } from './support/chat-socket.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

describe.each(engines)('sends arriving together on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      for (const user of ['ann', 'bob', 'eve', 'max']) expect((await call('POST', '/v1/users', { user_id: user, name: user })).status).toBe(201);
      for (const channel of ['batch_open', 'batch_frozen']) {
        expect((await call('POST', '/v1/group/channels', { channel_id: channel, name: channel, members: ['ann', 'bob', 'max'] })).status).toBe(201);
      }
      expect((await call('POST', '/v1/group/channels/batch_open/ban', { user_id: 'max', seconds: 600 })).status).toBe(200);
      expect((await call('PUT', '/v1/group/channels/batch_frozen/freeze', { freeze: true })).status).toBe(200);
    });
    afterAll(async () => {
      await tp?.stop();
    });

    it('refuses the bad sends alone and stores the good ones with gap-free ids', async () => {
      const send = (channel: string, user: string, n: number) =>
        call<{ message_id?: number; code?: number }>('POST', `/v1/group/channels/${channel}/messages`, { type: 'text', user_id: user, content: `m${n}` });
      const kinds = Array.from({ length: 120 }, (_, i) => (['good', 'good', 'outsider', 'good', 'frozen', 'missing', 'good', 'banned'] as const)[i % 8]!);
      const answers = await Promise.all(
        kinds.map((kind, i) =>
          kind === 'good' ? send('batch_open', i % 2 ? 'ann' : 'bob', i) : kind === 'outsider' ? send('batch_open', 'eve', i) : kind === 'frozen' ? send('batch_frozen', 'ann', i) : kind === 'banned' ? send('batch_open', 'max', i) : send('batch_nowhere', 'ann', i),
        ),
      );
      const good = answers.filter((_, i) => kinds[i] === 'good');
      expect(good.map((a) => a.status)).toEqual(good.map(() => 201));
      expect(good.map((a) => a.body.message_id!).sort((a, b) => a - b)).toEqual(good.map((_, i) => i + 1));
      for (const [i, a] of answers.entries()) {
        if (kinds[i] === 'good') continue;
        expect(a.status, kinds[i]).toBeGreaterThanOrEqual(400);
        expect(a.status, kinds[i]).toBeLessThan(500);
        // Each refusal names its own reason, whatever else shared its transaction.
        expect(a.body.code, kinds[i]).toBe({ outsider: 1008, frozen: 1009, missing: 1003, banned: 1019 }[kinds[i] as 'outsider']);
      }

      const open = await call<{ total_message_count: number; last_message?: { message_id: number } }>('GET', '/v1/group/channels/batch_open?show_last_message=true');
      expect(open.body.total_message_count).toBe(good.length);
      expect(open.body.last_message?.message_id).toBe(good.length);
      const frozen = await call<{ total_message_count: number }>('GET', '/v1/group/channels/batch_frozen');
      expect(frozen.body.total_message_count).toBe(0);
      const listed = await call<{ messages: { message_id: number; user: { user_id: string } }[] }>('GET', '/v1/group/channels/batch_open/messages?mode=next&limit=100');
      expect(listed.body.messages.map((m) => m.message_id)).toEqual(good.map((_, i) => i + 1).slice(0, 100));
      expect(listed.body.messages.some((m) => m.user.user_id === 'eve')).toBe(false);

      // The next send after the mix continues the sequence.
      const next = await send('batch_open', 'ann', 999);
      expect(next.body.message_id).toBe(good.length + 1);
    });

    it('keeps each channel gap-free while batches run side by side, and delivers every stored message once', async () => {
      const channels = ['many_0', 'many_1', 'many_2', 'many_3', 'many_4', 'many_5'];
      const { tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['kim', 'lee'], channels: Object.fromEntries(channels.map((c) => [c, ['kim', 'lee']])) });
      const watcher = await openChatSocket(tp.url, tp.appId, 'lee', tokens.lee!);
      try {
        // 360 sends over six channels at once, every fifth from a non-member: refused (1008) wherever it falls.
        const plan = Array.from({ length: 360 }, (_, i) => ({ channel: channels[i % channels.length]!, user: i % 5 === 4 ? 'eve' : i % 2 ? 'kim' : 'lee' }));
        const answers = await Promise.all(
          plan.map((p, i) => call<{ message_id?: number; code?: number }>('POST', `/v1/group/channels/${p.channel}/messages`, { type: 'text', user_id: p.user, content: `c${i}` })),
        );
        for (const [i, a] of answers.entries()) expect(a.body.code ?? a.status, `send ${i}`).toBe(plan[i]!.user === 'eve' ? 1008 : 201);
        for (const channel of channels) {
          const ids = answers.filter((a, i) => plan[i]!.channel === channel && a.status === 201).map((a) => a.body.message_id!);
          expect(ids.sort((a, b) => a - b), channel).toEqual(ids.map((_, i) => i + 1));
          expect((await call<{ total_message_count: number }>('GET', `/v1/group/channels/${channel}`)).body.total_message_count).toBe(ids.length);
        }
        const stored = answers.filter((a) => a.status === 201).length;
        const seen = () => watcher.received.filter((e) => e.event === 'group:message_send').map((e) => e.args[0] as { channel_id: string; message_id: number }).map((m) => `${m.channel_id}/${m.message_id}`);
        await expect.poll(() => seen().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(stored);
        expect(new Set(seen()).size).toBe(stored);
        expect(seen()).toHaveLength(stored);
      } finally {
        watcher.socket.close();
      }
    });

    it('a send that fails after writing is undone alone; the rest of its batch is stored', async () => {
      // A row planted where the next send's id falls: that send passes its checks, then its insert fails.
      expect((await call('POST', '/v1/group/channels', { channel_id: 'batch_trap', name: 'trap', members: ['ann', 'bob'] })).status).toBe(201);
      const now = Date.now();
      await tp.parley.storage.db
        .insertInto('chat_messages')
        .values({ app_id: tp.appId, channel_id: 'batch_trap', message_id: 1, type: 'text', user_id: 'ann', content: 'planted', file_key: null, file_name: null, file_type: null, file_size: null, meta: '{}', created_at: now, updated_at: now })
        .execute();
      const before = (await call<{ total_message_count: number }>('GET', '/v1/group/channels/batch_open')).body.total_message_count;
      const answers = await Promise.all(
        Array.from({ length: 21 }, (_, i) =>
          call<{ message_id?: number; code?: number }>('POST', `/v1/group/channels/${i === 10 ? 'batch_trap' : 'batch_open'}/messages`, { type: 'text', user_id: 'bob', content: `t${i}` }),
        ),
      );
      expect(answers[10]).toMatchObject({ status: 500, body: { code: 9999 } });
      const good = answers.filter((_, i) => i !== 10);
      expect(good.map((a) => a.status)).toEqual(good.map(() => 201));
      expect(good.map((a) => a.body.message_id!).sort((a, b) => a - b)).toEqual(good.map((_, i) => before + i + 1));
      // The failed send's counter increment went with it: the trap's next id is still 1.
      const trap = await call<{ total_message_count: number }>('GET', '/v1/group/channels/batch_trap');
      expect(trap.body.total_message_count).toBe(0);
    });
  });
});
