/**
 * Wire contract of the GitpleLive-compatible chat face (DESIGN.md, "Chat contract"): resource shapes,
 * realtime event names with their argument orders, error codes and limits. Shared by server and SDK.
 */

/** String-to-string map attached to users, channels and messages. */
export type ChatMeta = Record<string, string>;

export interface ChatUser {
  user_id: string;
  name: string;
  profile_url: string;
  meta: ChatMeta;
  created_at: number;
  updated_at: number;
}

export interface ChatFile {
  /** MIME type as uploaded (served back as `application/octet-stream` when not a plain type). */
  type: string;
  name: string;
  /**
   * Absolute, signed URL that works without headers (so `<img src>` does) until its `expires` (unix ms,
   * about an hour after the message was presented); ask for the message again for a fresh one.
   */
  url: string;
  size: number;
}

export interface ChatMessage {
  /** Per channel, starting at 1, increasing without gaps in send order. */
  message_id: number;
  channel_id: string;
  type: 'text' | 'file';
  content?: string;
  file?: ChatFile;
  meta: ChatMeta;
  user: ChatUser;
  created_at: number;
  updated_at: number;
}

export interface ChatChannel {
  channel_id: string;
  name: string;
  profile_url: string;
  type: 'group';
  /**
   * Public channels are seen and joined by any user of the app; private ones (the default) only by
   * their members. Non-members see a public channel without members, receipts or last message.
   */
  is_public: boolean;
  freeze: boolean;
  total_message_count: number;
  total_file_count: number;
  meta: ChatMeta;
  created_at: number;
  updated_at: number;
  /** With `show_members` / `include_members`, and always in create/join/leave answers. */
  members?: ChatUser[];
  managers?: ChatUser[];
  /** `{user_id: ms}` of each member's last read (0 = never). */
  read_receipt?: Record<string, number>;
  /** `{user_id: ms}` of each member's last delivery (0 = never). */
  delivery_receipt?: Record<string, number>;
  /** `{user_id: n}` messages after each member's last read. */
  unread?: Record<string, number>;
  /** With `show_last_message`: the newest message, or null. */
  last_message?: ChatMessage | null;
}

export interface ChatBan {
  user_id: string;
  seconds: number;
  reason: string;
  created_at: number;
  expires_at: number;
}

/** A page of a list; `next` is an opaque cursor for the following page, null on the last one. */
export interface ChatUserList {
  users: ChatUser[];
  next: string | null;
}
export interface ChatChannelList {
  channels: ChatChannel[];
  next: string | null;
}
export interface ChatMemberList {
  members: ChatUser[];
  next: string | null;
}
export interface ChatBannedList {
  banned: ChatBan[];
  next: string | null;
}
/** Oldest first, whatever the mode. */
export interface ChatMessageList {
  messages: ChatMessage[];
}

export interface ChatToken {
  token: string;
  /** Unix ms. */
  expires_at: number;
}

/** Server → client socket.io events of a chat connection, with their argument orders. */
export interface ChatServerEvents {
  'group:message_send': (message: ChatMessage, channel: ChatChannel) => void;
  'group:message_update': (message: ChatMessage, channel: ChatChannel) => void;
  'group:message_delete': (message: ChatMessage, channel: ChatChannel) => void;
  'group:channel_update': (channel: ChatChannel) => void;
  'group:channel_delete': (channel: ChatChannel) => void;
  'group:channel_freeze': (channel: ChatChannel) => void;
  'group:channel_unfreeze': (channel: ChatChannel) => void;
  'group:channel_join': (channel: ChatChannel, user: ChatUser) => void;
  'group:channel_leave': (channel: ChatChannel, user: ChatUser) => void;
  'group:channel_manager_create': (channel: ChatChannel, user: ChatUser) => void;
  'group:channel_manager_delete': (channel: ChatChannel, user: ChatUser) => void;
  'group:channel_ban': (channel: ChatChannel, user: ChatUser, ban: ChatBan) => void;
  'group:channel_unban': (channel: ChatChannel, user: ChatUser, ban: ChatBan) => void;
  'group:channel_message_read_event': (channel: ChatChannel) => void;
  'group:channel_message_delivered_event': (channel: ChatChannel) => void;
  user_update: (user: ChatUser) => void;
  user_delete: (user: ChatUser) => void;
}

