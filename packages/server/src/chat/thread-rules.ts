/**
 * The thread and mention fields of a send (DESIGN.md, "Chat beyond the seed"): their checks before the
 * send, and why a send that named them was refused by its own statement (thread.repository.ts) when
 * the sender's role allowed it: the parent is missing or a reply itself, or a mentioned user is not a
 * member of the channel.
 */
import { CHAT_ERROR_CODES, CHAT_LIMITS } from '@parley/protocol';
import type { ChatContext } from './chat-context.ts';
import { ChatError, invalid } from './errors.ts';
import type { MessageRow, NewMessageRow } from './message.repository.ts';
import { checkUserId } from './rules.ts';
import { mentionedIn } from './thread.repository.ts';

/** What a send asks of threads and mentions, once checked. */
export interface ThreadInput {
  /** Reply in this top-level message's thread. */
  parentId?: number;
  /** The users to mention, each once, in the order given. */
  mentioned: string[];
}

/** The thread columns of a message that has no replies (yet). */
export const NO_THREAD: Pick<MessageRow, 'reply_count' | 'last_replied_at' | 'reply_user_ids'> = { reply_count: 0, last_replied_at: 0, reply_user_ids: '' };

/** Checks `mentioned_user_ids` (at most 10 user ids) and `parent_message_id` (a positive integer). */
export function checkThreadInput(input: { mentioned_user_ids?: unknown; parent_message_id?: unknown }): ThreadInput {
  const { mentioned_user_ids: ids, parent_message_id: parent } = input;
  const out: ThreadInput = { mentioned: [] };
  if (ids !== undefined) {
    if (!Array.isArray(ids) || ids.length > CHAT_LIMITS.mentionsMax) throw invalid(`mentioned_user_ids must be an array of at most ${CHAT_LIMITS.mentionsMax} user ids`);
    out.mentioned = [...new Set(ids.map((id, i) => checkUserId(id, `mentioned_user_ids[${i}]`)))];
  }
  if (parent !== undefined && parent !== null) {
    if (typeof parent !== 'number' || !Number.isSafeInteger(parent) || parent < 1) throw invalid('parent_message_id must be a positive integer');
    out.parentId = parent;
  }
  return out;
}

/** Why the channel refused this send's parent or mentions; undefined when neither is wrong (any more). */
export async function threadRefusal(ctx: ChatContext, row: NewMessageRow): Promise<ChatError | undefined> {
  const { app_id: appId, channel_id: channelId, parent_message_id: parentId } = row;
  if (parentId !== null) {
    const parent = await ctx.messages.get(appId, channelId, parentId);
    if (!parent) return new ChatError(CHAT_ERROR_CODES.messageNotFound, 400, `parent_message_id: message ${parentId} not found`);
    if (parent.parent_message_id !== null) return invalid(`parent_message_id: message ${parentId} is a reply, and threads are one level deep`);
  }
  const mentioned = mentionedIn(row);
  if (mentioned.length > 0) {
    const members = new Set(await ctx.members.memberIds(appId, channelId));
    const outsider = mentioned.find((id) => !members.has(id));
    if (outsider !== undefined) return invalid(`mentioned_user_ids: user ${outsider} is not a member of the channel`);
  }
  return undefined;
}
