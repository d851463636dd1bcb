/**
 * Query budgets, on SQLite and PostgreSQL, counted by the Kysely plugin every Storage carries
 * (storage/query-counter.ts): what the database executes for one request, from its arrival to the
 * delivery of its events. A send relies on its own transactional checks (the counter's UPDATE …
 * RETURNING, the membership check), so it costs at most 5 statements through either API; a channel
 * list costs the same for 100 channels as for 10, whatever it shows. BEGIN and COMMIT are issued by
 * the driver and not counted (one pair per send on PostgreSQL, one per group commit on SQLite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();
const SEND_BUDGET = 5;

describe.each(engines)('queries per request on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;

    /** The statements `request` made the database execute, its event deliveries included. */
    async function queriesOf(request: () => Promise<{ status: number; body: unknown }>, expectStatus: number): Promise<string[]> {
      // The same request once before: app lookups (cached for seconds) and prepared statements are warm.
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
    });
    afterAll(async () => {
      await tp?.stop();
    });

    it(`a Platform send costs at most ${SEND_BUDGET} statements`, async () => {
      const queries = await queriesOf(() => call('POST', '/v1/group/channels/counted/messages', { type: 'text', user_id: 'ann', content: 'hello' }), 201);
      expect(queries.length, queries.join(', ')).toBeLessThanOrEqual(SEND_BUDGET);
    });

    it(`an SDK send costs at most ${SEND_BUDGET} statements`, async () => {
      const queries = await queriesOf(() => sdk('bob', 'POST', '/group/channels/counted/messages', { content: 'hi' }), 201);
      expect(queries.length, queries.join(', ')).toBeLessThanOrEqual(SEND_BUDGET);
    });

    it('a send stores its counter, read mark and message in one statement on PostgreSQL, three on SQLite', async () => {
      const queries = await queriesOf(() => sdk('bob', 'POST', '/group/channels/counted/messages', { content: 'stored' }), 201);
      const store = queries.filter((q) => /^(update|insert|with)/.test(q));
      expect(store).toEqual(engine.name === 'postgres' ? ['with update chat_channels, update chat_members, insert chat_messages'] : ['update chat_channels', 'update chat_members', 'insert chat_messages']);
    });

    it('a channel list costs the same for 100 channels as for 10, with members, last message and unread counts', async () => {
      const lists = {
        platform: () => call('GET', '/v1/users/bob/channels?limit=100&include_members=true&show_last_message=true&show_unread=true'),
        joined: () => sdk('bob', 'GET', '/users/me/group/channels?limit=100&include_members=true&show_last_message=true&show_unread=true'),
        visible: () => sdk('bob', 'GET', '/group/channels?limit=100&include_members=true&show_last_message=true&show_unread=true'),
        all: () => call('GET', '/v1/group/channels?limit=100&include_members=true&show_last_message=true&show_unread=true'),
      };
      const makeChannels = async (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const id = `list_${String(i).padStart(3, '0')}`;
          expect((await call('POST', '/v1/group/channels', { channel_id: id, name: id, members: ['bob', i % 2 ? 'ann' : 'cy'] })).status).toBe(201);
          if (i % 3 === 0) expect((await call('POST', `/v1/group/channels/${id}/messages`, { type: 'text', user_id: 'bob', content: `m${i}` })).status).toBe(201);
        }
      };
      await makeChannels(0, 9);
      const few: Record<string, string[]> = {};
      // Sorted: on PostgreSQL a view's extras are read in parallel and answer in any order.
      for (const [name, list] of Object.entries(lists)) few[name] = (await queriesOf(list, 200)).sort();
      await makeChannels(9, 99);
      for (const [name, list] of Object.entries(lists)) {
        const many = (await queriesOf(list, 200)).sort();
        expect(many, name).toEqual(few[name]);
        expect(many.length, `${name}: ${many.join(', ')}`).toBeLessThanOrEqual(6);
      }
      // The lists do hold what was asked for.
      const listed = await lists.joined();
      const channels = (listed.body as { channels: Array<{ channel_id: string; members?: unknown[]; unread?: Record<string, number>; last_message?: unknown }> }).channels;
      expect(channels).toHaveLength(100);
      const sent = channels.find((c) => c.channel_id === 'list_003')!;
      expect(sent).toMatchObject({ members: [{ user_id: 'ann' }, { user_id: 'bob' }], unread: { ann: 1, bob: 0 }, last_message: { content: 'm3' } });
      expect(channels.find((c) => c.channel_id === 'list_004')).toMatchObject({ last_message: null, unread: { bob: 0, cy: 0 } });
    });
  });
});
