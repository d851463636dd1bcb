/**
 * The chat wire types under the names GitpleLive users know (User, Message, GroupChannel …). They are
 * packages/protocol's contract itself, so server and SDK cannot drift apart.
 */
export type {
  ChatBan as Ban,
  ChatBannedList as BannedList,
  ChatChannel as GroupChannel,
  ChatChannelList as ChannelList,
  ChatFile as FileInfo,
  ChatMemberList as MemberList,
  ChatMessage as Message,
  ChatMessageList as MessageList,
  ChatMeta as Meta,
  ChatServerEvents,
  ChatToken,
  ChatTokenEndReason,
  ChatUser as User,
} from '@parley/protocol';
export { CHAT_EVENT_NAMES, CHAT_TOKEN_END_REASONS } from '@parley/protocol';
