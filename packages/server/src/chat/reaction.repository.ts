/**
 * Kysely queries of message reactions (DESIGN.md, Reactions): one row per message, key and user. A
 * message query reads its messages' reactions in the same statement (`reactionRowsFor`). An add runs
 * under the message's row lock, so that the distinct-key limit holds for concurrent adds on
 * PostgreSQL (SQLite runs one write transaction at a time).
 */
import type { ChatReaction } from '@parley/protocol';
import { sql, type Kysely, type Transaction } from 'kysely';
import { jsonArrayFrom as pgJsonArrayFrom } from 'kysely/helpers/postgres';
import { jsonArrayFrom as sqliteJsonArrayFrom } from 'kysely/helpers/sqlite';
import type { Engine } from '../storage/database.ts';
import type { Database } from '../storage/schema.ts';
import type { InTransaction } from './outbox.ts';

/** What an add or a removal did. */
export type ReactionChange =
  /** No such message in the channel. */
  | 'missing'
  /** The message already carries `max` distinct keys and this one is new. */
  | 'limit'
  /** Nothing to do: the user had (add) or had not (remove) reacted with the key. */
  | 'unchanged'
  | 'changed';

/**
 * The column `reaction_rows` of a message query whose messages are aliased `m`: its reactions as a JSON
 * array of rows, in the order they were made, read by the same statement (one engine hook: SQLite's
 * json_group_array or PostgreSQL's json_agg, through Kysely's helpers). `reactionsOf` reads it.
 * @example db.selectFrom('chat_messages as m').selectAll('m').select(reactionRows())
 */
export function reactionRowsFor(db: Kysely<Database>, engine: Engine) {
  const jsonArrayFrom = engine === 'postgres' ? pgJsonArrayFrom : sqliteJsonArrayFrom;
  return () =>
    jsonArrayFrom(
      db
        .selectFrom('chat_reactions as r')
        .select(['r.reaction_key', 'r.user_id', 'r.updated_at'])
        .where('r.app_id', '=', sql.ref<string>('m.app_id'))
        .where('r.channel_id', '=', sql.ref<string>('m.channel_id'))
        .where('r.message_id', '=', sql.ref<number>('m.message_id'))
        .orderBy('r.created_at')
        .orderBy('r.user_id'),
    ).as('reaction_rows');
}

interface ReactionRow {
  reaction_key: string;
  user_id: string;
  updated_at: number;
}

/**
 * A message's reactions from its `reaction_rows` (a JSON string on SQLite, parsed already on
 * PostgreSQL): keys in the order they were first used, users in the order they reacted.
 */
export function reactionsOf(rows: unknown): ChatReaction[] {
  const list = (typeof rows === 'string' ? JSON.parse(rows) : rows) as ReactionRow[] | null | undefined;
  const byKey = new Map<string, ChatReaction>();
  for (const r of list ?? []) {
    const reaction = byKey.get(r.reaction_key) ?? { key: r.reaction_key, user_ids: [], updated_at: 0 };
    reaction.user_ids.push(r.user_id);
    reaction.updated_at = Math.max(reaction.updated_at, Number(r.updated_at));
    byKey.set(r.reaction_key, reaction);
  }
  return [...byKey.values()];
}

/** Takes the message's row lock (concurrent changes of its reactions queue behind it); false when there is no such message. */
async function lockMessage(tx: Transaction<Database>, appId: string, channelId: string, messageId: number): Promise<boolean> {
  const message = await tx
    .selectFrom('chat_messages')
    .select('message_id')
    .where('app_id', '=', appId)
    .where('channel_id', '=', channelId)
    .where('message_id', '=', messageId)
    .forUpdate()
    .executeTakeFirst();
  return message !== undefined;
}

export class ReactionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Adds `userId`'s reaction `key` unless the message would then carry more than `max` distinct keys. */
  add(appId: string, channelId: string, messageId: number, key: string, userId: string, max: number, now: number, also?: InTransaction): Promise<ReactionChange> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await lockMessage(tx, appId, channelId, messageId))) return 'missing';
      const used = await tx
        .selectFrom('chat_reactions')
        .select('reaction_key')
        .distinct()
        .where('app_id', '=', appId)
        .where('channel_id', '=', channelId)
        .where('message_id', '=', messageId)
        .execute();
      if (!used.some((u) => u.reaction_key === key) && used.length >= max) return 'limit';
      const inserted = await tx
        .insertInto('chat_reactions')
        .values({ app_id: appId, channel_id: channelId, message_id: messageId, reaction_key: key, user_id: userId, created_at: now, updated_at: now })
        .onConflict((oc) => oc.columns(['app_id', 'channel_id', 'message_id', 'reaction_key', 'user_id']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return 'unchanged';
      await also?.(tx);
      return 'changed';
    });
  }

  /** Takes back `userId`'s reaction `key`; the key's other rows record the change time. */
  remove(appId: string, channelId: string, messageId: number, key: string, userId: string, now: number, also?: InTransaction): Promise<ReactionChange> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await lockMessage(tx, appId, channelId, messageId))) return 'missing';
      const deleted = await tx
        .deleteFrom('chat_reactions')
        .where('app_id', '=', appId)
        .where('channel_id', '=', channelId)
        .where('message_id', '=', messageId)
        .where('reaction_key', '=', key)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) return 'unchanged';
      await tx
        .updateTable('chat_reactions')
        .set({ updated_at: now })
        .where('app_id', '=', appId)
        .where('channel_id', '=', channelId)
        .where('message_id', '=', messageId)
        .where('reaction_key', '=', key)
        .execute();
      await also?.(tx);
      return 'changed';
    });
  }
}
