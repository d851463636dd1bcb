/**
 * Kysely queries of a user's unread state over all its channels: the totals in one statement, and the
 * read of many channels (all of them, or those listed) in one.
 */
import { sql, type Kysely } from 'kysely';
import type { ChatUnreadCount } from '@parley/protocol';
import type { Database } from '../storage/schema.ts';
import type { ChannelRow } from './channel.repository.ts';

export class UnreadRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The user's unread totals: messages after its last read that still exist, channels holding any,
   * unread mentions. Undefined when there is no such user (same statement).
   */
  async totals(appId: string, userId: string): Promise<ChatUnreadCount | undefined> {
    const perChannel = this.db
      .selectFrom('chat_members as m')
      .select((eb) => [
        'm.unread_mention_count as mentions',
        eb
          .selectFrom('chat_messages as msg')
          .select(sql<number>`count(*)`.as('n'))
          .whereRef('msg.app_id', '=', 'm.app_id')
          .whereRef('msg.channel_id', '=', 'm.channel_id')
          .whereRef('msg.message_id', '>', 'm.read_message_id')
          .as('n'),
      ])
      .where('m.app_id', '=', appId)
      .where('m.user_id', '=', userId)
      .as('pc');
    const row = await this.db
      .selectFrom(perChannel)
      .select((eb) => [
        sql<number>`coalesce(sum(pc.n), 0)`.as('messages'),
        sql<number>`coalesce(sum(case when pc.n > 0 then 1 else 0 end), 0)`.as('channels'),
        sql<number>`coalesce(sum(pc.mentions), 0)`.as('mentions'),
        eb.selectFrom('chat_users as u').select(sql<number>`count(*)`.as('c')).where('u.app_id', '=', appId).where('u.user_id', '=', userId).as('found'),
      ])
      .executeTakeFirstOrThrow();
    if (Number(row.found) === 0) return undefined;
    return { unread_message_count: Number(row.messages), unread_channel_count: Number(row.channels), unread_mention_count: Number(row.mentions) };
  }

  /** Marks everything sent so far read in the user's channels (only `channelIds` when given); answers the channels marked. */
  async markRead(appId: string, userId: string, channelIds: readonly string[] | undefined, now: number): Promise<string[]> {
    let q = this.db
      .updateTable('chat_members')
      .set((eb) => ({
        read_at: now,
        unread_mention_count: 0,
        read_message_id: eb
          .selectFrom('chat_channels as c')
          .select('c.last_message_id')
          .whereRef('c.app_id', '=', 'chat_members.app_id')
          .whereRef('c.channel_id', '=', 'chat_members.channel_id'),
      }))
      .where('app_id', '=', appId)
      .where('user_id', '=', userId);
    if (channelIds !== undefined) q = q.where('channel_id', 'in', [...channelIds]);
    const rows = await q.returning('channel_id').execute();
    return rows.map((r) => r.channel_id).sort();
  }

  /** The listed channels' rows, in channel id order. */
  channels(appId: string, channelIds: readonly string[]): Promise<ChannelRow[]> {
    if (channelIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('chat_channels').selectAll().where('app_id', '=', appId).where('channel_id', 'in', [...channelIds]).orderBy('channel_id').execute();
  }
}
