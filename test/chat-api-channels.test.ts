/**
 * Platform API, group channels, on SQLite and PostgreSQL alike: creation with every limit and the
 * `reuse` rule (including its caveat), show flags, lists, update/delete, join/leave, managers, freeze,
 * bans with their rules (1016–1019).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();
type Channel = { channel_id: string; members?: Array<{ user_id: string }>; managers?: Array<{ user_id: string }>; [k: string]: unknown };

describe.each(engines)('chat channels on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    const ids = (list: Array<{ user_id: string }> | undefined) => (list ?? []).map((u) => u.user_id);

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      for (const id of ['u1', 'u2', 'u3', 'u4', 'mod', 'mod2']) await call('POST', '/v1/users', { user_id: id, name: id.toUpperCase() });
    });
    afterAll(async () => {
      await tp?.stop();
    });

    it('creates channels and enforces every field limit', async () => {
      const res = await call<Channel>('POST', '/v1/group/channels', { channel_id: 'lobby', name: 'Lobby', members: ['u1', 'u2', 'u1'], meta: { topic: 'x' } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ channel_id: 'lobby', name: 'Lobby', profile_url: '', type: 'group', freeze: false, total_message_count: 0, total_file_count: 0, meta: { topic: 'x' } });
      expect(ids(res.body.members)).toEqual(['u1', 'u2']);
      expect((await call('POST', '/v1/group/channels', { channel_id: 'lobby', name: 'Again' })).body).toMatchObject({ code: 1007 });
      const generated = await call<Channel>('POST', '/v1/group/channels', { name: 'No id' });
      expect(generated.status).toBe(201);
      expect(generated.body.channel_id).toMatch(/^[a-z0-9_]{4,80}$/);

      const bad: Array<[unknown, number, RegExp]> = [
        [{ channel_id: 'Upper', name: 'x' }, 1001, /^channel_id must be 4-80 characters/],
        [{ channel_id: 'abc', name: 'x' }, 1001, /^channel_id/],
        [{ channel_id: 'a'.repeat(81), name: 'x' }, 1001, /^channel_id/],
        [{ channel_id: 'okay', name: '' }, 1001, /^name must be 1-150 characters$/],
        [{ channel_id: 'okay', name: 'x'.repeat(151) }, 1001, /^name/],
        [{ channel_id: 'okay' }, 1001, /^name is required$/],
        [{ channel_id: 'okay', name: 'x', profile_url: 'h'.repeat(2049) }, 1001, /^profile_url/],
        [{ channel_id: 'okay', name: 'x', members: Array.from({ length: 101 }, (_, i) => `m${i}`) }, 1010, /^members: at most 100/],
        [{ channel_id: 'okay', name: 'x', members: ['ghost'] }, 1004, /^user ghost not found$/],
        [{ channel_id: 'okay', name: 'x', members: ['bad id'] }, 1001, /^members\[0\]/],
        [{ channel_id: 'okay', name: 'x', meta: { k: 'v'.repeat(201) } }, 1001, /^meta\.k/],
        [{ channel_id: 'okay', name: 'x', reuse: 'yes' }, 1001, /^reuse/],
      ];
      for (const [body, code, message] of bad) {
        const r = await call('POST', '/v1/group/channels', body);
        expect(r.body, JSON.stringify(body).slice(0, 80)).toMatchObject({ status: 400, code, message: expect.stringMatching(message) });
      }
    });

    it('reuses a channel with exactly the same members unless someone else ever joined or a manager was set', async () => {
      for (const id of ['r1', 'r2', 'r3']) await call('POST', '/v1/users', { user_id: id, name: id });
      const first = await call<Channel>('POST', '/v1/group/channels', { channel_id: 'pair_r1_r2', name: 'pair', members: ['r1', 'r2'] });
      const again = await call<Channel>('POST', '/v1/group/channels', { channel_id: 'pair_r1_r2', name: 'pair', members: ['r2', 'r1'], reuse: true });
      expect(again.status).toBe(200);
      expect(again.body.channel_id).toBe('pair_r1_r2');
      expect(again.body.created_at).toBe(first.body.created_at);
      // Different members: a new channel with a generated id, since the asked one is taken.
      const trio = await call<Channel>('POST', '/v1/group/channels', { channel_id: 'pair_r1_r2', name: 'trio', members: ['r1', 'r2', 'r3'], reuse: true });
      expect(trio.status).toBe(201);
      expect(trio.body.channel_id).not.toBe('pair_r1_r2');

      // The caveat: u3 joins and leaves; the members are the same again, yet the channel is not reused.
      await call('PUT', '/v1/group/channels/pair_r1_r2/join', { member: 'r3' });
      await call('PUT', '/v1/group/channels/pair_r1_r2/leave', { member: 'r3' });
      const afterVisit = await call<Channel>('POST', '/v1/group/channels', { name: 'pair', members: ['r1', 'r2'], reuse: true });
      expect(afterVisit.status).toBe(201);
      expect(afterVisit.body.channel_id).not.toBe('pair_r1_r2');
      // That new one is reusable until a manager is set on it.
      expect((await call<Channel>('POST', '/v1/group/channels', { name: 'pair', members: ['r1', 'r2'], reuse: true })).body.channel_id).toBe(afterVisit.body.channel_id);
      await call('POST', `/v1/group/channels/${afterVisit.body.channel_id}/managers`, { manager: 'r1' });
      const afterManager = await call<Channel>('POST', '/v1/group/channels', { name: 'pair', members: ['r1', 'r2'], reuse: true });
      expect(afterManager.status).toBe(201);
      expect(afterManager.body.channel_id).not.toBe(afterVisit.body.channel_id);
    });

    it('gets a channel with the show flags and updates and deletes it', async () => {
      await call('POST', '/v1/group/channels', { channel_id: 'showme', name: 'Show', members: ['u1', 'u2'] });
      await call('POST', '/v1/group/channels/showme/managers', { manager: 'u2' });
      const plain = await call<Channel>('GET', '/v1/group/channels/showme');
      expect(plain.body).not.toHaveProperty('members');
      expect(plain.body).not.toHaveProperty('managers');
      const full = await call<Channel>('GET', '/v1/group/channels/showme?show_members=true&show_managers=true&show_read_receipt=true&show_delivery_receipt=true&show_unread=true&show_last_message=true');
      expect(ids(full.body.members)).toEqual(['u1', 'u2']);
      expect(ids(full.body.managers)).toEqual(['u2']);
      expect(full.body).toMatchObject({ read_receipt: { u1: 0, u2: 0 }, delivery_receipt: { u1: 0, u2: 0 }, unread: { u1: 0, u2: 0 }, last_message: null });
      expect((await call('GET', '/v1/group/channels/showme?show_members=maybe')).body).toMatchObject({ code: 1001, message: expect.stringMatching(/^show_members/) });

      const updated = await call<Channel>('PUT', '/v1/group/channels/showme', { name: 'Shown', meta: { a: 'b' } });
      expect(updated.body).toMatchObject({ name: 'Shown', meta: { a: 'b' } });
      expect((await call('PUT', '/v1/group/channels/showme', { name: '' })).body).toMatchObject({ code: 1001 });
      expect((await call('PUT', '/v1/group/channels/nothere', { name: 'x' })).body).toMatchObject({ code: 1003 });
      expect((await call('DELETE', '/v1/group/channels/showme')).status).toBe(200);
      expect((await call('GET', '/v1/group/channels/showme')).body).toMatchObject({ status: 400, code: 1003, message: 'channel showme not found' });
      expect((await call('DELETE', '/v1/group/channels/showme')).body).toMatchObject({ code: 1003 });
      expect((await call('GET', '/v1/group/channels/NOT_VALID')).body).toMatchObject({ code: 1001, message: expect.stringMatching(/^channel_id/) });
    });

    it('lists channels and joined channels with limit, next, name and show_last_message', async () => {
      for (const id of ['list_a1', 'list_a2', 'list_b1']) await call('POST', '/v1/group/channels', { channel_id: id, name: `Name ${id}`, members: id === 'list_b1' ? ['u4'] : ['u3'] });
      await call('POST', '/v1/group/channels/list_a2/messages', { user_id: 'u3', content: 'latest' });
      const all: string[] = [];
      let next: string | null = null;
      do {
        const r: { body: { channels: Channel[]; next: string | null } } = await call<{ channels: Channel[]; next: string | null }>('GET', `/v1/group/channels?limit=2&name=list_${next ? `&next=${next}` : ''}`);
        all.push(...r.body.channels.map((c) => c.channel_id));
        next = r.body.next;
      } while (next);
      expect(all).toEqual(['list_a1', 'list_a2', 'list_b1']);
      const joined = await call<{ channels: Channel[]; next: string | null }>('GET', '/v1/users/u4/channels?show_last_message=true&include_members=true');
      expect(joined.body.channels.map((c) => c.channel_id)).toEqual(['list_b1']);
      expect(ids(joined.body.channels[0]!.members)).toEqual(['u4']);
      const u3 = await call<{ channels: Channel[] }>('GET', '/v1/users/u3/channels?name=list_a&show_last_message=true');
      expect(u3.body.channels.map((c) => [c.channel_id, (c.last_message as { content?: string } | null)?.content ?? null])).toEqual([
        ['list_a1', null],
        ['list_a2', 'latest'],
      ]);
      expect((await call('GET', '/v1/users/nobody/channels')).body).toMatchObject({ code: 1004 });
      expect((await call('GET', '/v1/group/channels?limit=500')).body).toMatchObject({ code: 1001, message: 'limit must be between 1 and 100' });
    });

    it('joins and leaves members, lists members and online members', async () => {
      await call('POST', '/v1/group/channels', { channel_id: 'club', name: 'Club', members: ['u1'] });
      const joined = await call<Channel>('PUT', '/v1/group/channels/club/join', { member: 'u2' });
      expect(ids(joined.body.members)).toEqual(['u1', 'u2']);
      expect((await call('PUT', '/v1/group/channels/club/join', { member: 'u2' })).body).toMatchObject({ code: 1006 });
      expect((await call('PUT', '/v1/group/channels/club/join', { member: 'ghost' })).body).toMatchObject({ code: 1004 });
      expect((await call('PUT', '/v1/group/channels/club/join', {})).body).toMatchObject({ code: 1001, message: 'member is required' });
      expect((await call('PUT', '/v1/group/channels/nowhere/join', { member: 'u2' })).body).toMatchObject({ code: 1003 });
      const page1 = await call<{ members: Array<{ user_id: string }>; next: string | null }>('GET', '/v1/group/channels/club/members?limit=1');
      expect(ids(page1.body.members)).toEqual(['u1']);
      const page2 = await call<{ members: Array<{ user_id: string }>; next: string | null }>('GET', `/v1/group/channels/club/members?limit=1&next=${page1.body.next}`);
      expect(ids(page2.body.members)).toEqual(['u2']);
      expect(page2.body.next).toBeNull();
      expect((await call('GET', '/v1/group/channels/club/online_members')).body).toEqual([]);
      const left = await call<Channel>('PUT', '/v1/group/channels/club/leave', { member: 'u2' });
      expect(ids(left.body.members)).toEqual(['u1']);
      expect((await call('PUT', '/v1/group/channels/club/leave', { member: 'u2' })).body).toMatchObject({ code: 1008 });
    });

    it('adds and removes managers within the limit', async () => {
      await call('POST', '/v1/group/channels', { channel_id: 'managed', name: 'M', members: ['u1', 'u2'] });
      const added = await call<Channel>('POST', '/v1/group/channels/managed/managers', { manager: 'u1' });
      expect(ids(added.body.managers)).toEqual(['u1']);
      expect((await call('POST', '/v1/group/channels/managed/managers', { manager: 'u1' })).body).toMatchObject({ code: 1007 });
      expect((await call('POST', '/v1/group/channels/managed/managers', { manager: 'u3' })).body).toMatchObject({ code: 1008 });
      expect((await call('DELETE', '/v1/group/channels/managed/managers', { manager: 'u2' })).body).toMatchObject({ code: 1016 });
      expect(ids((await call<Channel>('DELETE', '/v1/group/channels/managed/managers', { manager: 'u1' })).body.managers)).toEqual([]);
      // The limit: 20 managers.
      const crowd = Array.from({ length: 21 }, (_, i) => `crowd_${i}`);
      for (const id of crowd) await call('POST', '/v1/users', { user_id: id, name: id });
      await call('POST', '/v1/group/channels', { channel_id: 'crowded', name: 'C', members: crowd });
      for (const id of crowd.slice(0, 20)) expect((await call('POST', '/v1/group/channels/crowded/managers', { manager: id })).status).toBe(200);
      expect((await call('POST', '/v1/group/channels/crowded/managers', { manager: crowd[20] })).body).toMatchObject({ code: 1011 });
    });

    it('freezes and unfreezes', async () => {
      await call('POST', '/v1/group/channels', { channel_id: 'icy_room', name: 'Icy', members: ['u1'] });
      expect((await call<Channel>('PUT', '/v1/group/channels/icy_room/freeze', { freeze: true })).body).toMatchObject({ freeze: true });
      expect((await call('POST', '/v1/group/channels/icy_room/messages', { user_id: 'u1', content: 'hi' })).body).toMatchObject({ status: 400, code: 1009 });
      expect((await call('PUT', '/v1/group/channels/icy_room/freeze', { freeze: 'no' })).body).toMatchObject({ code: 1001, message: expect.stringMatching(/^freeze/) });
      expect((await call<Channel>('PUT', '/v1/group/channels/icy_room/freeze', { freeze: false })).body).toMatchObject({ freeze: false });
      expect((await call('POST', '/v1/group/channels/icy_room/messages', { user_id: 'u1', content: 'hi' })).status).toBe(201);
    });

    it('bans with the manager rules, keeps banned users out, unbans and lists', async () => {
      await call('POST', '/v1/group/channels', { channel_id: 'court', name: 'Court', members: ['mod', 'mod2', 'u1', 'u2'] });
      await call('POST', '/v1/group/channels/court/managers', { manager: 'mod' });
      await call('POST', '/v1/group/channels/court/managers', { manager: 'mod2' });
      expect((await call('POST', '/v1/group/channels/court/ban', { user_id: 'u1', seconds: 60, manager: 'u2' })).body).toMatchObject({ code: 1016 });
      expect((await call('POST', '/v1/group/channels/court/ban', { user_id: 'mod2', seconds: 60, manager: 'mod' })).body).toMatchObject({ code: 1017 });
      expect((await call('POST', '/v1/group/channels/court/ban', { user_id: 'mod', seconds: 60, manager: 'mod' })).body).toMatchObject({ code: 1018 });
      expect((await call('POST', '/v1/group/channels/court/ban', { user_id: 'u1', seconds: 0 })).body).toMatchObject({ code: 1001, message: expect.stringMatching(/^seconds/) });
      expect((await call('POST', '/v1/group/channels/court/ban', { user_id: 'ghost', seconds: 5 })).body).toMatchObject({ code: 1004 });

      const ban = await call('POST', '/v1/group/channels/court/ban', { user_id: 'u1', seconds: 60, reason: 'spam', manager: 'mod' });
      expect(ban.body).toEqual({ user_id: 'u1', seconds: 60, reason: 'spam', created_at: expect.any(Number), expires_at: (ban.body.created_at as number) + 60_000 });
      expect(ids((await call<Channel>('GET', '/v1/group/channels/court?show_members=true')).body.members)).toEqual(['mod', 'mod2', 'u2']);
      expect((await call('PUT', '/v1/group/channels/court/join', { member: 'u1' })).body).toMatchObject({ code: 1019 });
      expect((await call('POST', '/v1/group/channels/court/messages', { user_id: 'u1', content: 'let me in' })).body).toMatchObject({ code: 1019 });
      await call('POST', '/v1/group/channels/court/ban', { user_id: 'u2', seconds: 1 });
      const list = await call<{ banned: Array<{ user_id: string }>; next: string | null }>('GET', '/v1/group/channels/court/banned_list?limit=1');
      expect(ids(list.body.banned)).toEqual(['u1']);
      expect(list.body.next).not.toBeNull();
      await new Promise((r) => setTimeout(r, 1100));
      // u2's ban has expired: it is no longer listed and u2 may come back.
      expect(ids((await call<{ banned: Array<{ user_id: string }> }>('GET', '/v1/group/channels/court/banned_list')).body.banned)).toEqual(['u1']);
      expect((await call('PUT', '/v1/group/channels/court/join', { member: 'u2' })).status).toBe(200);

      expect((await call('DELETE', '/v1/group/channels/court/ban/u1')).body).toMatchObject({ user_id: 'u1', reason: 'spam' });
      expect((await call('DELETE', '/v1/group/channels/court/ban/u1')).body).toMatchObject({ code: 1002 });
      expect((await call('PUT', '/v1/group/channels/court/join', { member: 'u1' })).status).toBe(200);
    });
  });
});
