/**
 * TypeBox schemas of the admin API (`/admin/api`), with an example each, for validation and the OpenAPI
 * document. The types they describe are the protocol's (packages/protocol/src/admin.ts); `Same` below
 * fails to compile when the two drift apart.
 */
import {
  ACTIVITY_TYPES,
  AUDIT_ACTIONS,
  WEBHOOK_TYPES,
  CHAT_WEBHOOK_DELIVERY_STATUSES,
  CHAT_WEBHOOK_EVENTS,
  type AdminApp,
  type ChatWebhookDelivery,
  type ChatWebhookDeliveryPage,
  type AdminAppCreate,
  type AdminOverview,
  type AdminPresence,
  type AdminSession,
  type AuditPage,
} from '@parley/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { ADMIN_ERRORS, AdminError } from '../http/api-components.ts';

/** Compile-time check that a schema's static type and a protocol type are the same. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <T extends true>(): T | undefined => undefined;

/** Every admin route: bearer ADMIN_TOKEN (the OpenAPI security scheme `adminToken`). */
export const SECURITY = [{ adminToken: [] }];
export const TAGS = ['admin'];

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const AdminErrorSchema = AdminError;

/** The error answers every admin route may give (the AdminError envelope), besides its own. */
export const ERRORS = ADMIN_ERRORS;

const Counts = Type.Record(Type.String(), Type.Integer());
const HookCounts = Type.Object({
  ok: Type.Optional(Type.Integer()),
  rejected: Type.Optional(Type.Integer()),
  timeout: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.Integer()),
  refused: Type.Optional(Type.Integer()),
});
const Connections = Type.Object({ rtcs: Counts, chat: Counts }, { description: 'sessions by kind, then by transport' });
const Rates = Type.Object({ publishes: Type.Number(), deliveries: Type.Number(), chatSends: Type.Number() }, { description: 'per second' });
const Totals = Type.Object({
  publishes: Type.Integer(),
  deliveries: Type.Integer(),
  chatSends: Type.Integer(),
  slowConsumerDrops: Type.Integer(),
  floodDrops: Type.Integer(),
  webhooks: HookCounts,
  webauth: HookCounts,
});
const NodeStatsSchema = Type.Object({
  node: Type.String(),
  version: Type.String(),
  at: Type.Integer(),
  startedAt: Type.Integer(),
  connections: Connections,
  subscriptions: Type.Integer(),
  channels: Type.Integer(),
  rates: Rates,
  totals: Totals,
});
const exampleNode = {
  node: 'web-1-4242-a1b2c3',
  version: '0.1.0',
  at: 1764590400000,
  startedAt: 1764586800000,
  connections: { rtcs: { websocket: 120, polling: 3 }, chat: { websocket: 40 } },
  subscriptions: 410,
  channels: 95,
  rates: { publishes: 12, deliveries: 1450, chatSends: 3 },
  totals: { publishes: 43000, deliveries: 5200000, chatSends: 9100, slowConsumerDrops: 2, floodDrops: 0, webhooks: { ok: 8800, timeout: 4 }, webauth: { ok: 310, rejected: 12 } },
};
export const OverviewSchema = Type.Object(
  {
    at: Type.Integer(),
    node: Type.String({ description: 'the node that answered' }),
    cluster: Type.Boolean(),
    nodes: Type.Array(NodeStatsSchema),
    sum: Type.Object({
      nodes: Type.Integer(),
      connections: Connections,
      subscriptions: Type.Integer(),
      channels: Type.Integer({ description: 'summed over nodes: a channel hosted by n nodes counts n times' }),
      rates: Rates,
      totals: Totals,
    }),
  },
  {
    examples: [
      {
        at: 1764590400000,
        node: exampleNode.node,
        cluster: false,
        nodes: [exampleNode],
        sum: { nodes: 1, connections: exampleNode.connections, subscriptions: exampleNode.subscriptions, channels: exampleNode.channels, rates: exampleNode.rates, totals: exampleNode.totals },
      },
    ],
  },
);

