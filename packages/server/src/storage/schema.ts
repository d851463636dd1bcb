/**
 * Row types of every table, shared by both engines. Timestamps are unix milliseconds (bigint in
 * PostgreSQL, parsed back to numbers by the connection; integer in SQLite).
 */
import type { Generated } from 'kysely';

export interface AppTable {
  id: string;
  api_key: string;
  /** HS256 secret of the app's chat session tokens. */
  token_secret: string;
  webauth_url: string | null;
  webhook_url: string | null;
  /** Comma list of webhook types to send. */
  webhook_events: string;
  /** Chat settings (migration 0008_app_settings): the word filter as a JSON array, and chat webhooks. */
  word_filter_words: string;
  word_filter_mode: string;
  chat_webhook_url: string | null;
  /** Comma list of chat webhook events. */
  chat_webhook_events: string;
  /** HMAC key of chat webhook signatures; '' until first needed (rows made before 0008). */
  chat_webhook_secret: string;
  created_at: number;
  updated_at: number;
}


/** Chat rows (migration 0002_chat). Meta columns hold a JSON object of strings; booleans are 0/1. */
export interface ChatUserTable {
  app_id: string;
  user_id: string;
  name: string;
  profile_url: string;
  meta: string;
  /** Session tokens issued at or before this ms are refused (0 = none revoked). */
  tokens_revoked_at: Generated<number>;
  /** Random per creation of the user id, carried in its tokens (migration 0004). */
  incarnation: string;
  created_at: number;
  updated_at: number;
}

