/** Wire contract of the RTCS-compatible realtime face (see DESIGN.md, "Realtime contract"). */

/** The one event a client emits to (un)subscribe, and on which the server answers. */
export const RTCS_CHANNEL_EVENT = 'rtcs:channel';

/**
 * The namespaces an RTCS client lives on, whatever its generation: an access URL's path
 * (`/socket.io/1/`) makes socket.io clients join that namespace, and clients given the bare host use `/`.
 */
export const RTCS_NAMESPACES = ['/', '/socket.io/1/'] as const;

/** Limits of the Service API, as the RTCS seed states them. */
export const RTCS_LIMITS = {
  /** `user` of an access request, in UTF-8 bytes. */
  userMaxBytes: 200,
  /** Channels that an access request may pre-authorise. */
  accessChannelsMax: 3,
  /** Channels one publish may name. */
  publishChannelsMax: 100,
  /** Published `data` must be smaller than this many bytes (1 MB); at or above it the API answers 413. */
  publishDataMaxBytes: 1024 * 1024,
  /** `event` name of a publish, in UTF-8 bytes. */
  eventNameMaxBytes: 200,
  /** `via` of an access request, in UTF-8 bytes. */
  viaMaxBytes: 64,
} as const;

/**
 * Event names a publish may not use: RTCS's own and those socket.io (any generation) reserves.
 * Publishing under one of them would be swallowed or misread by client libraries.
 */
export const RESERVED_EVENT_NAMES: ReadonlySet<string> = new Set([
  RTCS_CHANNEL_EVENT,
  'connect',
  'connect_error',
  'connect_timeout',
  'connecting',
  'disconnect',
  'disconnecting',
  'error',
  'message',
  'newListener',
  'removeListener',
  'open',
  'close',
  'ping',
  'pong',
  'retry',
  'reconnect',
  'reconnect_attempt',
  'reconnect_error',
  'reconnect_failed',
  'reconnecting',
]);

/** Client → server payload on `rtcs:channel`. */
export interface ChannelCommand {
  command: 'subscribe' | 'unsubscribe';
  name: string;
}

/** Result types the server sends on `rtcs:channel`. */
export type ChannelResultType = 'subscribe_success' | 'subscribe_error' | 'unsubscribe_success' | 'unsubscribe_error';

/** Session id → user string of a member_/presence_ channel. */
export type MemberMap = Record<string, string>;

/** Server → client answer to a channel command (or a channel granted at access). */
export interface ChannelResult {
  type: ChannelResultType;
  name: string;
  message: string;
  /**
   * Only on `subscribe_success` of a member_/presence_ channel, and only while the channel has at most
   * the server's PRESENCE_MEMBERS_MAX sessions (large channels would make every join cost N).
   */
  members?: MemberMap;
  /** On `subscribe_success` of a member_/presence_ channel: its sessions, cluster-wide, the joiner included. */
  count?: number;
}

/** Server → client presence notice on `rtcs:channel`, to the other sessions of a presence_ channel. */
export interface PresenceNotice {
  type: 'member_join' | 'member_leave';
  name: string;
  message: '';
  info: { session: string; user: string };
}

/** What the access URL grants, carried base64url-encoded in its `d` parameter. */
export interface AccessGrant {
  user: string;
  channels: string[];
  via: string;
}

/** Body of `POST /v2/auth/{appkey}/access`. */
export interface AccessRequest {
  user: string;
  channels?: string[];
  via?: string;
}

/** Body of `POST /v2/event/{appkey}/channel`. */
export interface PublishRequest {
  channels: string[];
  event: string;
  data: string | object;
}

/** Webhook types, in the order the RTCS seed lists them. */
export const WEBHOOK_TYPES = ['connect', 'disconnect', 'subscribe', 'unsubscribe'] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

/** Body POSTed to an app's webhook URL. */
export interface WebhookBody {
  time: string;
  type: WebhookType;
  app: string;
  user: string;
  session: string;
  detail: { origin: string } | { channel: string };
}

/** Body POSTed to an app's WebAuth URL when a client subscribes to an auth channel it was not granted. */
export interface WebAuthBody {
  time: string;
  type: 'subscribe';
  app: string;
  user: string;
  channel: string;
}

/** Error body of the Service API; `code` repeats the HTTP status. */
export interface RtcsErrorBody {
  code: number;
  message: string;
}
