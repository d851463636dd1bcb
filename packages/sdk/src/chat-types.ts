/**
 * The chat wire types under the names GitpleLive users know (User, Message, GroupChannel …), and the
 * request parameters of the SDK's methods. They are packages/protocol's contract itself (the static
 * types of its TypeBox schemas, imported as types only: the bundle carries no schema), so server and
 * SDK cannot drift apart.
 */
export type {
  BanRequest,
  ChannelChanges as ChannelUpdate,
  ChannelCreate,
  ChannelListParams,
  ChannelShowParams,
  ChatBan as Ban,
  ChatBannedList as BannedList,
  ChatChannel as GroupChannel,
  ChatChannelList as ChannelList,
  ChatFile as FileInfo,
  ChatMemberList as MemberList,
  ChatMessage as Message,
  ChatMessageList as MessageList,
  ChatMeta as Meta,
  ChatMute as Mute,
  ChatMutedList as MutedList,
  ChatPushToken as PushToken,
  ChatPushTokenList as PushTokenList,
  PushTokenType,
  ChatReport as Report,
  ChatServerEvents,
  ChatToken,
  ChatTokenEndReason,
  ChatUser as User,
  ChatUserList as UserList,
  MessageListParams,
  MuteRequest,
  ReportRequest,
  PageParams,
  SdkUserChanges as UserUpdate,
} from '@parley/protocol';
export { CHAT_EVENT_NAMES, CHAT_TOKEN_END_REASONS } from '@parley/protocol';
