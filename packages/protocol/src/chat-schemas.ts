/**
 * The chat wire shapes as TypeBox schemas, each with its static type of the same name: resources
 * (users, channels, messages, bans, tokens), lists, the error body, and every request's parameters,
 * query and body. Request schemas check types only (bodies strictly, queries coerced); the field rules
 * are the chat services' (server chat/rules.ts), with messages naming the field, and are stated in the
 * descriptions from CHAT_LIMITS.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { CHAT_LIMITS as L, USER_ID_PATTERN } from './chat-limits.ts';

/** The id rules the chat services check, in the words of their messages and the API documents. */
export const USER_ID_RULE = `1-${L.userIdMax} characters of A-Z, a-z, 0-9 and _ . @ + : -`;
export const CHANNEL_ID_RULE = `${L.channelIdMin}-${L.channelIdMax} characters of a-z, 0-9 and _`;
const META_RULE = `at most ${L.metaPairsMax} pairs of strings; keys 1-${L.metaKeyMaxBytes} bytes, values at most ${L.metaValueMaxBytes} bytes`;
const PAGE_RULE = `1-${L.pageMax}, default ${L.pageDefault}`;

const optional = <T extends TSchema>(schema: T) => Type.Optional(schema);

// ---- Resources (answers and event arguments)

/** String-to-string map attached to users, channels and messages. */
export const ChatMeta = Type.Record(Type.String(), Type.String(), { description: META_RULE });
export type ChatMeta = Static<typeof ChatMeta>;

export const ChatUser = Type.Object({
  user_id: Type.String({ description: USER_ID_RULE }),
  name: Type.String(),
  profile_url: Type.String(),
  meta: ChatMeta,
  created_at: Type.Integer({ description: 'unix ms' }),
  updated_at: Type.Integer({ description: 'unix ms' }),
});
export type ChatUser = Static<typeof ChatUser>;

export const ChatFile = Type.Object({
  type: Type.String({ description: 'MIME type as uploaded (served back as application/octet-stream when not a plain type)' }),
  name: Type.String(),
  url: Type.String({
    description:
      'absolute, signed URL that works without headers (so <img src> does) until its `expires` (unix ms, about an hour after the message was presented); ask for the message again for a fresh one',
  }),
  size: Type.Integer({ description: 'bytes' }),
});
export type ChatFile = Static<typeof ChatFile>;

/** One reaction key of a message with the users who reacted with it (DESIGN.md, Reactions). */
export const ChatReaction = Type.Object({
  key: Type.String({ description: `1-${L.reactionKeyMax} characters, e.g. an emoji or a name such as "thumbs_up"` }),
  user_ids: Type.Array(Type.String(), { description: 'who reacted with the key, in the order they did' }),
  updated_at: Type.Integer({ description: 'unix ms of the key\'s last change (a user adding or taking back the reaction)' }),
});
export type ChatReaction = Static<typeof ChatReaction>;

/** The third argument of `group:message_reaction`: what changed. */
export const ChatReactionEvent = Type.Object({
  key: Type.String(),
  user_id: Type.String({ description: 'who added or took back the reaction' }),
  operation: Type.Union([Type.Literal('add'), Type.Literal('delete')]),
});
export type ChatReactionEvent = Static<typeof ChatReactionEvent>;
/** The thread under a top-level message, once it has replies. */
export const ChatThreadInfo = Type.Object({
  reply_count: Type.Integer({ description: 'replies in the thread' }),
  last_replied_at: Type.Integer({ description: 'unix ms of the newest reply' }),
  reply_user_ids: Type.Array(Type.String(), { description: `the most recent repliers, newest first (at most ${L.threadRepliersMax})` }),
});
export type ChatThreadInfo = Static<typeof ChatThreadInfo>;

