/** Limits and id rules of the chat face (DESIGN.md, "Chat contract"), checked by the chat services. */

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
  /** A reaction key's length in characters, and the distinct keys one message may carry. */
  reactionKeyMax: 32,
  reactionKeysMax: 20,
  /** Messages pinned in one channel. */
  pinnedMessagesMax: 10,
  /** Page size of lists: default and maximum. */
  pageDefault: 20,
  pageMax: 100,
  /** Default size limit of an uploaded file (FILE_MAX_BYTES may configure another). */
  fileMaxBytes: 25 * 1024 * 1024,
  banSecondsMax: 10 * 365 * 86_400,
  banReasonMax: 500,
  /** Users one message may mention. */
  mentionsMax: 10,
  /** Recent repliers a thread's info names. */
  threadRepliersMax: 5,
  /** Channels one `PUT /v1/sdk/users/me/read` may mark. */
  readChannelsMax: 100,
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
