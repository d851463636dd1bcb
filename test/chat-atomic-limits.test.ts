/**
 * Limits and merges that must hold when requests race, on SQLite and PostgreSQL: the members cap of a
 * channel and the managers cap are checked and used in one step (no two joins both take the last
 * place), and meta merges of users and messages read and write in one transaction (no merge is lost
 * to a concurrent one).
 */
import { CHAT_LIMITS } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();
const RACERS = 20;

describe.each(engines)('limits and merges under concurrent requests on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;

    /** Users and memberships written straight into the database: a thousand joins through the API would only slow the test. */
    async function seedMembers(channelId: string, count: number): Promise<void> {
      const db = tp.parley.storage.db;
      const now = Date.now();
      const ids = Array.from({ length: count }, (_, i) => `seed_${String(i).padStart(4, '0')}`);
      for (let i = 0; i < ids.length; i += 100) {
        const chunk = ids.slice(i, i + 100);
        await db
          .insertInto('chat_users')
          .values(chunk.map((user_id) => ({ app_id: tp.appId, user_id, name: user_id, profile_url: '', meta: '{}', incarnation: 'seed', created_at: now, updated_at: now })))
          .execute();
        await db
          .insertInto('chat_members')
          .values(chunk.map((user_id) => ({ app_id: tp.appId, channel_id: channelId, user_id, joined_at: now })))
          .execute();
      }
    }

    const memberCount = async (channelId: string): Promise<number> => {
      const row = await tp.parley.storage.db
        .selectFrom('chat_members')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('app_id', '=', tp.appId)
        .where('channel_id', '=', channelId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      for (let i = 0; i < RACERS; i++) expect((await call('POST', '/v1/users', { user_id: `racer_${i}`, name: `racer ${i}` })).status).toBe(201);
    });
    afterAll(async () => {
      await tp?.stop();
    });

    it(`lets exactly as many concurrent joins in as there are places left under ${CHAT_LIMITS.channelMembersMax} members`, async () => {
      const left = 5;
      expect((await call('POST', '/v1/group/channels', { channel_id: 'almost_full', name: 'Almost full' })).status).toBe(201);
      await seedMembers('almost_full', CHAT_LIMITS.channelMembersMax - left);
      const answers = await Promise.all(Array.from({ length: RACERS }, (_, i) => call<{ code?: number }>('PUT', '/v1/group/channels/almost_full/join', { member: `racer_${i}` })));
      const statuses = answers.map((a) => (a.status === 200 ? 200 : a.body.code));
      expect(statuses.filter((s) => s === 200)).toHaveLength(left);
      expect(statuses.filter((s) => s === 1010)).toHaveLength(RACERS - left);
      expect(await memberCount('almost_full')).toBe(CHAT_LIMITS.channelMembersMax);
    });

    it(`lets exactly ${CHAT_LIMITS.managersMax} of more concurrent members become managers`, async () => {
      const members = Array.from({ length: RACERS + CHAT_LIMITS.managersMax }, (_, i) => `mgr_${i}`);
      for (const m of members) expect((await call('POST', '/v1/users', { user_id: m, name: m })).status).toBe(201);
      expect((await call('POST', '/v1/group/channels', { channel_id: 'managed', name: 'Managed', members })).status).toBe(201);
      const answers = await Promise.all(members.map((manager) => call<{ code?: number }>('POST', '/v1/group/channels/managed/managers', { manager })));
      const statuses = answers.map((a) => (a.status === 200 ? 200 : a.body.code));
      expect(statuses.filter((s) => s === 200)).toHaveLength(CHAT_LIMITS.managersMax);
      expect(statuses.filter((s) => s === 1011)).toHaveLength(members.length - CHAT_LIMITS.managersMax);
      const channel = await call<{ managers: unknown[] }>('GET', '/v1/group/channels/managed?show_managers=true');
      expect(channel.body.managers).toHaveLength(CHAT_LIMITS.managersMax);
    });

    it('keeps every key of concurrent user meta merges', async () => {
      expect((await call('POST', '/v1/users', { user_id: 'merged', name: 'Merged' })).status).toBe(201);
      const keys = Array.from({ length: CHAT_LIMITS.metaPairsMax }, (_, i) => `k${i}`);
      const answers = await Promise.all(keys.map((k) => call('PUT', '/v1/users/merged/meta', { meta: { [k]: 'v' } })));
      expect(answers.map((a) => a.status)).toEqual(keys.map(() => 200));
      const user = await call<{ meta: Record<string, string> }>('GET', '/v1/users/merged');
      expect(Object.keys(user.body.meta).sort()).toEqual([...keys].sort());
    });

    it('keeps every key of concurrent message meta merges', async () => {
      expect((await call('POST', '/v1/group/channels', { channel_id: 'meta_room', name: 'Meta', members: ['merged'] })).status).toBe(201);
      const sent = await call<{ message_id: number }>('POST', '/v1/group/channels/meta_room/messages', { type: 'text', user_id: 'merged', content: 'tag me' });
      expect(sent.status).toBe(201);
      const keys = Array.from({ length: CHAT_LIMITS.metaPairsMax }, (_, i) => `t${i}`);
      const path = `/v1/group/channels/meta_room/messages/${sent.body.message_id}/meta`;
      const answers = await Promise.all(keys.map((k) => call('PUT', path, { meta: { [k]: 'v' } })));
      expect(answers.map((a) => a.status)).toEqual(keys.map(() => 200));
      const listed = await call<{ messages: Array<{ meta: Record<string, string> }> }>('GET', '/v1/group/channels/meta_room/messages');
      expect(Object.keys(listed.body.messages[0]!.meta).sort()).toEqual([...keys].sort());
    });

    it('still refuses a merge that would exceed the meta limit when merges race', async () => {
      expect((await call('POST', '/v1/users', { user_id: 'crowded', name: 'Crowded' })).status).toBe(201);
      const keys = Array.from({ length: CHAT_LIMITS.metaPairsMax + 5 }, (_, i) => `c${i}`);
      const answers = await Promise.all(keys.map((k) => call<{ code?: number }>('PUT', '/v1/users/crowded/meta', { meta: { [k]: 'v' } })));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(CHAT_LIMITS.metaPairsMax);
      expect(answers.filter((a) => a.body.code === 1001)).toHaveLength(5);
      const user = await call<{ meta: Record<string, string> }>('GET', '/v1/users/crowded');
      expect(Object.keys(user.body.meta)).toHaveLength(CHAT_LIMITS.metaPairsMax);
    });
  });
});
