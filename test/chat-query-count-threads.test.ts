/**
 * Query budgets of threads and mentions, on SQLite and PostgreSQL, counted by storage/query-counter.ts
 * as test/chat-query-count.test.ts counts a plain send: a plain send keeps its budget (5), a reply adds
 * one statement (its parent's thread counters), a mention one (the mentioned members' counts), both
 * inside the send's transaction; a refused reply costs no write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();
const SEND_BUDGET = 5;
/** A send's counter, read mark and message as PostgreSQL stores them: one statement (message.repository.ts). */
const STORE_IN_ONE = 'with update chat_channels, update chat_members, insert chat_messages';

describe.each(engines)('thread and mention queries on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    let parent: number;

    /** The statements of `request` once warm, its event deliveries included. */
    async function queriesOf(request: () => Promise<{ status: number; body: unknown }>, expectStatus: number): Promise<string[]> {
      expect((await request()).status).toBe(expectStatus);
      await tp.parley.chat.idle();
      const recording = tp.parley.storage.queries.record();
      const answer = await request();
      await tp.parley.chat.idle();
      const queries = recording.stop();
      expect(answer.status, JSON.stringify(answer.body)).toBe(expectStatus);
      return queries;
    }

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      const { tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['ann', 'bob', 'cy'], channels: { counted: ['ann', 'bob', 'cy'] } });
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      parent = (await call<{ message_id: number }>('POST', '/v1/group/channels/counted/messages', { type: 'text', user_id: 'ann', content: 'topic' })).body.message_id;
    });
    afterAll(async () => {
      await tp?.stop();
    });

    it('a plain send keeps its budget; a reply and a mention add one statement each', async () => {
      const send = (body: Record<string, unknown>) => () => sdk('bob', 'POST', '/group/channels/counted/messages', { content: 'hi', ...body });
      const plain = await queriesOf(send({}), 201);
      expect(plain.length, plain.join(', ')).toBeLessThanOrEqual(SEND_BUDGET);
      const reply = await queriesOf(send({ parent_message_id: parent }), 201);
      expect(reply.sort()).toEqual([...plain, 'update chat_messages'].sort());
      const mention = await queriesOf(send({ mentioned_user_ids: ['ann', 'cy'] }), 201);
      expect(mention.sort()).toEqual([...plain, 'update chat_members'].sort());
      const both = await queriesOf(send({ parent_message_id: parent, mentioned_user_ids: ['ann'] }), 201);
      expect(both.sort()).toEqual([...plain, 'update chat_messages', 'update chat_members'].sort());
      const platform = await queriesOf(() => call('POST', '/v1/group/channels/counted/messages', { type: 'text', user_id: 'cy', content: 'r', parent_message_id: parent, mentioned_user_ids: ['bob'] }), 201);
      expect(platform.length, platform.join(', ')).toBeLessThanOrEqual(SEND_BUDGET + 2);
    });

    it('a refused reply writes nothing but the refused counter statement', async () => {
      const reply = (await call<{ message_id: number }>('POST', '/v1/group/channels/counted/messages', { type: 'text', user_id: 'ann', content: 'r', parent_message_id: parent })).body.message_id;
      const refused = await queriesOf(() => sdk('bob', 'POST', '/group/channels/counted/messages', { content: 'nested', parent_message_id: reply }), 400);
      // SQLite stops at the counter statement; PostgreSQL's one store statement raised no counter, so its mark and insert wrote nothing.
      const writes = refused.filter((q) => /^(insert|update|delete|with)/.test(q));
      expect(writes).toEqual([engine.name === 'postgres' ? STORE_IN_ONE : 'update chat_channels']);
    });
  });
});
