/**
 * Upgrading a database that predates 0013_threads_mentions, on SQLite and PostgreSQL: existing messages
 * become top-level messages without mentions or thread, existing members have no unread mention, and
 * each channel's last_message_at is filled from its newest message (so `order=latest_last_message`
 * lists old channels by their real activity).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { AppService } from '../packages/server/src/apps/app.service.ts';
import { createChat } from '../packages/server/src/chat/chat.ts';
import { silentLogger } from '../packages/server/src/logger.ts';
import { MIGRATIONS } from '../packages/server/src/storage/migrations.ts';
import { openStorage } from '../packages/server/src/storage/database.ts';
import { createTestDatabase, postgresAvailable } from './support/services.ts';

const BEFORE = Object.keys(MIGRATIONS).filter((name) => name < '0013_threads_mentions');
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const engines = [
  { name: 'sqlite', skip: false },
  { name: 'postgres', skip: !(await postgresAvailable()) },
];

describe.each(engines)('migrating to 0013_threads_mentions on $name', ({ name, skip }) => {
  it.skipIf(skip)('keeps old messages top-level and orders old channels by their newest message', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-migrate-13-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let databaseUrl: string | undefined;
    let old: Kysely<unknown>;
    if (name === 'postgres') {
      const db = await createTestDatabase();
      cleanups.push(() => db.drop());
      databaseUrl = db.url;
      old = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url }) }) });
    } else {
      old = new Kysely({ dialect: new SqliteDialect({ database: new SQLite(join(dataDir, 'parley.sqlite')) }) });
    }
    const provider = { getMigrations: async () => Object.fromEntries(BEFORE.map((n) => [n, MIGRATIONS[n]!])) };
    expect((await new Migrator({ db: old, provider }).migrateToLatest()).error).toBeUndefined();
    const t = Date.now() - 60_000;
    const insert = (table: string, values: Record<string, unknown>) => old.insertInto(table as never).values(values as never).execute();
    await insert('apps', { id: 'legacy', api_key: 'k', token_secret: 'legacy-secret-0123456789', webhook_events: '', created_at: t, updated_at: t });
    await insert('chat_users', { app_id: 'legacy', user_id: 'ada', name: 'Ada', profile_url: '', meta: '{}', incarnation: '', created_at: t, updated_at: t });
    // quiet_room is the newer channel, busy_room had the newer message.
    for (const [id, created] of [['busy_room', t], ['quiet_room', t + 1000]] as const) {
      await insert('chat_channels', { app_id: 'legacy', channel_id: id, name: id, profile_url: '', meta: '{}', member_key: 'ada', last_message_id: 1, total_message_count: 1, created_at: created, updated_at: created });
      await insert('chat_members', { app_id: 'legacy', channel_id: id, user_id: 'ada', joined_at: created });
    }
    await insert('chat_messages', { app_id: 'legacy', channel_id: 'quiet_room', message_id: 1, type: 'text', user_id: 'ada', content: 'early', meta: '{}', created_at: t + 2000, updated_at: t + 2000 });
    await insert('chat_messages', { app_id: 'legacy', channel_id: 'busy_room', message_id: 1, type: 'text', user_id: 'ada', content: 'late', meta: '{}', created_at: t + 5000, updated_at: t + 5000 });
    await old.destroy();

    const storage = await openStorage({ dataDir, databaseUrl });
    try {
      const apps = new AppService(storage);
      const chat = createChat({ storage, apps, dataDir, log: silentLogger(), publicUrl: () => 'http://127.0.0.1' });
      const listed = await chat.channels.list('legacy', { order: 'latest_last_message', show_unread: true }, { joinedBy: 'ada' });
      expect(listed.channels.map((c) => c.channel_id)).toEqual(['busy_room', 'quiet_room']);
      const chronological = await chat.channels.list('legacy', { order: 'chronological' }, { joinedBy: 'ada' });
      expect(chronological.channels.map((c) => c.channel_id)).toEqual(['quiet_room', 'busy_room']);
      const { messages } = await chat.messages.list('legacy', 'busy_room', {});
      expect(messages).toHaveLength(1);
      expect(messages[0]).not.toHaveProperty('parent_message_id');
      expect(messages[0]).not.toHaveProperty('thread_info');
      expect(messages[0]).not.toHaveProperty('mentioned_user_ids');
      expect(await chat.unread.totals('legacy', 'ada')).toEqual({ unread_message_count: 2, unread_channel_count: 2, unread_mention_count: 0 });
      // The old message takes replies like any top-level message.
      const reply = await chat.messages.sendText('legacy', 'busy_room', { user_id: 'ada', content: 'reply', parent_message_id: 1 });
      expect(reply).toMatchObject({ message_id: 2, parent_message_id: 1 });
      expect((await chat.messages.list('legacy', 'busy_room', {})).messages[0]?.thread_info).toMatchObject({ reply_count: 1, reply_user_ids: ['ada'] });
    } finally {
      await storage.close();
    }
  });
});
