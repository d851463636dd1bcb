/**
 * Constants of the RTCS-compatible realtime face (DESIGN.md, "Realtime contract"): the command event,
 * namespaces, limits, reserved event names and webhook types. Plain values; the shapes built on them
 * are in rtcs-schemas.ts.
 */

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
  /** Deepest nesting of objects and arrays a publish's `data` may have. */
  publishDataMaxDepth: 64,
  /** `event` name of a publish, in UTF-8 bytes. */
  eventNameMaxBytes: 200,
  /** `via` of an access request, in UTF-8 bytes. */
  viaMaxBytes: 64,
  /** `via` when an access request names none. */
  viaDefault: 'browser',
  /** `appkey` path parameter, in characters. */
  appKeyMax: 64,
  /** WebAuth and webhook calls: one attempt, cut after this long. */
  hookTimeoutMs: 1000,
} as const;

/** The data limit as the API's messages say it ("1 MB"). */
export const PUBLISH_DATA_LIMIT_TEXT = `${RTCS_LIMITS.publishDataMaxBytes / (1024 * 1024)} MB`;

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

/** Webhook types, in the order the RTCS seed lists them. */
export const WEBHOOK_TYPES = ['connect', 'disconnect', 'subscribe', 'unsubscribe'] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

/** Result types the server sends on `rtcs:channel` in answer to a command. */
export const CHANNEL_RESULT_TYPES = ['subscribe_success', 'subscribe_error', 'unsubscribe_success', 'unsubscribe_error'] as const;
export type ChannelResultType = (typeof CHANNEL_RESULT_TYPES)[number];