export const ChatMessage = Type.Object({
  message_id: Type.Integer({ description: 'per channel, starting at 1, increasing without gaps in send order' }),
  channel_id: Type.String(),
  type: Type.Union([Type.Literal('text'), Type.Literal('file')]),
  content: optional(Type.String({ description: `text messages: 1-${L.contentMaxBytes} bytes; file messages: an optional caption` })),
  file: optional(ChatFile),
  meta: ChatMeta,
  user: ChatUser,
  created_at: Type.Integer({ description: 'unix ms' }),
  updated_at: Type.Integer({ description: 'unix ms' }),
  edited_at: Type.Union([Type.Integer(), Type.Null()], { description: 'unix ms of the last edit of the content; null until edited' }),
  reactions: Type.Array(ChatReaction, { description: `reaction keys (at most ${L.reactionKeysMax}) in the order they were first used` }),
  mentioned_user_ids: optional(Type.Array(Type.String(), { description: `the members the message mentions (at most ${L.mentionsMax}); absent when none` })),
  parent_message_id: optional(Type.Integer({ description: 'a reply: the top-level message of its thread; absent on top-level messages' })),
  thread_info: optional(ChatThreadInfo),
});
export type ChatMessage = Static<typeof ChatMessage>;

const receiptMap = (description: string) => Type.Record(Type.String(), Type.Integer(), { description });

export const ChatChannel = Type.Object({
  channel_id: Type.String({ description: CHANNEL_ID_RULE }),
  name: Type.String(),
  profile_url: Type.String(),
  type: Type.Literal('group'),
  is_public: Type.Boolean({
    description:
      'public channels are seen and joined by any user of the app; private ones (the default) only by their members. Non-members see a public channel without members, receipts or last message',
  }),
  freeze: Type.Boolean(),
  total_message_count: Type.Integer(),
  total_file_count: Type.Integer(),
  meta: ChatMeta,
  created_at: Type.Integer({ description: 'unix ms' }),
  updated_at: Type.Integer({ description: 'unix ms' }),
  pinned_message_ids: Type.Array(Type.Integer(), { description: `ids of the pinned messages, newest pin first (at most ${L.pinnedMessagesMax})` }),
  members: optional(Type.Array(ChatUser, { description: 'with show_members / include_members, and always in create, join and leave answers' })),
  managers: optional(Type.Array(ChatUser, { description: 'with show_managers' })),
  read_receipt: optional(receiptMap("{user_id: ms} of each member's last read (0 = never)")),
  delivery_receipt: optional(receiptMap("{user_id: ms} of each member's last delivery (0 = never)")),
  unread: optional(receiptMap("{user_id: n} messages after each member's last read")),
  last_message: optional(Type.Union([ChatMessage, Type.Null()], { description: 'with show_last_message: the newest message, or null' })),
  unread_mention_count: optional(Type.Integer({ description: "with show_unread: messages mentioning the viewing member (the caller; the listed user of /v1/users/{id}/channels) since its last read" })),
});
export type ChatChannel = Static<typeof ChatChannel>;

export const ChatBan = Type.Object({
  user_id: Type.String(),
  seconds: Type.Integer(),
  reason: Type.String(),
  created_at: Type.Integer({ description: 'unix ms' }),
  expires_at: Type.Integer({ description: 'unix ms' }),
});
export type ChatBan = Static<typeof ChatBan>;

export const REPORT_TARGETS = ['message', 'user', 'channel'] as const;
export type ReportTarget = (typeof REPORT_TARGETS)[number];
const reportTarget = Type.Union(REPORT_TARGETS.map((t) => Type.Literal(t)));

/** A user's report of a message, a user or a channel, for the app's moderators (GET /v1/reports). */
export const ChatReport = Type.Object({
  report_id: Type.String({ description: 'sorts in time order' }),
  target: reportTarget,
  channel_id: Type.Union([Type.String(), Type.Null()]),
  message_id: Type.Union([Type.Integer(), Type.Null()]),
  user_id: Type.Union([Type.String(), Type.Null()], { description: 'the reported user: named, or the reported message’s sender' }),
  reporter: Type.String({ description: 'who reported' }),
  reason: Type.String(),
  created_at: Type.Integer({ description: 'unix ms' }),
});
export type ChatReport = Static<typeof ChatReport>;

/** A mute (DESIGN.md, Moderation): the member stays and reads, but may not send until it expires (1021). */
export const ChatMute = Type.Object({
  user_id: Type.String(),
  seconds: Type.Integer(),
  description: Type.String(),
  created_at: Type.Integer({ description: 'unix ms' }),
  expires_at: Type.Integer({ description: 'unix ms' }),
});
export type ChatMute = Static<typeof ChatMute>;

