/**
 * Names of the GitpleLive-compatible chat face (DESIGN.md, "Chat contract"): realtime event names,
 * token-end reasons, error codes. Plain values, what the SDK and the demo page take (limits are in
 * chat-limits.ts, shapes in chat-schemas.ts and chat-events.ts, none of which their bundles carry).
 */

/** Names of the server → client socket.io events of a chat connection (their arguments: chat-events.ts). */
export const CHAT_EVENT_NAMES = [
  'group:message_send',
  'group:message_update',
  'group:message_delete',
  'group:message_reaction',
  'group:message_mention',
  'group:thread_update',
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
  'group:channel_mute',
  'group:channel_unmute',
  'group:channel_message_read_event',
  'group:channel_message_delivered_event',
  'group:channel_typing',
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
  tokenExpired: 4002,
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
  wordFiltered: 1020,
  muted: 1021,
  blocked: 1022,
  noPermission: 3001,
  tooManyRequests: 9001,
  unknown: 9999,
} as const;

export type ChatErrorName = keyof typeof CHAT_ERROR_CODES;
export type ChatErrorCode = (typeof CHAT_ERROR_CODES)[ChatErrorName];
