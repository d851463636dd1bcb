/**
 * Message search on SQLite and PostgreSQL (DESIGN.md, Search): Korean and English substrings (English
 * in any case, two-character Korean words below a trigram's length), newest first, paged without
 * repeats, each hit with its channel; a user searches only the channels it is a member of (not one it
 * was banned from), never its blocked users' messages, never deleted ones; the server API searches the
 * whole app. Also: a database of before the search migration has its stored messages indexed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../packages/sdk/src/index.ts';
import { AppService } from '../packages/server/src/apps/app.service.ts';
import { createChat } from '../packages/server/src/chat/chat.ts';
import { silentLogger } from '../packages/server/src/logger.ts';
import { openStorage } from '../packages/server/src/storage/database.ts';
import { MIGRATIONS } from '../packages/server/src/storage/migrations.ts';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import { createTestDatabase } from './support/services.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

interface Hit {
  message_id: number;
  channel_id: string;
  content: string;
  created_at: number;
  user: { user_id: string };
  channel: { channel_id: string; name: string; members?: unknown };
}
interface Result {
  messages: Hit[];
  next: string | null;
}

describe.each(engines)('message search on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    let tokens: Record<string, string>;

    const say = async (user: string, channel: string, content: string): Promise<number> => {
      const r = await call<{ message_id: number }>('POST', `/v1/group/channels/${channel}/messages`, { type: 'text', user_id: user, content });
      expect(r.status).toBe(201);
      // Apart in time, so that newest first is send order even across channels.
      await new Promise((resolve) => setTimeout(resolve, 2));
      return r.body.message_id;
    };
    const search = (user: string, query: string, extra = '') => sdk<Result>(user, 'GET', `/messages/search?query=${encodeURIComponent(query)}${extra}`);
    const found = async (user: string, query: string, extra = ''): Promise<string[]> => {
      const r = await search(user, query, extra);
      expect(r.status).toBe(200);
      return r.body.messages.map((m) => m.content);
    };

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, {
        users: ['alice', 'bob', 'carol', 'mallory', 'eve'],
        channels: { lobby: ['alice', 'bob', 'carol', 'mallory'], kr_room: ['alice', 'bob'], secret: ['bob', 'carol'], banned_room: ['alice', 'bob'] },
      }));
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      // Sent one after another, so newest first is the reverse of this order within a channel.
      await say('bob', 'lobby', 'Hello World from Bob');
      await say('carol', 'lobby', '안녕하세요 여러분');
      await say('bob', 'kr_room', '오늘 안녕히 가세요');
      await say('carol', 'lobby', '안녕');
      await say('carol', 'secret', 'hello secret 안녕');
      await say('mallory', 'lobby', 'mallory says hello');
      await say('bob', 'banned_room', 'hello banned room');
      await say('bob', 'lobby', '100% sure, a_b');
      const doomed = await say('bob', 'lobby', 'hello, soon deleted 안녕');
      expect((await call('DELETE', `/v1/group/channels/lobby/messages/${doomed}`)).status).toBeLessThan(300);
      expect((await sdk('alice', 'PUT', '/users/me/block', { user_id: 'mallory' })).status).toBe(200);
      expect((await call('POST', '/v1/group/channels/banned_room/ban', { user_id: 'alice', seconds: 600 })).status).toBeLessThan(300);
    }, 60_000);
    afterAll(async () => {
      await tp?.stop();
    });

    it('finds English substrings in any case, newest first, each hit with its channel', async () => {
      for (const query of ['hello', 'HELLO', 'hElLo', 'llo']) expect(await found('alice', query)).toEqual(['Hello World from Bob']);
      expect(await found('bob', 'WORLD FROM')).toEqual(['Hello World from Bob']);
      const r = await search('bob', 'hello');
      expect(r.body.messages.map((m) => m.content)).toEqual(['hello banned room', 'mallory says hello', 'hello secret 안녕', 'Hello World from Bob']);
      expect(r.body.messages[0]).toMatchObject({ channel_id: 'banned_room', user: { user_id: 'bob' }, channel: { channel_id: 'banned_room', name: 'banned_room', type: 'group' } });
      expect(r.body.messages[0]!.channel.members).toBeUndefined();
      expect(r.body.next).toBeNull();
    });

    it('finds Korean substrings, the two-character word 안녕 and a single character included', async () => {
      expect(await found('alice', '녕하세')).toEqual(['안녕하세요 여러분']);
      expect(await found('alice', '안녕하세요 여러')).toEqual(['안녕하세요 여러분']);
      expect(await found('alice', '안녕')).toEqual(['안녕', '오늘 안녕히 가세요', '안녕하세요 여러분']);
      expect(await found('alice', '녕')).toEqual(['안녕', '오늘 안녕히 가세요', '안녕하세요 여러분']);
      expect(await found('alice', '안녕히')).toEqual(['오늘 안녕히 가세요']);
      expect(await found('alice', '잘가')).toEqual([]);
      // Within one channel.
      expect(await found('alice', '안녕', '&channel_id=kr_room')).toEqual(['오늘 안녕히 가세요']);
    });

    it('takes LIKE wildcards and quotes literally, short and long', async () => {
      expect(await found('alice', '%')).toEqual(['100% sure, a_b']);
      expect(await found('alice', '_')).toEqual(['100% sure, a_b']);
      expect(await found('alice', '0%')).toEqual(['100% sure, a_b']);
      expect(await found('alice', '100% s')).toEqual(['100% sure, a_b']);
      expect(await found('alice', 'a_b')).toEqual(['100% sure, a_b']);
      expect(await found('alice', 'a%b')).toEqual([]);
      expect(await found('alice', '"hello"')).toEqual([]);
      expect(await found('alice', 'hello" OR "안녕')).toEqual([]);
    });

    it('never searches a channel the caller is not in, nor one it was banned from', async () => {
      expect(await found('alice', 'secret')).toEqual([]);
      expect(await found('carol', 'secret')).toEqual(['hello secret 안녕']);
      expect(await found('alice', 'banned room')).toEqual([]);
      expect(await found('bob', 'banned room')).toEqual(['hello banned room']);
      expect((await search('alice', 'hello', '&channel_id=secret')).body).toMatchObject({ status: 403, code: 3001 });
      expect((await search('alice', 'hello', '&channel_id=banned_room')).body).toMatchObject({ status: 400, code: 1019 });
      expect((await search('eve', 'hello')).body).toEqual({ messages: [], next: null });
      expect((await search('eve', 'hello', '&channel_id=lobby')).body).toMatchObject({ code: 3001 });
      expect((await search('alice', 'hello', '&channel_id=no_such_room')).body).toMatchObject({ code: 1003 });
    });

    it("leaves out the blocker's blocked users, and deleted messages for everyone", async () => {
      expect(await found('alice', 'mallory')).toEqual([]);
      expect(await found('bob', 'mallory')).toEqual(['mallory says hello']);
      for (const user of ['alice', 'bob']) expect(await found(user, 'soon deleted')).toEqual([]);
      expect((await call<Result>('GET', '/v1/messages/search?query=deleted')).body.messages).toEqual([]);
    });

    it('finds an edited message by its new text only, also after further edits', async () => {
      const id = await say('bob', 'kr_room', 'first draft 초안');
      for (const content of ['second version 수정본', 'final wording 최종본']) {
        expect((await call('PUT', `/v1/group/channels/kr_room/messages/${id}`, { content })).status).toBe(200);
      }
      expect(await found('alice', 'final wording')).toEqual(['final wording 최종본']);
      expect(await found('alice', '최종본')).toEqual(['final wording 최종본']);
      for (const gone of ['first draft', '초안', 'second version', '수정본']) expect(await found('alice', gone), gone).toEqual([]);
      // Text the edit keeps is still found (the old text's index entries go before the new one's come).
      const kept = await say('bob', 'kr_room', 'weekly meeting 회의 at noon');
      expect((await call('PUT', `/v1/group/channels/kr_room/messages/${kept}`, { content: 'weekly meeting 회의실 at nine' })).status).toBe(200);
      for (const query of ['weekly meeting', '회의실', 'at nine']) expect(await found('alice', query), query).toEqual(['weekly meeting 회의실 at nine']);
      expect(await found('alice', 'noon')).toEqual([]);
    });

    it('searches the whole app through the server API, optionally one channel or sender', async () => {
      const all = await call<Result>('GET', `/v1/messages/search?query=${encodeURIComponent('안녕')}`);
      expect(all.status).toBe(200);
      expect(all.body.messages.map((m) => [m.channel_id, m.content])).toEqual([
        ['secret', 'hello secret 안녕'],
        ['lobby', '안녕'],
        ['kr_room', '오늘 안녕히 가세요'],
        ['lobby', '안녕하세요 여러분'],
      ]);
      expect((await call<Result>('GET', `/v1/messages/search?query=${encodeURIComponent('안녕')}&user_id=bob`)).body.messages.map((m) => m.content)).toEqual(['오늘 안녕히 가세요']);
      expect((await call<Result>('GET', '/v1/messages/search?query=hello&channel_id=secret')).body.messages.map((m) => m.content)).toEqual(['hello secret 안녕']);
      expect((await call('GET', '/v1/messages/search?query=hello&channel_id=nope_nope')).body).toMatchObject({ code: 1003 });
    });

    it('refuses a missing, empty or too long query, and a forged cursor', async () => {
      expect((await sdk('alice', 'GET', '/messages/search')).body).toMatchObject({ status: 400, code: 1001 });
      expect((await search('alice', '')).body).toMatchObject({ code: 1001, message: expect.stringMatching(/query/) });
      expect((await search('alice', 'x'.repeat(101))).body).toMatchObject({ code: 1001, message: expect.stringMatching(/query/) });
      expect((await search('alice', '안'.repeat(100))).status).toBe(200);
      expect((await search('alice', 'hello', '&next=bm90LWEtY3Vyc29y')).body).toMatchObject({ code: 1001, message: expect.stringMatching(/next/) });
      expect((await search('alice', 'hello', '&limit=101')).body).toMatchObject({ code: 1001 });
      expect((await call('GET', '/v1/messages/search?query=')).body).toMatchObject({ code: 1001 });
    });

    it('pages newest first without repeating or skipping a hit, also while messages arrive', async () => {
      const sent: string[] = [];
      for (let i = 0; i < 30; i++) {
        const content = `page item ${String(i).padStart(2, '0')}`;
        await say(i % 3 === 0 ? 'alice' : 'bob', i % 2 === 0 ? 'lobby' : 'kr_room', content);
        sent.push(content);
      }
      for (const query of ['page item', 'pa']) {
        const seen: Hit[] = [];
        let next: string | null = null;
        let pages = 0;
        do {
          const r: { status: number; body: Result } = await search('alice', query, `&limit=7${next ? `&next=${next}` : ''}`);
          expect(r.status).toBe(200);
          expect(r.body.messages.length).toBeLessThanOrEqual(7);
          seen.push(...r.body.messages);
          next = r.body.next;
          // Arrivals after the first page belong before it: they never show up on later pages.
          if (pages++ === 0) await say('bob', 'lobby', 'page item late');
        } while (next !== null);
        expect(pages).toBe(5);
        expect(seen.map((m) => m.content)).toEqual([...sent].reverse());
        const keys = seen.map((m) => `${m.channel_id}/${m.message_id}`);
        expect(new Set(keys).size).toBe(keys.length);
        for (let i = 1; i < seen.length; i++) expect(seen[i]!.created_at).toBeLessThanOrEqual(seen[i - 1]!.created_at);
        expect((await found('alice', query, '&limit=1'))[0]).toBe('page item late');
        await call('DELETE', `/v1/group/channels/lobby/messages/${(await search('alice', 'page item late')).body.messages[0]!.message_id}`);
      }
    });

    it('is client.groupChannel.searchMessages in the SDK', async () => {
      const client = new Client({ app_id: tp.appId, url: tp.url, session_token: tokens.alice! });
      await client.connectUser({ user_id: 'alice' });
      try {
        const first = await client.groupChannel.searchMessages('안녕', { limit: 2 });
        expect(first.messages.map((m) => m.content)).toEqual(['안녕', '오늘 안녕히 가세요']);
        expect(first.messages[0]!.channel.channel_id).toBe('lobby');
        const rest = await client.groupChannel.searchMessages('안녕', { limit: 2, next: first.next! });
        expect(rest).toMatchObject({ messages: [{ content: '안녕하세요 여러분' }], next: null });
        expect((await client.groupChannel.searchMessages('안녕', { channelId: 'kr_room' })).messages.map((m) => m.content)).toEqual(['오늘 안녕히 가세요']);
      } finally {
        client.disconnectUser();
      }
    });
  });
});

describe.each(engines)('the search migration on $name', (engine) => {
  it.skipIf(engine.skip)('indexes the messages an older database already holds, and keeps them in step', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-search-migrate-'));
    let databaseUrl: string | undefined;
    let drop: () => Promise<void> = async () => undefined;
    let old: Kysely<unknown>;
    if (engine.name === 'postgres') {
      const db = await createTestDatabase();
      databaseUrl = db.url;
      drop = () => db.drop();
      old = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url }) }) });
    } else {
      old = new Kysely({ dialect: new SqliteDialect({ database: new SQLite(join(dataDir, 'parley.sqlite')) }) });
    }
    try {
      const before = Object.keys(MIGRATIONS).filter((name) => name < '0016');
      const provider = { getMigrations: async () => Object.fromEntries(before.map((n) => [n, MIGRATIONS[n]!])) };
      expect((await new Migrator({ db: old, provider }).migrateToLatest()).error).toBeUndefined();
      const now = Date.now();
      const row = (values: Record<string, unknown>) => values as never;
      await old.insertInto('apps' as never).values(row({ id: 'legacy', api_key: 'k', token_secret: 'legacy-secret-0123456789', webhook_events: '', created_at: now, updated_at: now })).execute();
      await old.insertInto('chat_users' as never).values(row({ app_id: 'legacy', user_id: 'ada', name: 'Ada', profile_url: '', meta: '{}', created_at: now, updated_at: now })).execute();
      await old.insertInto('chat_channels' as never).values(row({ app_id: 'legacy', channel_id: 'old_room', name: 'Old', profile_url: '', meta: '{}', member_key: 'ada', last_message_id: 3, total_message_count: 3, created_at: now, updated_at: now })).execute();
      await old.insertInto('chat_members' as never).values(row({ app_id: 'legacy', channel_id: 'old_room', user_id: 'ada', joined_at: now })).execute();
      const message = (id: number, content: string | null, type = 'text') =>
        row({ app_id: 'legacy', channel_id: 'old_room', message_id: id, type, user_id: 'ada', content, meta: '{}', created_at: now + id, updated_at: now + id, ...(type === 'file' ? { file_key: 'f'.repeat(32), file_name: 'a.txt', file_type: 'text/plain', file_size: 1 } : {}) });
      await old.insertInto('chat_messages' as never).values([message(1, '안녕 old world'), message(2, null, 'file'), message(3, 'Old news')]).execute();
      await old.destroy();

      const storage = await openStorage({ dataDir, databaseUrl });
      try {
        const chat = createChat({ storage, apps: new AppService(storage), dataDir, log: silentLogger(), publicUrl: () => 'http://127.0.0.1' });
        const caller = { appId: 'legacy', userId: 'ada' };
        const contents = async (query: string) => (await chat.search.search(caller, { query })).messages.map((m) => m.content);
        expect(await contents('OLD')).toEqual(['Old news', '안녕 old world']);
        expect(await contents('안녕')).toEqual(['안녕 old world']);
        expect(await contents('old world')).toEqual(['안녕 old world']);
        // The triggers: a deleted old message leaves the index, a new one joins it.
        await chat.messages.delete('legacy', 'old_room', 3);
        expect(await contents('old news')).toEqual([]);
        await chat.messages.sendText(caller, 'old_room', { content: 'new world' });
        expect(await contents('world')).toEqual(['new world', '안녕 old world']);
      } finally {
        await storage.close();
      }
    } finally {
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