const Next = Type.Union([Type.String(), Type.Null()], { description: 'opaque cursor of the following page; null on the last one' });

export const ChatUserList = Type.Object({ users: Type.Array(ChatUser), next: Next });
export type ChatUserList = Static<typeof ChatUserList>;
export const ChatChannelList = Type.Object({ channels: Type.Array(ChatChannel), next: Next });
export type ChatChannelList = Static<typeof ChatChannelList>;
export const ChatMemberList = Type.Object({ members: Type.Array(ChatUser), next: Next });
export type ChatMemberList = Static<typeof ChatMemberList>;
export const ChatBannedList = Type.Object({ banned: Type.Array(ChatBan), next: Next });
export type ChatBannedList = Static<typeof ChatBannedList>;
export const ChatMutedList = Type.Object({ muted: Type.Array(ChatMute), next: Next });
export const ChatReportList = Type.Object({ reports: Type.Array(ChatReport, { description: 'newest first' }), next: Next });
export type ChatReportList = Static<typeof ChatReportList>;
export type ChatMutedList = Static<typeof ChatMutedList>;
export const ChatMessageList = Type.Object({ messages: Type.Array(ChatMessage, { description: 'oldest first, whatever the mode' }) });
export type ChatMessageList = Static<typeof ChatMessageList>;
export const ChatOnlineMembers = Type.Array(Type.String(), { description: 'user ids of members with a live chat connection' });

export const ChatToken = Type.Object({
  token: Type.String({ description: 'JWT HS256 {user_id, iat, exp} (ms), signed with the app’s secret' }),
  expires_at: Type.Integer({ description: 'unix ms' }),
});
export type ChatToken = Static<typeof ChatToken>;

export const ChatTokenRevocation = Type.Object({ user_id: Type.String(), revoked_at: Type.Integer({ description: 'unix ms' }) });
export type ChatTokenRevocation = Static<typeof ChatTokenRevocation>;

/** Error body of every chat API answer that is not a success. */
export const ChatErrorBody = Type.Object({
  status: Type.Integer({ description: 'the HTTP status' }),
  timestamp: Type.Integer({ description: 'unix ms' }),
  path: Type.String(),
  message: Type.String({ description: 'what was wrong, naming the field or resource' }),
  code: Type.Integer({ description: 'the chat error code (table in the description of this schema)' }),
});
export type ChatErrorBody = Static<typeof ChatErrorBody>;

/** Handshake `auth` (or query) of a chat socket.io connection. */
export const ChatConnectionAuth = Type.Object({
  app_id: Type.String(),
  user_id: Type.String(),
  token: Type.String({ description: 'a session token from POST /v1/users/{id}/token, or the sdk token it was exchanged for' }),
});
export type ChatConnectionAuth = Static<typeof ChatConnectionAuth>;

// ---- Path parameters (bounded, so no id reaches the services unbounded)

const pathText = (description: string) => Type.String({ maxLength: L.pathParamMax, description });
export const UserParams = Type.Object({ user_id: pathText(USER_ID_RULE) });
export const ChannelParams = Type.Object({ channel_id: pathText(CHANNEL_ID_RULE) });
export const MessageParams = Type.Object({
  channel_id: pathText(CHANNEL_ID_RULE),
  message_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});
export const ReactionParams = Type.Object({
  channel_id: pathText(CHANNEL_ID_RULE),
  message_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  key: pathText(`the reaction key, 1-${L.reactionKeyMax} characters (URL-encoded)`),
});
export const BanParams = Type.Object({ channel_id: pathText(CHANNEL_ID_RULE), user_id: pathText(USER_ID_RULE) });
export const FileParams = Type.Object({ key: Type.String({ maxLength: 64 }) });

// ---- Queries

export const PageQuery = Type.Object({
  limit: optional(Type.Integer({ description: PAGE_RULE })),
  next: optional(Type.String({ description: 'cursor from the previous page' })),
});
export type PageParams = Static<typeof PageQuery>;

