/**
 * The statements a reply or a mention adds to a send (message.repository.ts `insertIn`), all inside the
 * send's transaction. Their checks ride on the send's first statement (the channel counter's UPDATE):
 * the parent is a top-level message of the channel and every mentioned user a member, so a refused
 * reply or mention writes nothing and fails alone in a group commit. Then a reply moves its parent's
 * thread counters (one UPDATE … RETURNING, the parent as left for the event) and a mention raises the
 * mentioned members' unread mention counts (one UPDATE).
 *
 * A thread's recent repliers are kept in one text column, newest first, each id followed by "\n"
 * (user ids never hold one), cut at what five of the longest ids take: the update prepends the replier
 * and removes its earlier place in the same expression, so no read-modify-write is needed.
 */
import { CHAT_LIMITS } from '@parley/protocol';
import { sql, type Expression, type ExpressionBuilder, type SqlBool, type Transaction } from 'kysely';
import type { Database } from '../storage/schema.ts';
import type { MessageWithUser, NewMessageRow } from './message.repository.ts';

/** Room for the most recent repliers: each id at its longest, and its "\n". */
const REPLIERS_MAX_CHARS = CHAT_LIMITS.threadRepliersMax * (CHAT_LIMITS.userIdMax + 1);

/** The users a message row mentions (its JSON column). */
export function mentionedIn(row: Pick<NewMessageRow, 'mentioned_user_ids'>): string[] {
  try {
    const ids: unknown = JSON.parse(row.mentioned_user_ids);
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

/** The recent repliers of a thread, newest first, as stored by `updateThread`. */
export function repliersOf(stored: string): string[] {
  // The last piece is "" or an id cut at the column's length: never one of the first few.
  return stored.split('\n').slice(0, -1).slice(0, CHAT_LIMITS.threadRepliersMax);
}

/**
 * Conditions of the send's counter UPDATE (on `chat_channels`): the parent exists in the channel and is
 * top-level; every mentioned user is a member.
 */
export function threadConditions(
  eb: ExpressionBuilder<Database, 'chat_channels'>,
  appId: string,
  channelId: string,
  parentId: number | undefined,
  mentioned: readonly string[],
): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [];
  if (parentId !== undefined) {
    conditions.push(
      eb.exists(
        eb
          .selectFrom('chat_messages as p')
          .select('p.message_id')
          .where('p.app_id', '=', appId)
          .where('p.channel_id', '=', channelId)
          .where('p.message_id', '=', parentId)
          .where('p.parent_message_id', 'is', null),
      ),
    );
  }
  if (mentioned.length > 0) {
    const members = eb
      .selectFrom('chat_members as mm')
      .select((e) => e.fn.countAll().as('n'))
      .where('mm.app_id', '=', appId)
      .where('mm.channel_id', '=', channelId)
      .where('mm.user_id', 'in', [...mentioned]);
    conditions.push(eb(members, '=', mentioned.length));
  }
  return conditions;
}

/** Counts the reply in its parent's thread; answers the parent as it now is (undefined: gone or not top-level). */
export async function updateThread(tx: Transaction<Database>, appId: string, channelId: string, parentId: number, replier: string, at: number): Promise<MessageWithUser | undefined> {
  // The parent's sender, correlated with the updated row (its profile comes back with the statement).
  const user = tx.selectFrom('chat_users as u').where(sql<SqlBool>`u.app_id = chat_messages.app_id and u.user_id = chat_messages.user_id`);
  const row = await tx
    .updateTable('chat_messages')
    .set((eb) => ({
      reply_count: eb('reply_count', '+', 1),
      last_replied_at: at,
      reply_user_ids: sql<string>`substr(cast(${replier} as text) || replace(cast(${'\n'} as text) || reply_user_ids, cast(${`\n${replier}\n`} as text), cast(${'\n'} as text)), 1, ${sql.lit(REPLIERS_MAX_CHARS)})`,
    }))
    .where('app_id', '=', appId)
    .where('channel_id', '=', channelId)
    .where('message_id', '=', parentId)
    .where('parent_message_id', 'is', null)
    .returningAll()
    .returning([
      user.select('u.name').as('user_name'),
      user.select('u.profile_url').as('user_profile_url'),
      user.select('u.meta').as('user_meta'),
      user.select('u.created_at').as('user_created_at'),
      user.select('u.updated_at').as('user_updated_at'),
    ])
    .executeTakeFirst();
  return row && { ...row, message_id: Number(row.message_id) };
}

/**
 * Raises the unread mention count of the listed members, but of those who blocked the sender (they
 * receive nothing from it); answers those it raised.
 */
export async function raiseMentions(tx: Transaction<Database>, appId: string, channelId: string, sender: string, userIds: readonly string[]): Promise<string[]> {
  const rows = await tx
    .updateTable('chat_members')
    .set((eb) => ({ unread_mention_count: eb('unread_mention_count', '+', 1) }))
    .where('app_id', '=', appId)
    .where('channel_id', '=', channelId)
    .where('user_id', 'in', [...userIds])
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('chat_blocks as bl')
            .select('bl.user_id')
            .whereRef('bl.app_id', '=', 'chat_members.app_id')
            .whereRef('bl.user_id', '=', 'chat_members.user_id')
            .where('bl.blocked_id', '=', sender),
        ),
      ),
    )
    .returning('user_id')
    .execute();
  return rows.map((r) => r.user_id).sort();
}
