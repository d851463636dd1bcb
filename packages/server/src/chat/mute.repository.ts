/**
 * Kysely queries of channel mutes. Unlike a ban, a mute keeps the membership: the member reads and is
 * refused only at send, by the send's own statement (message.repository.ts).
 */
import type { Kysely, Selectable } from 'kysely';
import type { ChatMuteTable, Database } from '../storage/schema.ts';
import { withEvents, type InTransaction } from './outbox.ts';

export type MuteRow = Selectable<ChatMuteTable>;

export class MuteRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Records the mute, or replaces the one in place (a new length starts now). With `also` (its chat
   * webhook event) the two run in one transaction; without, the upsert is the whole change.
   */
  async mute(row: MuteRow, also?: InTransaction): Promise<void> {
    const upsert = (db: Kysely<Database>) =>
      db
        .insertInto('chat_mutes')
        .values(row)
        .onConflict((oc) => oc.columns(['app_id', 'channel_id', 'user_id']).doUpdateSet({ seconds: row.seconds, description: row.description, created_at: row.created_at, expires_at: row.expires_at }))
        .execute();
    await withEvents(this.db, upsert, also);
  }

  /** The mute in force at `now`, if any. */
  active(appId: string, channelId: string, userId: string, now: number): Promise<MuteRow | undefined> {
    return this.db
      .selectFrom('chat_mutes')
      .selectAll()
      .where('app_id', '=', appId)
      .where('channel_id', '=', channelId)
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  }

  /** `also` (its chat webhook event) runs in the same transaction when a mute was removed. */
  async remove(appId: string, channelId: string, userId: string, also?: InTransaction): Promise<void> {
    const remove = (db: Kysely<Database>) => db.deleteFrom('chat_mutes').where('app_id', '=', appId).where('channel_id', '=', channelId).where('user_id', '=', userId).executeTakeFirst();
    await withEvents(this.db, remove, also, (r) => Number(r.numDeletedRows) > 0);
  }

  list(appId: string, channelId: string, now: number, after: string | undefined, limit: number): Promise<MuteRow[]> {
    let q = this.db.selectFrom('chat_mutes').selectAll().where('app_id', '=', appId).where('channel_id', '=', channelId).where('expires_at', '>', now);
    if (after !== undefined) q = q.where('user_id', '>', after);
    return q.orderBy('user_id').limit(limit).execute();
  }
}