export const ChannelListQuery = Type.Object({
  limit: optional(Type.Integer({ description: PAGE_RULE })),
  next: optional(Type.String({ description: 'cursor from the previous page' })),
  name: optional(Type.String({ description: 'substring of the channel name (case-sensitive)' })),
  include_members: optional(Type.Boolean({ description: 'members of each listed channel (client API: only in the caller’s own channels)' })),
  show_last_message: optional(Type.Boolean({ description: 'the last message of each listed channel (client API: only in the caller’s own channels)' })),
  show_unread: optional(Type.Boolean({ description: "each member's unread count, as a channel's show_unread (client API: only in the caller's own channels)" })),
  public: optional(Type.Boolean({ description: 'true: public channels only; false: private ones only' })),
});
export type ChannelListParams = Static<typeof ChannelListQuery>;

export const JOINED_CHANNEL_ORDERS = ['latest_last_message', 'chronological', 'channel_name'] as const;
export type JoinedChannelOrder = (typeof JOINED_CHANNEL_ORDERS)[number];
/** A user's joined channels: a channel list that may also be ordered. */
export const JoinedChannelListQuery = Type.Object({
  ...ChannelListQuery.properties,
  order: optional(
    Type.Union(
      JOINED_CHANNEL_ORDERS.map((o) => Type.Literal(o)),
      { description: 'latest_last_message: newest last message first (channels without one by creation); chronological: newest channel first; channel_name: by name; default: by channel_id' },
    ),
  ),
});
export type JoinedChannelListParams = Static<typeof JoinedChannelListQuery>;

export const ShowQuery = Type.Object({
  show_members: optional(Type.Boolean()),
  show_managers: optional(Type.Boolean()),
  show_read_receipt: optional(Type.Boolean()),
  show_delivery_receipt: optional(Type.Boolean()),
  show_unread: optional(Type.Boolean()),
  show_last_message: optional(Type.Boolean()),
});
export type ChannelShowParams = Static<typeof ShowQuery>;

export const MessageListQuery = Type.Object({
  // Bounded so that no id reaches the database beyond its 64-bit integers (PostgreSQL refuses those: a 500).
  base_message_id: optional(Type.Integer({ maximum: Number.MAX_SAFE_INTEGER, description: 'exclusive; prev: below it (default newest), next: above it (default 0)' })),
  mode: optional(Type.Union([Type.Literal('prev'), Type.Literal('next')], { default: 'prev' })),
  limit: optional(Type.Integer({ description: PAGE_RULE })),
  type: optional(Type.Union([Type.Literal('text'), Type.Literal('file')])),
  content: optional(Type.String({ description: 'substring of the text (case-sensitive)' })),
  include_replies: optional(Type.Boolean({ default: false, description: 'also list thread replies (left out by default)' })),
});
export type MessageListParams = Static<typeof MessageListQuery>;

/** A thread's replies, paged as the message list. */
export const ReplyListQuery = Type.Object({
  base_message_id: MessageListQuery.properties.base_message_id,
  mode: MessageListQuery.properties.mode,
  limit: MessageListQuery.properties.limit,
});
export type ReplyListParams = Static<typeof ReplyListQuery>;

/** A user's unread totals over all its channels. */
export const ChatUnreadCount = Type.Object({
  unread_message_count: Type.Integer({ description: 'messages after the last read, summed over the user’s channels' }),
  unread_channel_count: Type.Integer({ description: 'channels with at least one unread message' }),
  unread_mention_count: Type.Integer({ description: 'unread messages mentioning the user, summed over its channels' }),
});
export type ChatUnreadCount = Static<typeof ChatUnreadCount>;

export const ReadChannelsBody = Type.Object({
  channel_ids: Type.Array(Type.String({ description: CHANNEL_ID_RULE }), { description: `1-${L.readChannelsMax} channels the caller belongs to` }),
});
/** The channels a read-all (or a read of several) marked read. */
export const ChatReadChannels = Type.Object({ channel_ids: Type.Array(Type.String(), { description: 'each got its group:channel_message_read_event' }) });
export type ChatReadChannels = Static<typeof ChatReadChannels>;

// Strings, not integers: a malformed signature is refused like a wrong one (403), not as a bad parameter.
export const FileQuery = Type.Object({
  expires: optional(Type.String({ maxLength: 20, description: 'unix ms after which the URL stops working' })),
  signature: optional(Type.String({ maxLength: 64 })),
});

// ---- Bodies