export interface ChatChannelTable {
  app_id: string;
  channel_id: string;
  name: string;
  profile_url: string;
  meta: string;
  freeze: Generated<number>;
  last_message_id: Generated<number>;
  total_message_count: Generated<number>;
  total_file_count: Generated<number>;
  member_key: string;
  reusable: Generated<number>;
  /** 1: any user of the app may see and join it; 0 (default): members only (migration 0003). */
  is_public: Generated<number>;
  /** JSON array of pinned message ids, newest pin first, at most 10 (migration 0012_message_actions). */
  pinned_message_ids: Generated<string>;
  /** When its last message was sent, 0 before any (migration 0013_threads_mentions). */
  last_message_at: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface ChatMemberTable {
  app_id: string;
  channel_id: string;
  user_id: string;
  joined_at: number;
  read_message_id: Generated<number>;
  read_at: Generated<number>;
  delivered_at: Generated<number>;
  /** Messages mentioning the member since its last read (migration 0013_threads_mentions). */
  unread_mention_count: Generated<number>;
}

export interface ChatManagerTable {
  app_id: string;
  channel_id: string;
  user_id: string;
  created_at: number;
}

export interface ChatMessageTable {
  app_id: string;
  channel_id: string;
  message_id: number;
  type: string;
  user_id: string;
  content: string | null;
  file_key: string | null;
  file_name: string | null;
  file_type: string | null;
  file_size: number | null;
  meta: string;
  created_at: number;
  updated_at: number;
  /** When the content was last edited; null until then (migration 0012_message_actions). */
  edited_at: number | null;
  /** Threads and mentions (migration 0013_threads_mentions): a reply's top-level parent, null for a top-level message. */
  parent_message_id: number | null;
  /** JSON array of the mentioned user ids. */
  mentioned_user_ids: Generated<string>;
  /** A top-level message's thread: its replies, the last one's time, and its most recent repliers ('\n'-terminated ids, newest first). */
  reply_count: Generated<number>;
  last_replied_at: Generated<number>;
  reply_user_ids: Generated<string>;
}

export interface ChatBanTable {
  app_id: string;
  channel_id: string;
  user_id: string;
  seconds: number;
  reason: string;
  created_at: number;
  expires_at: number;
}

/** The console's secrets by name (migration 0005_admin): `admin_token` holds the admin token's scrypt hash. */
/** Channel mutes (migration 0009_mutes): the member stays, but its sends are refused until expires_at. */
export interface ChatMuteTable {
  app_id: string;
  channel_id: string;
  user_id: string;
  seconds: number;
  description: string;
  created_at: number;
  expires_at: number;
}

/** Reports (migration 0010_reports): what users flagged for the app's moderators. */
export interface ChatReportTable {
  app_id: string;
  report_id: string;
  target: string;
  channel_id: string | null;
  message_id: number | null;
  user_id: string | null;
  reporter: string;
  reason: string;
  created_at: number;
}

/** Blocks (migration 0011_blocks): `user_id` receives nothing from `blocked_id`, live or in history. */
export interface ChatBlockTable {
  app_id: string;
  user_id: string;
  blocked_id: string;
  created_at: number;
}

/** Reactions (migration 0012_message_actions): one row per message, key and reacting user. */
export interface ChatReactionTable {
  app_id: string;
  channel_id: string;
  message_id: number;
  reaction_key: string;
  user_id: string;
  created_at: number;
  /** Bumped on every row of the key when one of its users takes the reaction back (the key's updated_at is their max). */
  updated_at: number;
}

/** Export jobs (migration 0017_exports): `queued` → `running` (under a lease) → `done` | `failed`; `done` → `expired`. */
export interface ChatExportTable {
  app_id: string;
  export_id: string;
  type: string;
  channel_id: string | null;
  /** Inclusive and exclusive bounds on created_at (unix ms), or null. */
  from_at: number | null;
  to_at: number | null;
  status: string;
  count: Generated<number>;
  error: string | null;
  /** While running: the job belongs to its node until then (renewed); a lapsed lease frees it. */
  lease_until: Generated<number>;
  attempts: Generated<number>;
  /** Done: when its URL expires and its file is removed. */
  expires_at: number | null;
  created_at: number;
  updated_at: number;
}

/** Chat webhook events to deliver (migration 0014_chat_outbox). `status`: pending, delivered or failed. */
export interface ChatOutboxTable {
  app_id: string;
  /** Time-ordered; the delivery id (X-Parley-Delivery). */
  id: string;
  /** Events of one channel are delivered in id order; '' for events of no channel. */
  channel_id: string;
  event: string;
  /** JSON of the event's payload (the webhook body's `payload`). */
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  /** The last failed try's outcome ('' when none). */
  last_error: string;
  created_at: number;
  updated_at: number;
}

/** Which node dispatches the outbox, until when (migration 0014_chat_outbox). */
export interface ChatOutboxLeaseTable {
  name: string;
  holder: string;
  expires_at: number;
}

/** A user's push tokens, one per device (migration 0015_push_tokens). `type`: fcm, apns or web. */
export interface ChatPushTokenTable {
  app_id: string;
  user_id: string;
  token: string;
  type: string;
  created_at: number;
}

export interface AdminSecretTable {
  name: string;
  hash: string;
  updated_at: number;
}

/** One action an operator took in the console (migration 0005_admin). */
export interface AdminAuditTable {
  id: string;
  at: number;
  actor: string;
  ip: string;
  action: string;
  app: string;
  target: string;
  detail: string;
}

export interface Database {
  apps: AppTable;
  chat_mutes: ChatMuteTable;
  chat_reports: ChatReportTable;
  chat_blocks: ChatBlockTable;
  chat_reactions: ChatReactionTable;
  chat_outbox: ChatOutboxTable;
  chat_outbox_lease: ChatOutboxLeaseTable;
  chat_push_tokens: ChatPushTokenTable;
  chat_users: ChatUserTable;
  chat_channels: ChatChannelTable;
  chat_members: ChatMemberTable;
  chat_managers: ChatManagerTable;
  chat_messages: ChatMessageTable;
  chat_bans: ChatBanTable;
  chat_exports: ChatExportTable;
  admin_secrets: AdminSecretTable;
  admin_audit: AdminAuditTable;
}
