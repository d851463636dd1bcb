/**
 * Kysely queries of message reactions (DESIGN.md, Reactions): one row per message, key and user. A
 * page of messages reads the reactions of all its messages in one query (`reactionsOf`). An add runs
 * under the message's row lock, so that the distinct-key limit holds for concurrent adds on
 * PostgreSQL (SQLite runs one write transaction at a time).
 */
import type { ChatReaction } from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';

/** A message a reaction is for. */
export interface MessageKey {
  channel_id: string;
  message_id: number;
}

/** What an add or a removal did. */
export type ReactionChange =
  /** No such message in the channel. */
  | 'missing'
  /** The message already carries `max` distinct keys and this one is new. */
  | 'limit'
  /** Nothing to do: the user had (add) or had not (remove) reacted with the key. */
  | 'unchanged'
  | 'changed';

const messageKeyOf = (channelId: string, messageId: number): string => `${channelId}\n${messageId}`;

/**
 * The reactions of each listed message, by `channel_id\nmessage_id` (see `reactionKeyOf`): keys in the
 * order they were first used, users in the order they reacted. One query for any number of messages.
 */
export async function reactionsOf(db: Kysely<Database>, appId: string, messages: readonly MessageKey[]): Promise<Map<string, ChatReaction[]>> {
  const out = new Map<string, ChatReaction[]>();
  if (messages.length === 0) return out;
  const byChannel = new Map<string, number[]>();
  for (const m of messages) byChannel.set(m.channel_id, [...(byChannel.get(m.channel_id) ?? []), Number(m.message_id)]);
  const rows = await db
    .selectFrom('chat_reactions')
    .select(['channel_id', 'message_id', 'reaction_key', 'user_id', 'updated_at'])
    .where('app_id', '=', appId)
    .where((eb) => eb.or([...byChannel].map(([channelId, ids]) => eb.and([eb('channel_id', '=', channelId), eb('message_id', 'in', ids)]))))
    .orderBy('created_at')
    .orderBy('user_id')
    .execute();
  const keys = new Map<string, Map<string, ChatReaction>>();
  for (const r of rows) {
    const message = messageKeyOf(r.channel_id, Number(r.message_id));
    let ofMessage = keys.get(message);
    if (!ofMessage) keys.set(message, (ofMessage = new Map()));
    const reaction = ofMessage.get(r.reaction_key) ?? { key: r.reaction_key, user_ids: [], updated_at: 0 };
    reaction.user_ids.push(r.user_id);
    reaction.updated_at = Math.max(reaction.updated_at, Number(r.updated_at));
    ofMessage.set(r.reaction_key, reaction);
  }
  for (const [message, ofMessage] of keys) out.set(message, [...ofMessage.values()]);
  return out;
}

/** The key of a message in `reactionsOf`'s answer. */
export const reactionKeyOf = (m: MessageKey): string => messageKeyOf(m.channel_id, Number(m.message_id));

export class ReactionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Adds `userId`'s reaction `key` unless the message would then carry more than `max` distinct keys. */
  add(appId: string, channelId: string, messageId: number, key: string, userId: string, max: number, now: number): Promise<ReactionChange> {
    return this.db.transaction().execute(async (tx) => {
      const message = await tx
        .selectFrom('chat_messages')
        .select('message_id')
        .where('app_id', '=', appId)
        .where('channel_id', '=', channelId)
        .where('message_id', '=', messageId)
        .forUpdate()
        .executeTakeFirst();
      if (!message) return 'missing';
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
      return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 ? 'changed' : 'unchanged';
    });
  }

  /** Takes back `userId`'s reaction `key`; the key's other rows record the change time. */
  remove(appId: string, channelId: string, messageId: number, key: string, userId: string, now: number): Promise<ReactionChange> {
    return this.db.transaction().execute(async (tx) => {
      const message = await tx
        .selectFrom('chat_messages')
        .select('message_id')
        .where('app_id', '=', appId)
        .where('channel_id', '=', channelId)
        .where('message_id', '=', messageId)
        .forUpdate()
        .executeTakeFirst();
      if (!message) return 'missing';
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
      return 'changed';
    });
  }
}