/** A meta map in a request: checked by the services (so their message names the key), typed as ChatMeta. */
const MetaInput = Type.Unsafe<ChatMeta>(Type.Object({}, { additionalProperties: true, description: META_RULE }));
const name = (max: number) => Type.String({ description: `1-${max} characters` });
const profileUrl = Type.String({ description: `at most ${L.profileUrlMax} characters` });

export const NewUserBody = Type.Object({
  user_id: Type.String({ description: USER_ID_RULE }),
  name: name(L.userNameMax),
  profile_url: optional(profileUrl),
  meta: optional(MetaInput),
});
export type NewUser = Static<typeof NewUserBody>;

export const UserUpdateBody = Type.Object({ name: optional(name(L.userNameMax)), profile_url: optional(profileUrl), meta: optional(MetaInput) });
export type UserChanges = Static<typeof UserUpdateBody>;

/** What a user may change of itself (the client API): no meta here, that is /users/me/meta. */
export const SdkUserUpdateBody = Type.Object({ name: optional(name(L.userNameMax)), profile_url: optional(profileUrl) }, { additionalProperties: false });
export type SdkUserChanges = Static<typeof SdkUserUpdateBody>;

export const MetaBody = Type.Object({ meta: ChatMeta });

/** `PUT …/messages/{mid}`: the new content of a text message (the same rules and word filter as a send). */
export const MessageEditBody = Type.Object({ content: Type.String({ description: `1-${L.contentMaxBytes} bytes` }) });
const reactionKey = Type.String({ description: `1-${L.reactionKeyMax} characters; at most ${L.reactionKeysMax} distinct keys per message` });
/** `PUT …/messages/{mid}/reactions` through the client API: the caller reacts. */
export const ReactionBody = Type.Object({ key: reactionKey });
/** Through the server API: `user_id`, a member, reacts. */
export const PlatformReactionBody = Type.Object({ key: reactionKey, user_id: Type.String({ description: `the reacting member, ${USER_ID_RULE}` }) });
/** `DELETE …/messages/{mid}/reactions/{key}` through the server API: whose reaction. */
export const PlatformReactionQuery = Type.Object({ user_id: Type.String({ description: `the member whose reaction is taken back, ${USER_ID_RULE}` }) });
export const MetaKeysBody = Type.Object({ keys: optional(Type.Array(Type.String(), { description: 'the keys to remove; all without keys' })) });

export const TokenRequestBody = Type.Object({
  expires_at: optional(Type.Integer({ description: `unix ms, in the future and within ${L.sessionTokenMaxMs / 86_400_000} days; default now + ${L.sessionTokenDefaultMs / 86_400_000} days` })),
});

export const NewChannelBody = Type.Object({
  channel_id: optional(Type.String({ description: `${CHANNEL_ID_RULE}; generated when absent or taken with reuse` })),
  name: name(L.channelNameMax),
  profile_url: optional(profileUrl),
  members: optional(Type.Array(Type.String(), { description: `at most ${L.createMembersMax} user ids; through the client API the caller is always added` })),
  reuse: optional(
    Type.Boolean({ default: false, description: 'return the existing channel with exactly these members if nobody else ever joined it and no manager was ever set' }),
  ),
  meta: optional(MetaInput),
  is_public: optional(Type.Boolean({ default: false, description: 'public: any user of the app may see and join it through the client API' })),
});
export type ChannelCreate = Static<typeof NewChannelBody>;

export const ChannelUpdateBody = Type.Object({
  name: optional(name(L.channelNameMax)),
  profile_url: optional(profileUrl),
  meta: optional(Type.Unsafe<ChatMeta>(Type.Object({}, { additionalProperties: true, description: `replaced whole; ${META_RULE}` }))),
  is_public: optional(Type.Boolean({ description: 'public channels are seen and joined by any user of the app' })),
});
export type ChannelChanges = Static<typeof ChannelUpdateBody>;

export const MemberBody = Type.Object({ member: Type.String({ description: USER_ID_RULE }) });
export const ManagerBody = Type.Object({ manager: Type.String({ description: 'a member’s user id' }) });
export const FreezeBody = Type.Object({ freeze: Type.Boolean() });
/** Receipts through the server API: the user whose receipt moves. */
export const ReceiptBody = Type.Object({ user_id: Type.String({ description: USER_ID_RULE }) });