export const SessionSchema = Type.Object({ node: Type.String(), version: Type.String(), cluster: Type.Boolean() }, { examples: [{ node: exampleNode.node, version: '0.1.0', cluster: false }] });

const WebhookEvents = Type.Array(literals(WEBHOOK_TYPES), { maxItems: WEBHOOK_TYPES.length });
const HookUrl = Type.Union([Type.String({ maxLength: 2048 }), Type.Null()], { description: "http(s) URL; '' or null clears it" });
const exampleApp = {
  id: 'shop',
  api_key: 'Xq0-8mQpY2C1uO7sVd4k3ZbHf9wTn6aL',
  webauth_url: 'https://shop.example.com/parley/webauth',
  webhook_url: null,
  webhook_events: ['connect', 'disconnect'],
  created_at: 1764586800000,
  updated_at: 1764590400000,
};
export const AppSchema = Type.Object(
  {
    id: Type.String(),
    api_key: Type.String(),
    webauth_url: Type.Union([Type.String(), Type.Null()]),
    webhook_url: Type.Union([Type.String(), Type.Null()]),
    webhook_events: WebhookEvents,
    created_at: Type.Integer(),
    updated_at: Type.Integer(),
  },
  { examples: [exampleApp] },
);
export const AppListSchema = Type.Object({ apps: Type.Array(AppSchema) }, { examples: [{ apps: [exampleApp] }] });
export const AppCreateSchema = Type.Object(
  {
    id: Type.String({ maxLength: 64, description: '1-64 characters of A-Z, a-z, 0-9, _ and -' }),
    webauth_url: Type.Optional(HookUrl),
    webhook_url: Type.Optional(HookUrl),
    webhook_events: Type.Optional(WebhookEvents),
  },
  { additionalProperties: false, examples: [{ id: 'shop', webauth_url: 'https://shop.example.com/parley/webauth' }] },
);
export const AppUpdateSchema = Type.Object(
  { webauth_url: Type.Optional(HookUrl), webhook_url: Type.Optional(HookUrl), webhook_events: Type.Optional(WebhookEvents) },
  { additionalProperties: false, examples: [{ webhook_url: 'https://shop.example.com/parley/hooks', webhook_events: ['connect', 'disconnect', 'subscribe', 'unsubscribe'] }] },
);

