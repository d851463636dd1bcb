/**
 * Wire contract of the operator console (DESIGN.md, "Admin console"): the JSON API under `/admin/api`
 * (bearer `ADMIN_TOKEN`) and the debug stream it serves as NDJSON. The server's route schemas are
 * checked against these types at compile time; the console (packages/admin) imports them.
 */
import type { WebhookType } from './rtcs.ts';
import type { MemberMap } from './rtcs-schemas.ts';

/** What the debug console shows, one kind per realtime or chat happening. */
export const ACTIVITY_TYPES = ['connect', 'disconnect', 'subscribe', 'unsubscribe', 'publish', 'webauth', 'webhook', 'chat_send', 'moderation'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/** How a WebAuth or webhook call ended (`ok` = HTTP 200; `refused`: not called, see OUTBOUND_DENY_PRIVATE). */
export type HookOutcome = 'ok' | 'rejected' | 'timeout' | 'error' | 'refused';

/** Longest payload preview an activity carries, in characters; longer ones end with `…` and `truncated`. */
export const ACTIVITY_PREVIEW_MAX = 200;

/** One happening of one app on one node, as the debug console shows it. Absent fields do not apply. */
export interface ActivityEvent {
  /** Unix ms on the node where it happened. */
  at: number;
  type: ActivityType;
  /** The node's id (`hostname-pid-random`). */
  node: string;
  /** Public session id. */
  session?: string;
  user?: string;
  /** `rtcs` (a client of an access URL) or `chat` (an SDK connection). */
  kind?: 'rtcs' | 'chat';
  /** `websocket`, `polling`, `legacy09-websocket`, … */
  transport?: string;
  /** The channel of a (un)subscribe, WebAuth answer, webhook or chat event. */
  channel?: string;
  /** The channels of a publish. */
  channels?: string[];
  /** Published event name, webhook type, or chat event (`group:message_send`, `group:channel_ban`, …). */
  event?: string;
  /** Payload preview (JSON text), at most ACTIVITY_PREVIEW_MAX characters. */
  data?: string;
  truncated?: boolean;
  /** WebAuth answers and webhook deliveries. */
  outcome?: HookOutcome;
  status?: number;
  ms?: number;
  /** A human-readable summary (a refusal reason, a moderation target). */
  detail?: string;
}

/** One frame of `GET /admin/api/apps/{app}/activity` (NDJSON: one JSON object per line). */
export type ActivityFrame =
  | { type: 'hello'; app: string; node: string; sampleRatePerS: number }
  /**
   * `dropped.source`: left out by the nodes where they happened, which keep at most `sampleRatePerS`
   * per app so that watching never slows delivery; `dropped.console`: left out because this stream
   * could not keep up. Both count since the previous frame.
   */
  | { type: 'activity'; events: ActivityEvent[]; dropped: { source: number; console: number } }
  | { type: 'ping'; at: number }
  /** The server ends the stream (shutting down, or replaced); the console may reconnect. */
  | { type: 'end'; reason: string };

/** Sessions of one node by kind, then by transport. */
export type ConnectionCounts = Record<'rtcs' | 'chat', Record<string, number>>;

/** Calls by outcome. */
export type HookCounts = Partial<Record<HookOutcome, number>>;

/** One node's figures, sampled about once a second while an overview is open. */
export interface NodeStats {
  node: string;
  version: string;
  /** Unix ms of the sample. */
  at: number;
  startedAt: number;
  connections: ConnectionCounts;
  subscriptions: number;
  /** Channels with at least one local subscriber (internal chat channels included). */
  channels: number;
  /** Per second, over the last sampling interval. */
  rates: { publishes: number; deliveries: number; chatSends: number };
  /** Since the node started. */
  totals: {
    publishes: number;
    deliveries: number;
    chatSends: number;
    slowConsumerDrops: number;
    floodDrops: number;
    webhooks: HookCounts;
    webauth: HookCounts;
  };
}

/** `GET /admin/api/overview`: every live node, and their sums. */
export interface AdminOverview {
  at: number;
  /** Answering node. */
  node: string;
  cluster: boolean;
  nodes: NodeStats[];
  sum: Omit<NodeStats, 'node' | 'version' | 'at' | 'startedAt'> & { nodes: number };
}

/** `GET /admin/api/session`: the token is good. */
export interface AdminSession {
  node: string;
  version: string;
  cluster: boolean;
}

/** An app as the console shows it. */
export interface AdminApp {
  id: string;
  api_key: string;
  webauth_url: string | null;
  webhook_url: string | null;
  webhook_events: WebhookType[];
  created_at: number;
  updated_at: number;
}

/** Body of `POST /admin/api/apps`. */
export interface AdminAppCreate {
  id: string;
  webauth_url?: string | null;
  webhook_url?: string | null;
  webhook_events?: WebhookType[];
}

/** Body of `PUT /admin/api/apps/{app}`: the fields given change. */
export type AdminAppUpdate = Omit<AdminAppCreate, 'id'>;

/** Actions the audit log records. */
export const AUDIT_ACTIONS = [
  'app_create',
  'app_update',
  'app_rotate_key',
  'app_chat_settings',
  'message_delete',
  'channel_freeze',
  'channel_unfreeze',
  'user_ban',
  'user_unban',
  'user_mute',
  'user_unmute',
  'user_revoke_tokens',
  'session_disconnect',
  'event_publish',
  'chat_webhook_retry',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One audit log entry: who did what, when. */
export interface AuditEntry {
  /** Sortable id (newest last). */
  id: string;
  at: number;
  /** The operator's name given at sign-in (or `admin`), and the address the request came from. */
  actor: string;
  ip: string;
  action: AuditAction;
  app: string;
  /** What it acted on: `channel/42`, `channel`, `user`, a session id. */
  target: string;
  /** JSON of the action's parameters (ban seconds and reason, the new settings, …). */
  detail: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `before` for the next (older) page; null at the end. */
  next: string | null;
}

/** `GET /admin/api/apps/{app}/presence?channel=`. */
export interface AdminPresence {
  channel: string;
  count: number;
  /** Session id → user, at most PRESENCE_LIST_MAX of them. */
  members: MemberMap;
  truncated: boolean;
}

/** Most sessions a presence answer lists. */
export const PRESENCE_LIST_MAX = 1000;

/** Error body of the admin API: `code` is the chat error code for chat refusals, else the HTTP status. */
export interface AdminErrorBody {
  code: number;
  message: string;
}

/** The header the console sends with the operator's name for the audit log, percent-encoded (UTF-8). */
export const ADMIN_OPERATOR_HEADER = 'x-parley-operator';
