/**
 * The arguments of each server → client event of a chat connection, in their order (the seed's STEP 7
 * order for messages), as TypeBox tuples. `ChatServerEvents`, the typed event map of the server's
 * emits and the SDK's listeners, is derived from them, and the AsyncAPI document is generated from them.
 */
import { Type, type Static, type TSchema, type TTuple } from '@sinclair/typebox';
import { CHAT_TOKEN_END_REASONS, type ChatEventName } from './chat.ts';
import { ChatBan, ChatChannel, ChatMessage, ChatMute, ChatReactionEvent, ChatUser } from './chat-schemas.ts';
import { ChatTypingUserIds } from './chat-typing.ts';

/** An event's arguments: their schemas in order, and their names (as the SDK's listeners call them). */
const event = <T extends TSchema[]>(tuple: TTuple<T>, names: { [K in keyof T]: string }) => ({ tuple, names });

const messageArgs = event(Type.Tuple([ChatMessage, ChatChannel]), ['message', 'channel']);
const reactionArgs = event(Type.Tuple([ChatMessage, ChatChannel, ChatReactionEvent]), ['message', 'channel', 'reaction']);
const parentArgs = event(Type.Tuple([ChatMessage, ChatChannel]), ['parent_message', 'channel']);
const channelArgs = event(Type.Tuple([ChatChannel]), ['channel']);
const channelUserArgs = event(Type.Tuple([ChatChannel, ChatUser]), ['channel', 'user']);
const banArgs = event(Type.Tuple([ChatChannel, ChatUser, ChatBan]), ['channel', 'user', 'ban']);
const muteArgs = event(Type.Tuple([ChatChannel, ChatUser, ChatMute]), ['channel', 'user', 'mute']);
const userArgs = event(Type.Tuple([ChatUser]), ['user']);
const typingArgs = event(Type.Tuple([ChatChannel, ChatTypingUserIds]), ['channel', 'typing_user_ids']);

/** Every event of CHAT_EVENT_NAMES with its arguments (the `satisfies` makes a missing or extra event fail to compile). */
export const CHAT_EVENT_ARGS = {
  'group:message_send': messageArgs,
  'group:message_update': messageArgs,
  'group:message_delete': messageArgs,
  'group:message_reaction': reactionArgs,
  'group:message_mention': messageArgs,
  'group:thread_update': parentArgs,
  'group:channel_update': channelArgs,
  'group:channel_delete': channelArgs,
  'group:channel_freeze': channelArgs,
  'group:channel_unfreeze': channelArgs,
  'group:channel_join': channelUserArgs,
  'group:channel_leave': channelUserArgs,
  'group:channel_manager_create': channelUserArgs,
  'group:channel_manager_delete': channelUserArgs,
  'group:channel_ban': banArgs,
  'group:channel_unban': banArgs,
  'group:channel_mute': muteArgs,
  'group:channel_unmute': muteArgs,
  'group:channel_message_read_event': channelArgs,
  'group:channel_message_delivered_event': channelArgs,
  'group:channel_typing': typingArgs,
  user_update: userArgs,
  user_delete: userArgs,
} as const satisfies { [K in ChatEventName]: { tuple: TTuple; names: readonly string[] } };

/** Server → client socket.io events of a chat connection, with their argument orders. */
export type ChatServerEvents = { [K in ChatEventName]: (...args: Static<(typeof CHAT_EVENT_ARGS)[K]['tuple']>) => void };

/** The `error` event that precedes the server's disconnect of a chat socket whose token ended. */
export const ChatTokenEnd = Type.Union(
  Object.values(CHAT_TOKEN_END_REASONS).map((reason) => Type.Literal(reason)),
  { description: 'why the connection ends; the SDK renews its token on either' },
);