export const AppParams = Type.Object({ app: Type.String({ maxLength: 64 }) });
export const ChannelParams = Type.Object({ app: Type.String({ maxLength: 64 }), channel: Type.String({ maxLength: 256 }) });
export const MessageParams = Type.Object({ app: Type.String({ maxLength: 64 }), channel: Type.String({ maxLength: 256 }), message: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
export const UserParams = Type.Object({ app: Type.String({ maxLength: 64 }), user: Type.String({ maxLength: 256 }) });
export const BanParams = Type.Object({ app: Type.String({ maxLength: 64 }), channel: Type.String({ maxLength: 256 }), user: Type.String({ maxLength: 256 }) });

export const PublishSchema = Type.Object(
  {
    channels: Type.Array(Type.String({ maxLength: 200 }), { minItems: 1, maxItems: 100 }),
    event: Type.String({ maxLength: 200 }),
    data: Type.Union([Type.String(), Type.Object({}, { additionalProperties: true }), Type.Array(Type.Unknown())]),
  },
  { additionalProperties: false, examples: [{ channels: ['news'], event: 'test', data: { hello: 'from the console' } }] },
);
export const PublishAnswerSchema = Type.Object({ accepted: Type.String(), app: Type.String() }, { examples: [{ accepted: exampleNode.node, app: 'shop' }] });

export const PresenceQuery = Type.Object({ channel: Type.String({ maxLength: 200, description: 'a presence_ or member_ channel' }) });
export const PresenceSchema = Type.Object(
  { channel: Type.String(), count: Type.Integer(), members: Type.Record(Type.String(), Type.String()), truncated: Type.Boolean() },
  { examples: [{ channel: 'presence_lobby', count: 2, members: { '3v9Qe1Jd0Qx8bO2vTn5cAw': 'alice', 'hK1m0P4rT7wZ2yB5nQ8sLg': 'bob' }, truncated: false }] },
);
export const DisconnectSchema = Type.Object(
  {
    channel: Type.String({ maxLength: 200 }),
    session: Type.String({ maxLength: 64 }),
    reason: Type.String({ minLength: 1, maxLength: 200, description: 'what the client is told' }),
  },
  { additionalProperties: false, examples: [{ channel: 'presence_lobby', session: '3v9Qe1Jd0Qx8bO2vTn5cAw', reason: 'disconnected by an operator' }] },
);
export const DisconnectedSchema = Type.Object({ session: Type.String(), user: Type.String() }, { examples: [{ session: '3v9Qe1Jd0Qx8bO2vTn5cAw', user: 'alice' }] });

/** Chat objects are the chat API's own (DESIGN.md); the console passes them on whole. */
const ChatObject = (description: string, example: unknown) => Type.Object({}, { additionalProperties: true, description, examples: [example] });
const exampleUser = { user_id: 'alice', name: 'Alice', profile_url: '', meta: {}, created_at: 1764586800000, updated_at: 1764586800000 };
const exampleChannel = { channel_id: 'lobby', name: 'Lobby', profile_url: '', type: 'group', is_public: false, freeze: false, total_message_count: 42, total_file_count: 0, meta: {}, created_at: 1764586800000, updated_at: 1764590400000 };
const exampleMessage = { message_id: 42, channel_id: 'lobby', type: 'text', content: 'hello', meta: {}, user: exampleUser, created_at: 1764590400000, updated_at: 1764590400000 };
const exampleBan = { user_id: 'mallory', seconds: 3600, reason: 'spam', created_at: 1764590400000, expires_at: 1764594000000 };
const exampleMute = { user_id: 'mallory', seconds: 600, description: 'cool down', created_at: 1764590400000, expires_at: 1764591000000 };
export const ChannelSchema = ChatObject('a chat channel, with its members', { ...exampleChannel, members: [exampleUser] });
export const ChannelListSchema = ChatObject('{channels, next}', { channels: [exampleChannel], next: null });
export const MemberListSchema = ChatObject('{members, next}', { members: [exampleUser], next: null });
export const MessageListSchema = ChatObject('{messages}, newest last', { messages: [exampleMessage] });
export const MessageSchema = ChatObject('the deleted message', exampleMessage);
export const BanSchema = ChatObject('a ban', exampleBan);
export const BannedListSchema = ChatObject('{banned, next}', { banned: [exampleBan], next: null });
export const MuteSchema = ChatObject('a mute', exampleMute);
export const MutedListSchema = ChatObject('{muted, next}', { muted: [exampleMute], next: null });
export const MuteBodySchema = Type.Object(
  { user_id: Type.String({ maxLength: 256 }), seconds: Type.Integer({ minimum: 1 }), description: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false, examples: [{ user_id: 'mallory', seconds: 600, description: 'cool down' }] },
);
export const RevokedSchema = Type.Object({ user_id: Type.String(), revoked_at: Type.Integer() }, { examples: [{ user_id: 'mallory', revoked_at: 1764590400000 }] });

export const ChannelSearchQuery = Type.Object({
  query: Type.Optional(Type.String({ maxLength: 150, description: 'a channel id, or a substring of channel names' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'default 20' })),
  next: Type.Optional(Type.String({ maxLength: 512 })),
});
export const PageQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })), next: Type.Optional(Type.String({ maxLength: 512 })) });
export const MessagesQuery = Type.Object({
  before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'messages below this id (default: the newest)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});
export const FreezeSchema = Type.Object({ freeze: Type.Boolean() }, { additionalProperties: false, examples: [{ freeze: true }] });
export const BanBodySchema = Type.Object(
  { user_id: Type.String({ maxLength: 256 }), seconds: Type.Integer({ minimum: 1 }), reason: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false, examples: [{ user_id: 'mallory', seconds: 3600, reason: 'spam' }] },
);

export const DeliveriesQuery = Type.Object({
  status: Type.Optional(literals(CHAT_WEBHOOK_DELIVERY_STATUSES)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'default 20' })),
  next: Type.Optional(Type.String({ maxLength: 64, description: 'the next of the previous page' })),
});
export const DeliveryParams = Type.Object({ app: Type.String({ maxLength: 64 }), id: Type.String({ maxLength: 64 }) });
const exampleDelivery = {
  id: '001764590400000-000000-9f2c4e1a',
  event: 'group:message_send' as const,
  channel_id: 'lobby',
  status: 'failed' as const,
  attempts: 4,
  last_error: 'HTTP 500',
  created_at: 1764590400000,
  updated_at: 1764590471000,
  next_attempt_at: 1764590471000,
  payload: { message: exampleMessage, channel: exampleChannel },
};
const DeliverySchemaBody = {
  id: Type.String({ description: 'X-Parley-Delivery' }),
  event: literals(CHAT_WEBHOOK_EVENTS),
  channel_id: Type.String(),
  status: literals(CHAT_WEBHOOK_DELIVERY_STATUSES),
  attempts: Type.Integer(),
  last_error: Type.String({ description: 'the last failed try: HTTP status, timeout, error or refused' }),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
  next_attempt_at: Type.Integer(),
  payload: Type.Record(Type.String(), Type.Unknown()),
};
export const DeliverySchema = Type.Object(DeliverySchemaBody, { examples: [{ ...exampleDelivery, status: 'pending', attempts: 0 }] });
export const DeliveryPageSchema = Type.Object(
  { deliveries: Type.Array(Type.Object(DeliverySchemaBody)), next: Type.Union([Type.String(), Type.Null()]) },
  { examples: [{ deliveries: [exampleDelivery], next: null }] },
);