const banFields = {
  user_id: Type.String({ description: USER_ID_RULE }),
  seconds: Type.Integer({ description: `1-${L.banSecondsMax} (10 years)` }),
  reason: optional(Type.String({ description: `at most ${L.banReasonMax} characters` })),
};
/** A ban through the client API (the caller is the acting manager). */
export const BanBody = Type.Object(banFields);
export type BanRequest = Static<typeof BanBody>;
/** A ban through the server API, optionally on behalf of a manager. */
export const PlatformBanBody = Type.Object({
  ...banFields,
  manager: optional(Type.String({ description: 'the acting manager: when given, managers may not ban each other or themselves' })),
});

export const BlockBody = Type.Object({ user_id: Type.String({ description: USER_ID_RULE }) }, { additionalProperties: false });

export const ReportBody = Type.Object(
  {
    target: reportTarget,
    channel_id: optional(Type.String({ description: 'message and channel reports: the channel' })),
    message_id: optional(Type.Integer({ description: 'message reports: the message' })),
    user_id: optional(Type.String({ description: 'user reports: the user' })),
    reason: Type.String({ description: `1-${L.banReasonMax} characters` }),
  },
  { additionalProperties: false },
);
export type ReportRequest = Static<typeof ReportBody>;
export const ReportListQuery = Type.Object({
  target: optional(reportTarget),
  channel_id: optional(Type.String()),
  limit: optional(Type.Integer({ description: PAGE_RULE })),
  next: optional(Type.String({ description: 'cursor from the previous page' })),
});

const muteFields = {
  user_id: Type.String({ description: `a member's user id, ${USER_ID_RULE}` }),
  seconds: Type.Integer({ description: `1-${L.banSecondsMax} (10 years)` }),
  description: optional(Type.String({ description: `at most ${L.banReasonMax} characters` })),
};
/** A mute through the client API (the caller is the acting manager). */
export const MuteBody = Type.Object(muteFields);
export type MuteRequest = Static<typeof MuteBody>;
/** A mute through the server API, optionally on behalf of a manager. */
export const PlatformMuteBody = Type.Object({
  ...muteFields,
  manager: optional(Type.String({ description: 'the acting manager: when given, managers may not mute each other or themselves' })),
});

/**
 * A text send (JSON). Documentation only: the send routes also take multipart, so the message service
 * checks these fields itself, with messages naming them.
 */
export const TextMessageBody = Type.Object({
  type: optional(Type.Literal('text')),
  user_id: optional(Type.String({ description: `server API only: the sender, ${USER_ID_RULE}` })),
  content: Type.String({ description: `1-${L.contentMaxBytes} bytes` }),
  meta: optional(ChatMeta),
  mentioned_user_ids: optional(Type.Array(Type.String(), { description: `at most ${L.mentionsMax} members of the channel; each gets group:message_mention` })),
  parent_message_id: optional(Type.Integer({ description: 'reply in the thread of this top-level message of the channel' })),
});

/** A file send (multipart/form-data, fields before the file). Documentation only, as TextMessageBody. */
export const FileMessageForm = Type.Object({
  type: Type.Literal('file'),
  user_id: optional(Type.String({ description: 'server API only: the sender' })),
  content: optional(Type.String({ description: `an optional caption, at most ${L.contentMaxBytes} bytes` })),
  meta: optional(Type.String({ description: `a JSON object: ${META_RULE}` })),
  mentioned_user_ids: optional(Type.String({ description: `a JSON array of at most ${L.mentionsMax} members of the channel` })),
  parent_message_id: optional(Type.String({ description: 'reply in the thread of this top-level message (its id)' })),
  file: Type.String({ format: 'binary', description: `the file, at most FILE_MAX_BYTES (default ${L.fileMaxBytes} bytes)` }),
});

/** `POST /dev/token` (demo app on loopback only). */
export const DevTokenBody = Type.Object({ user_id: Type.String({ pattern: USER_ID_PATTERN.source, maxLength: L.userIdMax, description: USER_ID_RULE }) });
export const DevToken = Type.Object({ app_id: Type.String(), user_id: Type.String(), session_token: Type.String(), expires_at: Type.Integer({ description: 'unix ms' }) });
export type DevToken = Static<typeof DevToken>;