export type ChatEventName = keyof ChatServerEvents;

export const CHAT_EVENT_NAMES = [
  'group:message_send',
  'group:message_update',
  'group:message_delete',
  'group:channel_update',
  'group:channel_delete',
  'group:channel_freeze',
  'group:channel_unfreeze',
  'group:channel_join',
  'group:channel_leave',
  'group:channel_manager_create',
  'group:channel_manager_delete',
  'group:channel_ban',
  'group:channel_unban',
  'group:channel_message_read_event',
  'group:channel_message_delivered_event',
  'user_update',
  'user_delete',
] as const satisfies ReadonlyArray<ChatEventName>;

/** Handshake `auth` (or query) of a chat socket.io connection. */
export interface ChatConnectionAuth {
  app_id: string;
  user_id: string;
  /** A session token from `POST /v1/users/{id}/token`, or the sdk token it was exchanged for. */
  token: string;
}

/**
 * Why the server ends a chat connection whose token stopped being valid: sent as the `error` event
 * right before the server disconnects the socket. The SDK answers both by renewing its token.
 */
export const CHAT_TOKEN_END_REASONS = { expired: 'token expired', revoked: 'token revoked' } as const;
export type ChatTokenEndReason = (typeof CHAT_TOKEN_END_REASONS)[keyof typeof CHAT_TOKEN_END_REASONS];

/** Error body of every chat API answer that is not a success. */
export interface ChatErrorBody {
  status: number;
  /** Unix ms. */
  timestamp: number;
  path: string;
  message: string;
  code: number;
}

export const CHAT_ERROR_CODES = {
  unauthorized: 4001,
  /** Reserved (the seed's code): Parley answers an unknown app like a wrong key or token, 4001, so app ids cannot be probed. */
  unknownApp: 4003,
  invalidParameter: 1001,
  resourceNotFound: 1002,
  channelNotFound: 1003,
  userNotFound: 1004,
  messageNotFound: 1005,
  alreadyJoined: 1006,
  duplicateId: 1007,
  notJoined: 1008,
  frozen: 1009,
  membersLimit: 1010,
  managersLimit: 1011,
  fileSizeLimit: 1012,
  notManager: 1016,
  managersCannotBanEachOther: 1017,
  cannotBanYourself: 1018,
  banned: 1019,
  noPermission: 3001,
  tooManyRequests: 9001,
  unknown: 9999,
} as const;

export type ChatErrorCode = (typeof CHAT_ERROR_CODES)[keyof typeof CHAT_ERROR_CODES];

export const CHAT_LIMITS = {
  /** `channel_id`: `[a-z0-9_]`, 4–80 characters. */
  channelIdMin: 4,
  channelIdMax: 80,
  channelNameMax: 150,
  userNameMax: 150,
  /** `user_id`: `[A-Za-z0-9_.@+:-]`, 1–128 characters. */
  userIdMax: 128,
  profileUrlMax: 2048,
  /** Members named in one channel creation. */
  createMembersMax: 100,
  /** Members a channel may have. */
  channelMembersMax: 1000,
  managersMax: 20,
  metaPairsMax: 10,
  metaKeyMaxBytes: 100,
  metaValueMaxBytes: 200,
  contentMaxBytes: 10_000,
  /** Page size of lists: default and maximum. */
  pageDefault: 20,
  pageMax: 100,
  /** Default size limit of an uploaded file (servers may configure another). */
  fileMaxBytes: 25 * 1024 * 1024,
  banSecondsMax: 10 * 365 * 86_400,
  banReasonMax: 500,
} as const;

export const CHANNEL_ID_PATTERN = /^[a-z0-9_]{4,80}$/;
export const USER_ID_PATTERN = /^[A-Za-z0-9_.@+:-]{1,128}$/;
