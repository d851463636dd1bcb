/**
 * Kysely queries of channel bans. A ban removes the membership (and manager role) in the same
 * transaction, under the channel's row lock that joins take too: a join racing a ban never leaves the
 * banned user a member.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ChatBanTable, Database } from '../storage/schema.ts';
import { lockChannel } from './channel.repository.ts';
import { withEvents, type InTransaction } from './outbox.ts';

export type BanRow = Selectable<ChatBanTable>;

/** The ban in force at `now`, if any, read through `db` (which may be a transaction). */
export function activeBan(db: Kysely<Database>, appId: string, channelId: string, userId: string, now: number): Promise<BanRow | undefined> {
  return db
    .selectFrom('chat_bans')
    .selectAll()
    .where('app_id', '=', appId)
    .where('channel_id', '=', channelId)
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export class BanRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records (or replaces) the ban and removes the user from the channel. */
  async ban(row: BanRow, also?: InTransaction): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await lockChannel(tx, row.app_id, row.channel_id);
      const key = (t: 'chat_members' | 'chat_managers' | 'chat_bans') =>
        tx.deleteFrom(t).where('app_id', '=', row.app_id).where('channel_id', '=', row.channel_id).where('user_id', '=', row.user_id);
      await key('chat_members').execute();
      await key('chat_managers').execute();
      await key('chat_bans').execute();
      await tx.insertInto('chat_bans').values(row).execute();
      await also?.(tx);
    });
  }

  /** The ban in force at `now`, if any. */
  active(appId: string, channelId: string, userId: string, now: number): Promise<BanRow | undefined> {
    return activeBan(this.db, appId, channelId, userId, now);
  }

  /** `also` (its chat webhook event) runs in the same transaction when a ban was removed. */
  async remove(appId: string, channelId: string, userId: string, also?: InTransaction): Promise<void> {
    const remove = (db: Kysely<Database>) => db.deleteFrom('chat_bans').where('app_id', '=', appId).where('channel_id', '=', channelId).where('user_id', '=', userId).executeTakeFirst();
    await withEvents(this.db, remove, also, (r) => Number(r.numDeletedRows) > 0);
  }

  list(appId: string, channelId: string, now: number, after: string | undefined, limit: number): Promise<BanRow[]> {
    let q = this.db.selectFrom('chat_bans').selectAll().where('app_id', '=', appId).where('channel_id', '=', channelId).where('expires_at', '>', now);
    if (after !== undefined) q = q.where('user_id', '>', after);
    return q.orderBy('user_id').limit(limit).execute();
  }
}
