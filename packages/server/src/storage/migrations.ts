/**
 * Schema migrations, applied in name order at start by Kysely's Migrator. One list for both engines:
 * column types are chosen so that SQLite and PostgreSQL read the same values back.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter, sql } from 'kysely';

/** Every migration by name (exported so that a test can build a database as an older version left it). */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_apps': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('apps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('api_key', 'text', (c) => c.notNull())
        .addColumn('token_secret', 'text', (c) => c.notNull())
        .addColumn('webauth_url', 'text')
        .addColumn('webhook_url', 'text')
        .addColumn('webhook_events', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0002_chat': {
    // Every chat table is keyed by app_id first, so no query can reach another app's rows by id alone.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('chat_users')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('profile_url', 'text', (c) => c.notNull())
        .addColumn('meta', 'text', (c) => c.notNull())
        .addColumn('tokens_revoked_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_users_pk', ['app_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('chat_channels')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('profile_url', 'text', (c) => c.notNull())
        .addColumn('meta', 'text', (c) => c.notNull())
        .addColumn('freeze', 'integer', (c) => c.notNull().defaultTo(0))
        // The per-channel message counter: incremented in the sending transaction, so ids have no gaps.
        .addColumn('last_message_id', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('total_message_count', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('total_file_count', 'bigint', (c) => c.notNull().defaultTo(0))
        // Sorted creation members; `reuse` looks channels up by it while `reusable` is still 1.
        .addColumn('member_key', 'text', (c) => c.notNull())
        .addColumn('reusable', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_channels_pk', ['app_id', 'channel_id'])
        .execute();
      await db.schema.createIndex('chat_channels_reuse').on('chat_channels').columns(['app_id', 'member_key']).execute();
      await db.schema
        .createTable('chat_members')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('joined_at', 'bigint', (c) => c.notNull())
        .addColumn('read_message_id', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('read_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('delivered_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('chat_members_pk', ['app_id', 'channel_id', 'user_id'])
        .execute();
      await db.schema.createIndex('chat_members_by_user').on('chat_members').columns(['app_id', 'user_id', 'channel_id']).execute();
      await db.schema
        .createTable('chat_managers')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_managers_pk', ['app_id', 'channel_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('chat_messages')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('content', 'text')
        // A generated name under DATA_DIR/files, never derived from user input.
        .addColumn('file_key', 'text')
        .addColumn('file_name', 'text')
        .addColumn('file_type', 'text')
        .addColumn('file_size', 'bigint')
        .addColumn('meta', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_messages_pk', ['app_id', 'channel_id', 'message_id'])
        .execute();
      await db.schema.createIndex('chat_messages_file').on('chat_messages').column('file_key').execute();
      await db.schema
        .createTable('chat_bans')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('seconds', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_bans_pk', ['app_id', 'channel_id', 'user_id'])
        .execute();
    },
  },
  '0003_channel_visibility': {
    // Channels are private unless made public (DESIGN.md, Visibility): existing ones stay private.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('chat_channels').addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.createIndex('chat_channels_public').on('chat_channels').columns(['app_id', 'is_public', 'channel_id']).execute();
    },
  },
  '0004_user_incarnation': {
    // Carried in every token: a user created again under the same id gets a new one, so the tokens of
    // its earlier life stop verifying. Users of before this migration keep '' until they are recreated.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('chat_users').addColumn('incarnation', 'text', (c) => c.notNull().defaultTo('')).execute();
    },
  },
  '0005_admin': {
    // The operator console: its token (hashed, never the token itself) and the audit log. The audit's
    // app column is named `app`, not `app_id`, on purpose: deleting an app (which empties every table
    // with an app_id) must not erase what operators did to it.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('admin_secrets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('admin_audit')
        // Time-ordered (zero-padded ms + random): both engines sort it as text, no sequence needed.
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('app', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('admin_audit_by_app').on('admin_audit').columns(['app', 'id']).execute();
    },
  },
  '0008_app_settings': {
    // An app's chat settings (PUT /v1/application/settings): the word filter and where chat webhooks go.
    // Apps of before keep an empty filter, no chat webhook, and get their secret when one is first set.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('apps').addColumn('word_filter_words', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      await db.schema.alterTable('apps').addColumn('word_filter_mode', 'text', (c) => c.notNull().defaultTo('mask')).execute();
      await db.schema.alterTable('apps').addColumn('chat_webhook_url', 'text').execute();
      await db.schema.alterTable('apps').addColumn('chat_webhook_events', 'text', (c) => c.notNull().defaultTo('')).execute();
      await db.schema.alterTable('apps').addColumn('chat_webhook_secret', 'text', (c) => c.notNull().defaultTo('')).execute();
    },
  },
  '0009_mutes': {
    // Mutes (DESIGN.md, Moderation): read by every send's own statement, by channel and user.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('chat_mutes')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('seconds', 'bigint', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_mutes_pk', ['app_id', 'channel_id', 'user_id'])
        .execute();
    },
  },
  '0010_reports': {
    // Reports, listed newest first per app (the id sorts in time order), optionally by target.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('chat_reports')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('report_id', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text')
        .addColumn('message_id', 'bigint')
        .addColumn('user_id', 'text')
        .addColumn('reporter', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_reports_pk', ['app_id', 'report_id'])
        .execute();
    },
  },
  '0011_blocks': {
    // Blocks, read by blocker (its list, its connections, its history) and by blocked user (1:1 sends).
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('chat_blocks')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('blocked_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_blocks_pk', ['app_id', 'user_id', 'blocked_id'])
        .execute();
      await db.schema.createIndex('chat_blocks_by_blocked').on('chat_blocks').columns(['app_id', 'blocked_id']).execute();
    },
  },
  '0012_message_actions': {
    // Edits, reactions and pins (DESIGN.md, Chat beyond the seed). A message's edit time (null: never
    // edited); a channel's pins as a JSON array of message ids, newest first (at most 10, so every channel
    // presentation carries them without a query); reactions one row per (message, key, user), read per page.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('chat_messages').addColumn('edited_at', 'bigint').execute();
      await db.schema.alterTable('chat_channels').addColumn('pinned_message_ids', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      await db.schema
        .createTable('chat_reactions')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'bigint', (c) => c.notNull())
        .addColumn('reaction_key', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_reactions_pk', ['app_id', 'channel_id', 'message_id', 'reaction_key', 'user_id'])
        .execute();
    },
  },
  '0013_threads_mentions': {
    // Threads (a reply names its top-level parent, which keeps its thread's counters), mentions (a member's
    // unread mentions), and the time of a channel's last message (joined lists ordered by it).
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('chat_messages').addColumn('parent_message_id', 'bigint').execute();
      await db.schema.alterTable('chat_messages').addColumn('mentioned_user_ids', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      await db.schema.alterTable('chat_messages').addColumn('reply_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('chat_messages').addColumn('last_replied_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('chat_messages').addColumn('reply_user_ids', 'text', (c) => c.notNull().defaultTo('')).execute();
      await db.schema.createIndex('chat_messages_by_parent').on('chat_messages').columns(['app_id', 'channel_id', 'parent_message_id', 'message_id']).execute();
      await db.schema.alterTable('chat_members').addColumn('unread_mention_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('chat_channels').addColumn('last_message_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await sql`update chat_channels set last_message_at = coalesce((select max(m.created_at) from chat_messages m where m.app_id = chat_channels.app_id and m.channel_id = chat_channels.channel_id), 0)`.execute(db);
    },
  },
  '0014_chat_outbox': {
    // Chat webhook events, written in the transaction of the change that causes them (chat/outbox.ts);
    // the id is time-ordered text (zero-padded ms + node-local counter + random), the delivery id.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('chat_outbox')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        // The channel whose events keep their order ('' for none).
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('last_error', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_outbox_pk', ['app_id', 'id'])
        .execute();
      await db.schema.createIndex('chat_outbox_by_status').on('chat_outbox').columns(['status', 'id']).execute();
      // A channel's pending rows in order: its head, and what follows it.
      await db.schema.createIndex('chat_outbox_by_channel').on('chat_outbox').columns(['app_id', 'channel_id', 'status', 'id']).execute();
      // One row: which node dispatches, until when (outbox-dispatcher.ts).
      await db.schema
        .createTable('chat_outbox_lease')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0015_push_tokens': {
    // Push tokens per user and device (chat/push-token.repository.ts), listed by the push hand-off.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('chat_push_tokens')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_push_tokens_pk', ['app_id', 'user_id', 'token'])
        .execute();
    },
  },
  '0016_message_search': {
    // Substring search (DESIGN.md, Search). SQLite: an FTS5 trigram index over chat_messages.content
    // (external content, so the text is stored once), kept in step by triggers, filled with the
    // messages already stored. PostgreSQL: pg_trgm's GIN index on the column itself. Queries shorter
    // than a trigram cannot use either index; chat/message-search.ts says what they do instead.
    async up(db: Kysely<unknown>) {
      // Newest first across channels, in the results' order: a common word's first page is read off it
      // (each row tested against the text index) instead of sorting every match.
      await db.schema.createIndex('chat_messages_by_time').on('chat_messages').columns(['app_id', 'created_at', 'channel_id', 'message_id']).execute();
      if (db.getExecutor().adapter instanceof PostgresAdapter) {
        await sql`create extension if not exists pg_trgm`.execute(db);
        await sql`create index chat_messages_content_trgm on chat_messages using gin (content gin_trgm_ops)`.execute(db);
        return;
      }
      // Keyed by chat_messages' rowid (a composite primary key leaves the implicit one). VACUUM may
      // renumber rowids of such a table; after one, rebuild: insert into chat_messages_fts(chat_messages_fts) values('rebuild').
      await sql`create virtual table chat_messages_fts using fts5(content, content='chat_messages', content_rowid='rowid', tokenize='trigram')`.execute(db);
      await sql`create trigger chat_messages_fts_insert after insert on chat_messages when new.content is not null begin
        insert into chat_messages_fts(rowid, content) values (new.rowid, new.content); end`.execute(db);
      await sql`create trigger chat_messages_fts_delete after delete on chat_messages when old.content is not null begin
        insert into chat_messages_fts(chat_messages_fts, rowid, content) values ('delete', old.rowid, old.content); end`.execute(db);
      // One trigger, old text out before new text in: as two, SQLite fired the newer first, and the
      // delete then took away the trigrams the edit kept (an edited message was no longer found by them).
      await sql`create trigger chat_messages_fts_update after update of content on chat_messages begin
        insert into chat_messages_fts(chat_messages_fts, rowid, content) select 'delete', old.rowid, old.content where old.content is not null;
        insert into chat_messages_fts(rowid, content) select new.rowid, new.content where new.content is not null; end`.execute(db);
      // Not 'rebuild': that would also index the rows without text, which no trigger ever removes.
      await sql`insert into chat_messages_fts(rowid, content) select rowid, content from chat_messages where content is not null`.execute(db);
    },
  },
  '0017_exports': {
    // Export jobs (DESIGN.md, Export): one row per job, claimed under a lease so that a job whose node
    // died is taken up again (by id alone for the download route).
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('chat_exports')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('export_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text')
        .addColumn('from_at', 'bigint')
        .addColumn('to_at', 'bigint')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('error', 'text')
        .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expires_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_exports_pk', ['app_id', 'export_id'])
        .execute();
      await db.schema.createIndex('chat_exports_by_id').on('chat_exports').column('export_id').unique().execute();
      await db.schema.createIndex('chat_exports_by_status').on('chat_exports').columns(['status', 'app_id']).execute();
    },
  },
  '0018_chat_outbox_heads': {
    // The dispatcher finds each channel's head by one index seek from the channel before it (status
    // first, so that delivered and failed rows are never walked); the index it replaces put the channel
    // first and served only the reads of one channel.
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('chat_outbox_pending').on('chat_outbox').columns(['status', 'app_id', 'channel_id', 'id']).execute();
      await db.schema.dropIndex('chat_outbox_by_channel').execute();
    },
  },
};

class InlineMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...MIGRATIONS };
  }
}

/** Brings the schema up to date; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({ db, provider: new InlineMigrationProvider() });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${String(error)}`, { cause: error });
  }
}

/** Names of the migrations not applied yet (`parley check`: what the next start will change). */
export async function pendingMigrations(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InlineMigrationProvider() });
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}
