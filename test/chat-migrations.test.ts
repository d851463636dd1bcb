/**
 * Upgrading a database an earlier version left (migrations 0001–0002 only), on SQLite and PostgreSQL:
 * the security migrations add `chat_channels.is_public` (existing channels stay private) and
 * `chat_users.incarnation` (existing users keep working: their new tokens verify).
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

const OLD = ['0001_apps', '0002_chat'];
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const engines = [
  { name: 'sqlite', skip: false },
  { name: 'postgres', skip: !(await postgresAvailable()) },
];

describe.each(engines)('migrating an older database on $name', ({ name, skip }) => {
  it.skipIf(skip)('keeps existing channels private and existing users able to sign in', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-migrate-'));
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
    const provider = { getMigrations: async () => Object.fromEntries(OLD.map((n) => [n, MIGRATIONS[n]!])) };
    expect((await new Migrator({ db: old, provider }).migrateToLatest()).error).toBeUndefined();
    const now = Date.now();
    await old.insertInto('apps' as never).values({ id: 'legacy', api_key: 'k', token_secret: 'legacy-secret-0123456789', webhook_events: '', created_at: now, updated_at: now } as never).execute();
    await old.insertInto('chat_users' as never).values({ app_id: 'legacy', user_id: 'ada', name: 'Ada', profile_url: '', meta: '{}', created_at: now, updated_at: now } as never).execute();
    await old
      .insertInto('chat_channels' as never)
      .values({ app_id: 'legacy', channel_id: 'old_room', name: 'Old', profile_url: '', meta: '{}', member_key: 'ada', created_at: now, updated_at: now } as never)
      .execute();
    await old.destroy();

    const storage = await openStorage({ dataDir, databaseUrl });
    try {
      const apps = new AppService(storage);
      const chat = createChat({ storage, apps, dataDir, log: silentLogger(), publicUrl: () => 'http://127.0.0.1' });
      expect(await chat.channels.get('legacy', 'old_room', {})).toMatchObject({ channel_id: 'old_room', is_public: false });
      const app = (await apps.get('legacy'))!;
      const { token } = await chat.users.issueToken(app, 'ada', now + 60_000);
      await expect(chat.users.verifySession(app, 'ada', token)).resolves.toMatchObject({ user: { user_id: 'ada' }, claims: { inc: '' } });
      // Recreated, the user gets an incarnation of its own and the old token stops verifying.
      await chat.users.delete('legacy', 'ada');
      await chat.users.create('legacy', { user_id: 'ada', name: 'Ada again' });
      await expect(chat.users.verifySession(app, 'ada', token)).rejects.toMatchObject({ code: 4001 });
    } finally {
      await storage.close();
    }
  });
});
