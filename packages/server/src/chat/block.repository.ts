/** Kysely queries of user blocks (DESIGN.md, Moderation). */
import type { Kysely, QueryCreator } from 'kysely';
import type { Database } from '../storage/schema.ts';

/**
 * The block that refuses `senderId`'s sends in a 1:1 channel: the other member of a two-member channel
 * blocked it. One definition for the send's own check (the counter statement, message.repository.ts)
 * and for telling a refused send's reason (1022, blockedInOneToOne).
 */
export function oneToOneBlocks(db: QueryCreator<Database>, appId: string, channelId: string, senderId: string) {
  return db
    .selectFrom('chat_blocks as b')
    .innerJoin('chat_members as m', (j) => j.onRef('m.app_id', '=', 'b.app_id').onRef('m.user_id', '=', 'b.user_id'))
    .select('b.user_id')
    .where('b.app_id', '=', appId)
    .where('b.blocked_id', '=', senderId)
    .where('m.channel_id', '=', channelId)
    .where((eb) => eb(eb.selectFrom('chat_members as all').select((e) => e.fn.countAll().as('n')).where('all.app_id', '=', appId).where('all.channel_id', '=', channelId), '=', 2));
}

export class BlockRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** True when the block is new. */
  async add(appId: string, userId: string, blockedId: string, now: number): Promise<boolean> {
    const result = await this.db
      .insertInto('chat_blocks')
      .values({ app_id: appId, user_id: userId, blocked_id: blockedId, created_at: now })
      .onConflict((oc) => oc.columns(['app_id', 'user_id', 'blocked_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** True when there was such a block. */
  async remove(appId: string, userId: string, blockedId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('chat_blocks').where('app_id', '=', appId).where('user_id', '=', userId).where('blocked_id', '=', blockedId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Every user `userId` blocked (a connection reads them once, at connect). */
  async blockedIdsOf(appId: string, userId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('chat_blocks').select('blocked_id').where('app_id', '=', appId).where('user_id', '=', userId).execute();
    return rows.map((r) => r.blocked_id);
  }

  /** One page of the users `userId` blocked, in user id order after `after`. */
  async page(appId: string, userId: string, after: string | undefined, limit: number): Promise<string[]> {
    let q = this.db.selectFrom('chat_blocks').select('blocked_id').where('app_id', '=', appId).where('user_id', '=', userId);
    if (after !== undefined) q = q.where('blocked_id', '>', after);
    return (await q.orderBy('blocked_id').limit(limit).execute()).map((r) => r.blocked_id);
  }

  /** Whether `senderId` is blocked by the other member of a two-member (1:1) channel. */
  async blockedInOneToOne(appId: string, channelId: string, senderId: string): Promise<boolean> {
    const row = await oneToOneBlocks(this.db, appId, channelId, senderId).executeTakeFirst();
    return row !== undefined;
  }
}
