/**
 * The RTCS wire shapes as TypeBox schemas, each with its static type of the same name: the Service API's
 * requests and answers, the `rtcs:channel` command and its answers, the access URL's query, and the
 * WebAuth and webhook bodies. Request schemas check types only: the rules (byte lengths, name rules,
 * counts) are checked by the server with messages naming the field, and stated in the descriptions.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CHANNEL_NAME_RULE } from './channels.ts';
import { CHANNEL_RESULT_TYPES, PUBLISH_DATA_LIMIT_TEXT, RESERVED_EVENT_NAMES, RTCS_LIMITS, WEBHOOK_TYPES } from './rtcs.ts';

const L = RTCS_LIMITS;
const literals = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v as T[number])));

export const ChannelName = Type.String({ description: CHANNEL_NAME_RULE });

export const AppParams = Type.Object({ appkey: Type.String({ maxLength: L.appKeyMax, description: 'the app id' }) });
export type AppParams = Static<typeof AppParams>;

export const ChannelQuery = Type.Object({ channel: ChannelName });
export type ChannelQuery = Static<typeof ChannelQuery>;

/** Body of `POST /v2/auth/{appkey}/access`. */
export const AccessRequest = Type.Object({
  user: Type.String({ description: `the user the connection acts as, at most ${L.userMaxBytes} bytes (UTF-8)` }),
  channels: Type.Optional(Type.Array(ChannelName, { description: `at most ${L.accessChannelsMax} channels, pre-authorised and joined at connect` })),
  via: Type.Optional(Type.String({ default: L.viaDefault, description: `the client kind, 1-${L.viaMaxBytes} bytes` })),
});
export type AccessRequest = Static<typeof AccessRequest>;

export const AccessResponse = Type.Object({
  url: Type.String({ description: 'the signed connection URL, for io(url): {PUBLIC_URL}/socket.io/1/?app=…&ts=…&s=…&d=…&t=…' }),
  app: Type.String(),
});
export type AccessResponse = Static<typeof AccessResponse>;

/** Published data, delivered as it is: a string, an object or an array. */
export const PublishData = Type.Union([Type.String(), Type.Object({}), Type.Array(Type.Unknown())], {
  description: `smaller than ${PUBLISH_DATA_LIMIT_TEXT} as JSON (413 otherwise), nested at most ${L.publishDataMaxDepth} levels`,
});

/** Body of `POST /v2/event/{appkey}/channel`. */
export const PublishRequest = Type.Object({
  channels: Type.Array(ChannelName, { description: `1-${L.publishChannelsMax} channels; each subscribed session gets the event once` }),
  event: Type.String({ description: `1-${L.eventNameMaxBytes} bytes; not a reserved name (${[...RESERVED_EVENT_NAMES].join(', ')})` }),
  data: PublishData,
});
export type PublishRequest = Static<typeof PublishRequest>;

export const PublishResponse = Type.Object({ accepted: Type.String({ description: 'the id of the node that took the publish' }), app: Type.String() });
export type PublishResponse = Static<typeof PublishResponse>;

export const ExistsResponse = Type.Object({ occupied: Type.Boolean({ description: 'at least one session is subscribed, cluster-wide' }) });

/** Session id → user string of a member_/presence_ channel. */
export const MemberMap = Type.Record(Type.String(), Type.String(), { description: 'session id → user, cluster-wide' });
export type MemberMap = Static<typeof MemberMap>;

export const CountResponse = Type.Object({ count: Type.Integer({ description: 'sessions subscribed, cluster-wide' }) });

/** Error body of the Service API; `code` repeats the HTTP status. */
export const RtcsErrorBody = Type.Object({ code: Type.Integer({ description: 'the HTTP status' }), message: Type.String() });
export type RtcsErrorBody = Static<typeof RtcsErrorBody>;

/** What the access URL grants, carried base64url-encoded in its `d` parameter. */
export const AccessGrant = Type.Object({ user: Type.String(), channels: Type.Array(Type.String()), via: Type.String() });
export type AccessGrant = Static<typeof AccessGrant>;

/** The query of an access URL (or the handshake query / `connectParams` carrying the same). */
export const AccessUrlQuery = Type.Object({
  app: Type.String({ description: 'the app id' }),
  ts: Type.String({ description: 'unix seconds of signing; the URL expires ACCESS_URL_TTL_S later' }),
  d: Type.String({ description: 'base64url of the granted {user, channels, via}' }),
  s: Type.String({ description: 'hex HMAC-SHA256(api key, `app:ts:d`)' }),
  t: Type.Optional(Type.String({ description: 'ignored (old clients append a second t)' })),
});

/** Client → server payload on `rtcs:channel`. */
export const ChannelCommand = Type.Object({
  command: Type.Union([Type.Literal('subscribe'), Type.Literal('unsubscribe')]),
  name: ChannelName,
});
export type ChannelCommand = Static<typeof ChannelCommand>;

/** Server → client answer on `rtcs:channel` to a channel command (or a channel granted at access). */
export const ChannelResult = Type.Object({
  type: literals(CHANNEL_RESULT_TYPES),
  name: Type.String(),
  message: Type.String({ description: 'empty on success; why, on an error' }),
  members: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description:
        'only on subscribe_success of a member_/presence_ channel, and only while it has at most PRESENCE_MEMBERS_MAX sessions: session id → user',
    }),
  ),
  count: Type.Optional(Type.Integer({ description: 'on subscribe_success of a member_/presence_ channel: its sessions, cluster-wide, the joiner included' })),
});
export type ChannelResult = Static<typeof ChannelResult>;

/** Server → client presence notice on `rtcs:channel`, to the other sessions of a presence_ channel. */
export const PresenceNotice = Type.Object({
  type: Type.Union([Type.Literal('member_join'), Type.Literal('member_leave')]),
  name: Type.String(),
  message: Type.Literal(''),
  info: Type.Object({ session: Type.String(), user: Type.String() }),
});
export type PresenceNotice = Static<typeof PresenceNotice>;

/** Body POSTed to an app's webhook URL. */
export const WebhookBody = Type.Object({
  time: Type.String({ description: 'unix ms' }),
  type: literals(WEBHOOK_TYPES),
  app: Type.String(),
  user: Type.String(),
  session: Type.String(),
  detail: Type.Union([Type.Object({ origin: Type.String() }), Type.Object({ channel: Type.String() })]),
});
export type WebhookBody = Static<typeof WebhookBody>;

/** Body POSTed to an app's WebAuth URL when a client subscribes to an auth channel it was not granted. */
export const WebAuthBody = Type.Object({
  time: Type.String({ description: 'unix ms' }),
  type: Type.Literal('subscribe'),
  app: Type.String(),
  user: Type.String(),
  channel: Type.String(),
});
export type WebAuthBody = Static<typeof WebAuthBody>;
