/** Maps stored rows to the wire shapes of @parley/protocol (numbers, booleans and parsed meta). */
import type { ChatBan, ChatChannel, ChatMessage, ChatUser } from '@parley/protocol';
import type { BanRow } from './ban.repository.ts';
import type { ChannelRow } from './channel.repository.ts';
import type { MessageWithUser } from './message.repository.ts';
import { pinnedIds } from './pin.repository.ts';
import { parseMeta } from './rules.ts';
import { mentionedIn, repliersOf } from './thread.repository.ts';
import type { UserRow } from './user.repository.ts';

export function toUser(row: UserRow): ChatUser {
  return {
    user_id: row.user_id,
    name: row.name,
    profile_url: row.profile_url,
    meta: parseMeta(row.meta),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

export function toChannel(row: ChannelRow): ChatChannel {
  return {
    channel_id: row.channel_id,
    name: row.name,
    profile_url: row.profile_url,
    type: 'group',
    is_public: Number(row.is_public) === 1,
    freeze: Number(row.freeze) === 1,
    total_message_count: Number(row.total_message_count),
    total_file_count: Number(row.total_file_count),
    meta: parseMeta(row.meta),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    pinned_message_ids: pinnedIds(row.pinned_message_ids),
  };
}

/** `fileUrl` turns a stored file's generated key into the (signed) URL it is served at. */
export function toMessage(row: MessageWithUser, fileUrl: (key: string) => string): ChatMessage {
  const user: ChatUser =
    row.user_name === null
      ? // The sender was deleted: the message keeps its id so that clients can still show who it was.
        { user_id: row.user_id, name: '', profile_url: '', meta: {}, created_at: 0, updated_at: 0 }
      : {
          user_id: row.user_id,
          name: row.user_name,
          profile_url: row.user_profile_url ?? '',
          meta: parseMeta(row.user_meta ?? '{}'),
          created_at: Number(row.user_created_at),
          updated_at: Number(row.user_updated_at),
        };
  const message: ChatMessage = {
    message_id: Number(row.message_id),
    channel_id: row.channel_id,
    type: row.type === 'file' ? 'file' : 'text',
    meta: parseMeta(row.meta),
    user,
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    edited_at: row.edited_at === null || row.edited_at === undefined ? null : Number(row.edited_at),
    reactions: row.reactions ?? [],
  };
  if (row.type === 'file' && row.file_key) {
    message.file = { type: row.file_type ?? 'application/octet-stream', name: row.file_name ?? 'file', url: fileUrl(row.file_key), size: Number(row.file_size ?? 0) };
    if (row.content !== null) message.content = row.content;
  } else {
    message.content = row.content ?? '';
  }
  const mentioned = mentionedIn(row);
  if (mentioned.length > 0) message.mentioned_user_ids = mentioned;
  if (row.parent_message_id !== null) message.parent_message_id = Number(row.parent_message_id);
  else if (Number(row.reply_count) > 0) {
    message.thread_info = { reply_count: Number(row.reply_count), last_replied_at: Number(row.last_replied_at), reply_user_ids: repliersOf(row.reply_user_ids) };
  }
  return message;
}

export function toBan(row: BanRow): ChatBan {
  return {
    user_id: row.user_id,
    seconds: Number(row.seconds),
    reason: row.reason,
    created_at: Number(row.created_at),
    expires_at: Number(row.expires_at),
  };
}
