/** Kysely queries of channel membership: members, managers and the read/delivery receipts. */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { ChatMemberTable, Database } from '../storage/schema.ts';
import type { UserRow } from './user.repository.ts';

export type MemberRow = Selectable<ChatMemberTable>;

export class MemberRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** False when already a member. */
  async add(appId: string, channelId: string, userId: string, now: number): Promise<boolean> {
    const result = await this.db
      .insertInto('chat_members')
      .values({ app_id: appId, channel_id: channelId, user_id: userId, joined_at: now })
      .onConflict((oc) => oc.columns(['app_id', 'channel_id', 'user_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Removes the membership and any manager role; false when not a member. */
  async remove(appId: string, channelId: string, userId: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('chat_managers').where('app_id', '=', appId).where('channel_id', '=', channelId).where('user_id', '=', userId).execute();
      const result = await tx.deleteFrom('chat_members').where('app_id', '=', appId).where('channel_id', '=', channelId).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async isMember(appId: string, channelId: string, userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('chat_members')
      .select('user_id')
      .where('app_id', '=', appId)
      .where('channel_id', '=', channelId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row !== undefined;
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

  async count(appId: string, channelId: string): Promise<number> {
    const row = await this.db
      .selectFrom('chat_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('app_id', '=', appId)
      .where('channel_id', '=', channelId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
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

  managers(appId: string, channelId: string): Promise<UserRow[]> {
    return this.db
      .selectFrom('chat_managers as g')
      .innerJoin('chat_users as u', (j) => j.onRef('u.app_id', '=', 'g.app_id').onRef('u.user_id', '=', 'g.user_id'))
      .selectAll('u')
      .where('g.app_id', '=', appId)
      .where('g.channel_id', '=', channelId)
      .orderBy('g.user_id')
      .execute();
  }

  async isManager(appId: string, channelId: string, userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('chat_managers')
      .select('user_id')
      .where('app_id', '=', appId)
      .where('channel_id', '=', channelId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Adds a manager unless `max` are already set; 'exists' / 'full' say why not. */
  async addManager(appId: string, channelId: string, userId: string, max: number, now: number): Promise<'added' | 'exists' | 'full'> {
    return this.db.transaction().execute(async (tx) => {
      const rows = await tx.selectFrom('chat_managers').select('user_id').where('app_id', '=', appId).where('channel_id', '=', channelId).execute();
      if (rows.some((r) => r.user_id === userId)) return 'exists';
      if (rows.length >= max) return 'full';
      await tx.insertInto('chat_managers').values({ app_id: appId, channel_id: channelId, user_id: userId, created_at: now }).execute();
      return 'added';
    });
  }

  async removeManager(appId: string, channelId: string, userId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('chat_managers')
      .where('app_id', '=', appId)
      .where('channel_id', '=', channelId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Marks everything sent so far as read by the member; false when not a member. */
  async markRead(appId: string, channelId: string, userId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('chat_members')
      .set({
        read_at: now,
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

  /** Each member's receipts and unread count (messages after its last read that still exist). */
  receipts(appId: string, channelId: string): Promise<Array<{ user_id: string; read_at: number; delivered_at: number; unread: number }>> {
    return this.db
      .selectFrom('chat_members as m')
      .select((eb) => [
        'm.user_id',
        'm.read_at',
        'm.delivered_at',
        eb
          .selectFrom('chat_messages as msg')
          .select(sql<number>`count(*)`.as('n'))
          .whereRef('msg.app_id', '=', 'm.app_id')
          .whereRef('msg.channel_id', '=', 'm.channel_id')
          .whereRef('msg.message_id', '>', 'm.read_message_id')
          .as('unread'),
      ])
      .where('m.app_id', '=', appId)
      .where('m.channel_id', '=', channelId)
      .orderBy('m.user_id')
      .execute()
      .then((rows) => rows.map((r) => ({ user_id: r.user_id, read_at: Number(r.read_at), delivered_at: Number(r.delivered_at), unread: Number(r.unread ?? 0) })));
  }
}