export const AuditQuery = Type.Object({
  before: Type.Optional(Type.String({ maxLength: 64, description: 'the next of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 50' })),
  app: Type.Optional(Type.String({ maxLength: 64 })),
});
const AuditEntrySchema = Type.Object({
  id: Type.String(),
  at: Type.Integer(),
  actor: Type.String(),
  ip: Type.String(),
  action: literals(AUDIT_ACTIONS),
  app: Type.String(),
  target: Type.String(),
  detail: Type.String({ description: 'JSON of the parameters' }),
});
export const AuditPageSchema = Type.Object(
  { entries: Type.Array(AuditEntrySchema), next: Type.Union([Type.String(), Type.Null()]) },
  {
    examples: [
      {
        entries: [{ id: '001764590400000-9f2c4e1a7b3d', at: 1764590400000, actor: 'kim', ip: '203.0.113.7', action: 'user_ban', app: 'shop', target: 'lobby/mallory', detail: '{"seconds":3600,"reason":"spam"}' }],
        next: null,
      },
    ],
  },
);

export const ActivityStreamDoc = {
  description: `NDJSON: one frame per line — {type: "hello"}, {type: "activity", events, dropped: {source, console}}, {type: "ping"}, {type: "end", reason}. Event types: ${ACTIVITY_TYPES.join(', ')}.`,
  content: {
    'application/x-ndjson': {
      schema: Type.String(),
      example:
        '{"type":"hello","app":"shop","node":"web-1-4242-a1b2c3","sampleRatePerS":200}\n{"type":"activity","events":[{"at":1764590400000,"type":"publish","node":"web-1-4242-a1b2c3","channels":["news"],"event":"price","data":"{\\"sku\\":1}"}],"dropped":{"source":0,"console":0}}\n',
    },
  },
};

// The schemas describe the protocol's types exactly.
same<Same<Static<typeof OverviewSchema>, AdminOverview>>();
same<Same<Static<typeof SessionSchema>, AdminSession>>();
same<Same<Static<typeof AppSchema>, AdminApp>>();
same<Same<Static<typeof AppCreateSchema>, AdminAppCreate>>();
same<Same<Static<typeof PresenceSchema>, AdminPresence>>();
same<Same<Static<typeof AuditPageSchema>, AuditPage>>();
same<Same<Static<typeof DeliverySchema>, ChatWebhookDelivery>>();
same<Same<Static<typeof DeliveryPageSchema>, ChatWebhookDeliveryPage>>();

