/**
 * Kysely queries of channel membership: joining and managers under the channel's row lock (so that
 * their caps hold for concurrent requests), member lists, and the read/delivery receipts, for one
 * channel or a page of them at once.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { ChatMemberTable, Database } from '../storage/schema.ts';
import { activeBan } from './ban.repository.ts';
import { lockChannel } from './channel.repository.ts';
import { withEvents, type InTransaction } from './outbox.ts';
import type { UserRow } from './user.repository.ts';

export type MemberRow = Selectable<ChatMemberTable>;

/** Why a join did not happen ('joined' when it did). */
export type JoinOutcome = 'joined' | 'missing' | 'banned' | 'full' | 'exists';
/** Why a manager was not added ('added' when it was). */
export type AddManagerOutcome = 'added' | 'missing' | 'not_member' | 'exists' | 'full';

export interface Receipt {
  user_id: string;
  read_at: number;
  delivered_at: number;
  /** Messages after the member's last read that still exist. */
  unread: number;
  /** Of those, the ones mentioning the member (migration 0013_threads_mentions). */
  mentions: number;
}

const countIn = async (db: Kysely<Database>, table: 'chat_members' | 'chat_managers', appId: string, channelId: string): Promise<number> => {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('app_id', '=', appId)
    .where('channel_id', '=', channelId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
};

/** Groups rows by their channel (every asked-for channel present, rows in their order), without the channel column. */
function byChannel<T extends { channel_id: string }>(channelIds: readonly string[], rows: readonly T[]): Map<string, Omit<T, 'channel_id'>[]> {
  const out = new Map<string, Omit<T, 'channel_id'>[]>(channelIds.map((id) => [id, []]));
  for (const { channel_id, ...rest } of rows) out.get(channel_id)?.push(rest);
  return out;
}

export class MemberRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Adds the member under the channel's row lock, so that concurrent joins never both take the last of
   * `max` places. Refused (in this order) when the channel is gone, the user is banned at `now`, the
   * channel is full, or the user is a member already. A joiner who was not among the creation members
   * makes the channel no longer reusable, in the same transaction.
   */
  join(appId: string, channelId: string, userId: string, max: number, now: number, also?: InTransaction): Promise<JoinOutcome> {
    return this.db.transaction().execute(async (tx) => {
      const channel = await lockChannel(tx, appId, channelId);
      if (!channel) return 'missing';
      if (await activeBan(tx, appId, channelId, userId, now)) return 'banned';
      if ((await countIn(tx, 'chat_members', appId, channelId)) >= max) return 'full';
      const result = await tx
        .insertInto('chat_members')
        .values({ app_id: appId, channel_id: channelId, user_id: userId, joined_at: now })
        .onConflict((oc) => oc.columns(['app_id', 'channel_id', 'user_id']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) return 'exists';
      if (!channel.member_key.split('\n').includes(userId)) {
        await tx.updateTable('chat_channels').set({ reusable: 0 }).where('app_id', '=', appId).where('channel_id', '=', channelId).execute();
      }
      await also?.(tx);
      return 'joined';
    });
  }

  /** Removes the membership and any manager role; false when not a member. `also` runs when it was one. */
  async remove(appId: string, channelId: string, userId: string, also?: InTransaction): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('chat_managers').where('app_id', '=', appId).where('channel_id', '=', channelId).where('user_id', '=', userId).execute();
      const result = await tx.deleteFrom('chat_members').where('app_id', '=', appId).where('channel_id', '=', channelId).where('user_id', '=', userId).executeTakeFirst();
      const removed = Number(result.numDeletedRows) > 0;
      if (removed) await also?.(tx);
      return removed;
    });
  }

  /** Which of `channelIds` the user is a member of. */
  async memberOf(appId: string, userId: string, channelIds: readonly string[]): Promise<Set<string>> {
    if (channelIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('chat_members')
      .select('channel_id')
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .where('channel_id', 'in', [...channelIds])
      .execute();
    return new Set(rows.map((r) => r.channel_id));
  }

  async memberIds(appId: string, channelId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('chat_members').select('user_id').where('app_id', '=', appId).where('channel_id', '=', channelId).orderBy('user_id').execute();
    return rows.map((r) => r.user_id);
  }

  /** Every channel the user belongs to (a chat connection's internal channels; uses chat_members_by_user). */
  async channelIdsOf(appId: string, userId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('chat_members').select('channel_id').where('app_id', '=', appId).where('user_id', '=', userId).execute();
    return rows.map((r) => r.channel_id);
  }

  /** Members' user rows in id order, after `after`. */
  members(appId: string, channelId: string, after: string | undefined, limit: number): Promise<UserRow[]> {
    let q = this.db
      .selectFrom('chat_members as m')
      .innerJoin('chat_users as u', (j) => j.onRef('u.app_id', '=', 'm.app_id').onRef('u.user_id', '=', 'm.user_id'))
      .selectAll('u')
      .where('m.app_id', '=', appId)
      .where('m.channel_id', '=', channelId);
    if (after !== undefined) q = q.where('m.user_id', '>', after);
    return q.orderBy('m.user_id').limit(limit).execute();
  }

  /** Managers' user rows in id order, after `after` (GET …/managers). */
  managers(appId: string, channelId: string, after: string | undefined, limit: number): Promise<UserRow[]> {
    let q = this.db
      .selectFrom('chat_managers as g')
      .innerJoin('chat_users as u', (j) => j.onRef('u.app_id', '=', 'g.app_id').onRef('u.user_id', '=', 'g.user_id'))
      .selectAll('u')
      .where('g.app_id', '=', appId)
      .where('g.channel_id', '=', channelId);
    if (after !== undefined) q = q.where('g.user_id', '>', after);
    return q.orderBy('g.user_id').limit(limit).execute();
  }

  /** The members of each of `channelIds`, in one query, in user id order. */
  async membersOf(appId: string, channelIds: readonly string[]): Promise<Map<string, UserRow[]>> {
    if (channelIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('chat_members as m')
      .innerJoin('chat_users as u', (j) => j.onRef('u.app_id', '=', 'm.app_id').onRef('u.user_id', '=', 'm.user_id'))
      .selectAll('u')
      .select('m.channel_id')
      .where('m.app_id', '=', appId)
      .where('m.channel_id', 'in', [...channelIds])
      .orderBy('m.channel_id')
      .orderBy('m.user_id')
      .execute();
    return byChannel(channelIds, rows);
  }

  /** The managers of each of `channelIds`, in one query, in user id order. */
  async managersOf(appId: string, channelIds: readonly string[]): Promise<Map<string, UserRow[]>> {
    if (channelIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('chat_managers as g')
      .innerJoin('chat_users as u', (j) => j.onRef('u.app_id', '=', 'g.app_id').onRef('u.user_id', '=', 'g.user_id'))
      .selectAll('u')
      .select('g.channel_id')
      .where('g.app_id', '=', appId)
      .where('g.channel_id', 'in', [...channelIds])
      .orderBy('g.channel_id')
      .orderBy('g.user_id')
      .execute();
    return byChannel(channelIds, rows);
  }

  /**
   * Makes a member a manager under the channel's row lock, so that concurrent requests never set more
   * than `max`. Refused (in this order) when the channel is gone, the user is not a member, is a manager
   * already, or `max` are set. A channel with a manager is no longer reusable (same transaction).
   */
  addManager(appId: string, channelId: string, userId: string, max: number, now: number, also?: InTransaction): Promise<AddManagerOutcome> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await lockChannel(tx, appId, channelId))) return 'missing';
      const member = await tx.selectFrom('chat_members').select('user_id').where('app_id', '=', appId).where('channel_id', '=', channelId).where('user_id', '=', userId).executeTakeFirst();
      if (!member) return 'not_member';
      const manager = await tx.selectFrom('chat_managers').select('user_id').where('app_id', '=', appId).where('channel_id', '=', channelId).where('user_id', '=', userId).executeTakeFirst();
      if (manager) return 'exists';
      if ((await countIn(tx, 'chat_managers', appId, channelId)) >= max) return 'full';
      await tx.insertInto('chat_managers').values({ app_id: appId, channel_id: channelId, user_id: userId, created_at: now }).execute();
      await tx.updateTable('chat_channels').set({ reusable: 0 }).where('app_id', '=', appId).where('channel_id', '=', channelId).execute();
      await also?.(tx);
      return 'added';
    });
  }

  /** `also` (its chat webhook event) runs in the same transaction when the manager role was removed. */
  async removeManager(appId: string, channelId: string, userId: string, also?: InTransaction): Promise<boolean> {
    const remove = (db: Kysely<Database>) => db.deleteFrom('chat_managers').where('app_id', '=', appId).where('channel_id', '=', channelId).where('user_id', '=', userId).executeTakeFirst();
    const made = (r: { numDeletedRows: bigint }) => Number(r.numDeletedRows) > 0;
    return made(await withEvents(this.db, remove, also, made));
  }

  /** Marks everything sent so far as read by the member (its mentions too); false when not a member. */
  async markRead(appId: string, channelId: string, userId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('chat_members')
      .set({
        read_at: now,
        unread_mention_count: 0,
        read_message_id: (eb) =>
          eb.selectFrom('chat_channels as c').select('c.last_message_id').where('c.app_id', '=', appId).where('c.channel_id', '=', channelId),
      })
      .where('app_id', '=', appId)
      .where('channel_id', '=', channelId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async markDelivered(appId: string, channelId: string, userId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('chat_members')
      .set({ delivered_at: now })
      .where('app_id', '=', appId)
      .where('channel_id', '=', channelId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Each member's receipts of each of `channelIds` in one query, in user id order. */
  async receiptsOf(appId: string, channelIds: readonly string[]): Promise<Map<string, Receipt[]>> {
    if (channelIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('chat_members as m')
      .select((eb) => [
        'm.channel_id',
        'm.user_id',
        'm.read_at',
        'm.delivered_at',
        'm.unread_mention_count',
        eb
          .selectFrom('chat_messages as msg')
          .select(sql<number>`count(*)`.as('n'))
          .whereRef('msg.app_id', '=', 'm.app_id')
          .whereRef('msg.channel_id', '=', 'm.channel_id')
          .whereRef('msg.message_id', '>', 'm.read_message_id')
          .as('unread'),
      ])
      .where('m.app_id', '=', appId)
      .where('m.channel_id', 'in', [...channelIds])
      .orderBy('m.channel_id')
      .orderBy('m.user_id')
      .execute();
    return byChannel(
      channelIds,
      rows.map((r) => ({ channel_id: r.channel_id, user_id: r.user_id, read_at: Number(r.read_at), delivered_at: Number(r.delivered_at), unread: Number(r.unread ?? 0), mentions: Number(r.unread_mention_count) })),
    );
  }
}
