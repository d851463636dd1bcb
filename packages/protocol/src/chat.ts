/**
 * Constants of the GitpleLive-compatible chat face (DESIGN.md, "Chat contract"): limits, id rules,
 * realtime event names, error codes. Plain values, so that the SDK and the demo page take them without
 * TypeBox; the shapes built on them are in chat-schemas.ts and chat-events.ts.
 */

export const CHAT_LIMITS = {
  /** `channel_id`: `[a-z0-9_]`, channelIdMin–channelIdMax characters. */
  channelIdMin: 4,
  channelIdMax: 80,
  channelNameMax: 150,
  userNameMax: 150,
  /** `user_id`: `[A-Za-z0-9_.@+:-]`, 1–userIdMax characters. */
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
  /** Default size limit of an uploaded file (FILE_MAX_BYTES may configure another). */
  fileMaxBytes: 25 * 1024 * 1024,
  banSecondsMax: 10 * 365 * 86_400,
  banReasonMax: 500,
  /** Longest path parameter (ids are shorter; longer ones are refused before routing). */
  pathParamMax: 256,
  /** A session token's lifetime when `expires_at` is not given, and the longest one may ask for. */
  sessionTokenDefaultMs: 7 * 86_400_000,
  sessionTokenMaxMs: 10 * 365 * 86_400_000,
  /** An sdk token (POST /v1/sdk/users/token) lives at most this long, and never past its session token. */
  sdkTokenMaxMs: 86_400_000,
} as const;

export const CHANNEL_ID_PATTERN = new RegExp(`^[a-z0-9_]{${CHAT_LIMITS.channelIdMin},${CHAT_LIMITS.channelIdMax}}$`);
export const USER_ID_PATTERN = new RegExp(`^[A-Za-z0-9_.@+:-]{1,${CHAT_LIMITS.userIdMax}}$`);

/** Names of the server → client socket.io events of a chat connection (their arguments: chat-events.ts). */
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
] as const;

export type ChatEventName = (typeof CHAT_EVENT_NAMES)[number];

/**
 * Why the server ends a chat connection whose token stopped being valid: sent as the `error` event
 * right before the server disconnects the socket. The SDK answers both by renewing its token.
 */
export const CHAT_TOKEN_END_REASONS = { expired: 'token expired', revoked: 'token revoked' } as const;
export type ChatTokenEndReason = (typeof CHAT_TOKEN_END_REASONS)[keyof typeof CHAT_TOKEN_END_REASONS];

/** The `code` of a chat error body; statuses and meanings are in error-tables.ts. */
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

export type ChatErrorName = keyof typeof CHAT_ERROR_CODES;
export type ChatErrorCode = (typeof CHAT_ERROR_CODES)[ChatErrorName];
