/** Kysely queries of group channels (the channel row, a user's role in it, its creation with members, lists, deletion). */
import type { ExpressionBuilder, Kysely, Selectable, Transaction } from 'kysely';
import type { ChatChannelTable, Database } from '../storage/schema.ts';
import type { JoinedChannelOrder } from '@parley/protocol';
import { ordered } from './channel-order.ts';
import { withEvents, type InTransaction } from './outbox.ts';
import type { Contains } from './text-search.ts';

export type ChannelRow = Selectable<ChatChannelTable>;
/** The channel with one user's standing in it (access.ts reads it as a ChannelRole). */
export type ChannelWithRole = ChannelRow & { is_member: boolean; is_manager: boolean; is_banned: boolean; is_muted: boolean };
export type NewChannelRow = Pick<ChannelRow, 'app_id' | 'channel_id' | 'name' | 'profile_url' | 'meta' | 'member_key' | 'is_public' | 'created_at' | 'updated_at'>;
export type ChannelChanges = Partial<Pick<ChannelRow, 'name' | 'profile_url' | 'meta' | 'is_public'>>;

export interface ChannelListQuery {
  after?: string;
  limit: number;
  /** Case-sensitive substring of the name. */
  name?: string;
  /** Only channels this user is a member of. */
  memberId?: string;
  /** Only channels this user may see: its own and the public ones. */
  visibleTo?: string;
  /** Only public (true) or only private (false) channels. */
  isPublic?: boolean;
  /** A joined list's order (channel-order.ts); `after` is then that order's cursor key. Default: by channel id. */
  order?: JoinedChannelOrder;
}

type ChannelAlias = ExpressionBuilder<Database & { c: ChatChannelTable }, 'c'>;

/** `c` has `userId` among its members. */
const hasMember = (eb: ChannelAlias, userId: string) =>
  eb.exists(
    eb
      .selectFrom('chat_members as m')
      .select('m.user_id')
      .whereRef('m.app_id', '=', 'c.app_id')
      .whereRef('m.channel_id', '=', 'c.channel_id')
      .where('m.user_id', '=', userId),
  );

/** `c` has `userId` among its managers. */
const hasManager = (eb: ChannelAlias, userId: string) =>
  eb.exists(
    eb
      .selectFrom('chat_managers as g')
      .select('g.user_id')
      .whereRef('g.app_id', '=', 'c.app_id')
      .whereRef('g.channel_id', '=', 'c.channel_id')
      .where('g.user_id', '=', userId),
  );

/** `userId` is banned from `c` at `now`. */
const bannedAt = (eb: ChannelAlias, userId: string, now: number) =>
  eb.exists(
    eb
      .selectFrom('chat_bans as b')
      .select('b.user_id')
      .whereRef('b.app_id', '=', 'c.app_id')
      .whereRef('b.channel_id', '=', 'c.channel_id')
      .where('b.user_id', '=', userId)
      .where('b.expires_at', '>', now),
  );
const mutedAt = (eb: ChannelAlias, userId: string, now: number) =>
  eb.exists(
    eb
      .selectFrom('chat_mutes as mu')
      .select('mu.user_id')
      .whereRef('mu.app_id', '=', 'c.app_id')
      .whereRef('mu.channel_id', '=', 'c.channel_id')
      .where('mu.user_id', '=', userId)
      .where('mu.expires_at', '>', now),
  );

/**
 * The channel row, locked until the transaction `db` ends (PostgreSQL; SQLite runs one write
 * transaction at a time): the limits checked under it (members, managers) hold for concurrent requests.
 */
export function lockChannel(db: Kysely<Database>, appId: string, channelId: string): Promise<ChannelRow | undefined> {
  return db.selectFrom('chat_channels').selectAll().where('app_id', '=', appId).where('channel_id', '=', channelId).forUpdate().executeTakeFirst();
}

/** 0/1 from SQLite, a boolean from PostgreSQL. */
const truthy = (v: unknown): boolean => v === true || Number(v) === 1;

export class ChannelRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly contains: Contains,
  ) {}

  /** Creates the channel and its members in one transaction; false when the id is taken. `also` gets the channel as inserted. */
  async insert(row: NewChannelRow, memberIds: readonly string[], also?: (tx: Transaction<Database>, channel: ChannelRow) => Promise<void>): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('chat_channels')
        .values(row)
        .onConflict((oc) => oc.columns(['app_id', 'channel_id']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!inserted) return false;
      if (memberIds.length > 0) {
        await tx
          .insertInto('chat_members')
          .values(memberIds.map((user_id) => ({ app_id: row.app_id, channel_id: row.channel_id, user_id, joined_at: row.created_at })))
          .execute();
      }
      await also?.(tx, inserted);
      return true;
    });
  }

  get(appId: string, channelId: string): Promise<ChannelRow | undefined> {
    return this.db.selectFrom('chat_channels').selectAll().where('app_id', '=', appId).where('channel_id', '=', channelId).executeTakeFirst();
  }

  /** The channel and, in the same query, whether `userId` is a member, a manager, or banned at `now`. */
  async withRole(appId: string, channelId: string, userId: string, now: number): Promise<ChannelWithRole | undefined> {
    const row = await this.db
      .selectFrom('chat_channels as c')
      .selectAll('c')
      .select((eb) => [hasMember(eb, userId).as('is_member'), hasManager(eb, userId).as('is_manager'), bannedAt(eb, userId, now).as('is_banned'), mutedAt(eb, userId, now).as('is_muted')])
      .where('c.app_id', '=', appId)
      .where('c.channel_id', '=', channelId)
      .executeTakeFirst();
    return row && { ...row, is_member: truthy(row.is_member), is_manager: truthy(row.is_manager), is_banned: truthy(row.is_banned), is_muted: truthy(row.is_muted) };
  }

  /** Channels of this visibility created with exactly these members that nobody else ever joined and no manager was set on. */
  reusable(appId: string, memberKey: string, isPublic: number): Promise<ChannelRow[]> {
    return this.db
      .selectFrom('chat_channels')
      .selectAll()
      .where('app_id', '=', appId)
      .where('member_key', '=', memberKey)
      .where('reusable', '=', 1)
      .where('is_public', '=', isPublic)
      .orderBy('created_at')
      .execute();
  }

  list(appId: string, query: ChannelListQuery): Promise<ChannelRow[]> {
    let q = this.db.selectFrom('chat_channels as c').selectAll('c').where('c.app_id', '=', appId);
    const { memberId, visibleTo } = query;
    if (memberId !== undefined) q = q.where((eb) => hasMember(eb, memberId));
    if (visibleTo !== undefined) q = q.where((eb) => eb.or([eb('c.is_public', '=', 1), hasMember(eb, visibleTo)]));
    if (query.isPublic !== undefined) q = q.where('c.is_public', '=', query.isPublic ? 1 : 0);
    if (query.name !== undefined && query.name !== '') q = q.where(this.contains('c.name', query.name));
    return ordered(q, query.order, query.after).limit(query.limit).execute();
  }

  /** The channel as the update left it; undefined when there is no such channel. */
  /** `also` (its chat webhook event) runs in the same transaction with the channel as changed. */
  update(appId: string, channelId: string, changes: ChannelChanges & { freeze?: number }, now: number, also?: (tx: Transaction<Database>, row: ChannelRow | undefined) => Promise<void>): Promise<ChannelRow | undefined> {
    const update = (db: Kysely<Database>) =>
      db
        .updateTable('chat_channels')
        .set({ ...changes, updated_at: now })
        .where('app_id', '=', appId)
        .where('channel_id', '=', channelId)
        .returningAll()
        .executeTakeFirst();
    return withEvents(this.db, update, also, (row) => row !== undefined);
  }

  /**
   * Reads, changes and stores the channel's meta under its row lock, so that concurrent changes never
   * undo one another; undefined when there is no such channel. `change` may throw (a limit).
   */
  changeMeta(appId: string, channelId: string, change: (meta: string) => string, now: number): Promise<ChannelRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const row = await lockChannel(tx, appId, channelId);
      if (!row) return undefined;
      const meta = change(row.meta);
      await tx.updateTable('chat_channels').set({ meta, updated_at: now }).where('app_id', '=', appId).where('channel_id', '=', channelId).execute();
      return { ...row, meta, updated_at: now };
    });
  }

  /** Deletes the channel and everything in it; returns the keys of its stored files (to remove from disk). */
  async delete(appId: string, channelId: string, also?: InTransaction): Promise<{ deleted: boolean; fileKeys: string[] }> {
    return this.db.transaction().execute(async (tx) => {
      // The channel row first, as sends and joins lock it: a delete racing them waits instead of deadlocking.
      await lockChannel(tx, appId, channelId);
      const files = await tx
        .selectFrom('chat_messages')
        .select('file_key')
        .where('app_id', '=', appId)
        .where('channel_id', '=', channelId)
        .where('file_key', 'is not', null)
        .execute();
      for (const table of ['chat_messages', 'chat_reactions', 'chat_members', 'chat_managers', 'chat_bans'] as const) {
        await tx.deleteFrom(table).where('app_id', '=', appId).where('channel_id', '=', channelId).execute();
      }
      const result = await tx.deleteFrom('chat_channels').where('app_id', '=', appId).where('channel_id', '=', channelId).executeTakeFirst();
      const deleted = Number(result.numDeletedRows) > 0;
      if (deleted) await also?.(tx);
      return { deleted, fileKeys: files.map((f) => f.file_key!).filter(Boolean) };
    });
  }
}
