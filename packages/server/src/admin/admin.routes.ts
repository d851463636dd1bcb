/**
 * The admin API under `/admin/api`: every route behind the admin token (admin-auth.ts), answering
 * `{code, message}` on errors, never cached, never readable cross-origin. Handlers validate, then call
 * the console's services: AdminActions for every change (audited), the chat services and the node for
 * reads, the overview and the debug streams.
 */
import {
  ApplicationSettings,
  ApplicationSettingsBody,
  channelNameProblem,
  isMemberListed,
  PRESENCE_LIST_MAX,
  type AdminApp,
  type AdminErrorBody,
  type AdminPresence,
  type AdminSession,
  type ApplicationSettingsChanges,
} from '@parley/protocol';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { App } from '../apps/app.service.ts';
import { AppError } from '../apps/app.service.ts';
import type { Chat } from '../chat/chat.ts';
import { ChatError } from '../chat/errors.ts';
import { exampleChatSettings, exampleChatSettingsChanges } from '../http/api-examples.ts';
import { describeValidation } from '../http/validation.ts';
import { BrokerUnavailableError } from '../realtime/broker.ts';
import type { RealtimeNode } from '../realtime/node.ts';
import { AdminError, type AdminActions } from './admin-actions.ts';
import { actorOf, adminAuth, AuthFailures } from './admin-auth.ts';
import * as S from './admin-schemas.ts';
import type { AdminTokens } from './admin-token.ts';
import type { AuditLog } from './audit-log.ts';
import { TooManyStreamsError, type ConsoleStreams } from './console-streams.ts';
import type { ClusterOverview } from './overview.ts';

export interface AdminRoutesDeps {
  tokens: AdminTokens;
  actions: AdminActions;
  audit: AuditLog;
  overview: ClusterOverview;
  streams: ConsoleStreams;
  chat: Chat;
  node: RealtimeNode;
  session: AdminSession;
}

/** What every admin API answer carries: nothing cached, nothing framed or sniffed. */
export const ADMIN_API_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};
/** The global CORS plugin answers every origin; the admin API is for the console on this origin only. */
const CORS_HEADERS = ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers'];

const toAdminApp = (app: App): AdminApp => ({
  id: app.id,
  api_key: app.apiKey,
  webauth_url: app.webauthUrl,
  webhook_url: app.webhookUrl,
  webhook_events: [...app.webhookEvents],
  created_at: app.createdAt,
  updated_at: app.updatedAt,
});

type FastifyFailure = Error & { statusCode?: number; validation?: Parameters<typeof describeValidation>[0]; validationContext?: string };

function toErrorBody(err: FastifyFailure): { status: number; body: AdminErrorBody } | undefined {
  if (err instanceof AdminError) return { status: err.status, body: { code: err.status, message: err.message } };
  if (err instanceof ChatError) return { status: err.status, body: { code: err.code, message: err.message } };
  if (err instanceof AppError) return { status: 400, body: { code: 400, message: err.message } };
  if (err instanceof TooManyStreamsError) return { status: 429, body: { code: 429, message: err.message } };
  if (err instanceof BrokerUnavailableError) return { status: 503, body: { code: 503, message: 'service temporarily unavailable: the cluster bus is down' } };
  if (err.validation) return { status: 400, body: { code: 400, message: describeValidation(err.validation, err.validationContext) } };
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return { status: err.statusCode, body: { code: err.statusCode, message: err.message } };
  return undefined;
}

/** The chat settings as the server API answers them, with its example. */
const ChatSettingsAnswer = { ...ApplicationSettings, examples: [exampleChatSettings] };

export async function adminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): Promise<void> {
  const { actions, chat, node } = deps;
  app.setErrorHandler((err: FastifyFailure, req, reply) => {
    const known = toErrorBody(err);
    if (known) return void reply.code(known.status).send(known.body);
    req.log.error({ err }, 'admin api error');
    void reply.code(500).send({ code: 500, message: 'server error' } satisfies AdminErrorBody);
  });
  app.setNotFoundHandler((req, reply) => void reply.code(404).send({ code: 404, message: `no such endpoint: ${req.method} ${req.url.split('?')[0]}` } satisfies AdminErrorBody));
  app.addHook('onSend', async (_req, reply) => {
    for (const name of CORS_HEADERS) reply.removeHeader(name);
    for (const [name, value] of Object.entries(ADMIN_API_HEADERS)) reply.header(name, value);
  });
  // Before the body is read: an unauthenticated caller learns nothing else.
  app.addHook('onRequest', adminAuth(deps.tokens, new AuthFailures()));

  const doc = (summary: string, schema: Record<string, unknown>) => ({ schema: { tags: S.TAGS, summary, security: S.SECURITY, ...schema } });
  type AppP = { Params: Static<typeof S.AppParams> };
  type ChannelP = { Params: Static<typeof S.ChannelParams> };

  app.get('/session', doc('Check the admin token (the console signs in with it)', { response: { 200: S.SessionSchema, ...S.ERRORS } }), async () => deps.session);

  app.get('/overview', doc('Cluster-wide figures: every live node and their sums', { response: { 200: S.OverviewSchema, ...S.ERRORS } }), async () => deps.overview.overview());

  app.get('/apps', doc('Every app with its key and hooks', { response: { 200: S.AppListSchema, ...S.ERRORS } }), async () => ({
    apps: (await actions.listApps()).map(toAdminApp),
  }));

  app.post<{ Body: Static<typeof S.AppCreateSchema> }>(
    '/apps',
    doc('Create an app with a random API key (audited)', { body: S.AppCreateSchema, response: { 201: S.AppSchema, 409: S.AdminErrorSchema, ...S.ERRORS } }),
    async (req, reply) => {
      const created = await actions.createApp(actorOf(req), req.body);
      return reply.code(201).send(toAdminApp(created));
    },
  );

  app.get<AppP>('/apps/:app', doc('One app', { params: S.AppParams, response: { 200: S.AppSchema, ...S.ERRORS } }), async (req) => toAdminApp(await actions.app(req.params.app)));

  app.put<AppP & { Body: Static<typeof S.AppUpdateSchema> }>(
    '/apps/:app',
    doc("Change an app's WebAuth URL, webhook URL or webhook events (audited)", { params: S.AppParams, body: S.AppUpdateSchema, response: { 200: S.AppSchema, ...S.ERRORS } }),
    async (req) => toAdminApp(await actions.updateApp(actorOf(req), req.params.app, req.body)),
  );

  app.get<AppP>(
    '/apps/:app/chat-settings',
    doc("The app's chat settings: word filter, chat webhook URL, events and signing secret", { params: S.AppParams, response: { 200: ChatSettingsAnswer, ...S.ERRORS } }),
    async (req) => actions.chatSettings(req.params.app),
  );

  app.put<AppP & { Body: ApplicationSettingsChanges }>(
    '/apps/:app/chat-settings',
    doc("Change the app's word filter or chat webhooks, as PUT /v1/application/settings does (audited)", {
      params: S.AppParams,
      body: { ...ApplicationSettingsBody, examples: [exampleChatSettingsChanges] },
      response: { 200: ChatSettingsAnswer, ...S.ERRORS },
    }),
    async (req) => actions.updateChatSettings(actorOf(req), req.params.app, req.body),
  );

  app.get<AppP & { Querystring: Static<typeof S.DeliveriesQuery> }>(
    '/apps/:app/chat-webhook-deliveries',
    doc("The app's chat webhook deliveries of a status (default failed: given up on after the last try), newest first", {
      params: S.AppParams,
      querystring: S.DeliveriesQuery,
      response: { 200: S.DeliveryPageSchema, ...S.ERRORS },
    }),
    async (req) => {
      const { id } = await actions.app(req.params.app);
      return chat.webhookDeliveries.list(id, req.query.status ?? 'failed', req.query.next, req.query.limit);
    },
  );

  app.post<{ Params: Static<typeof S.DeliveryParams> }>(
    '/apps/:app/chat-webhook-deliveries/:id/retry',
    doc('Send a failed chat webhook delivery again with a fresh schedule, under the same X-Parley-Delivery (audited)', { params: S.DeliveryParams, response: { 200: S.DeliverySchema, ...S.ERRORS } }),
    async (req) => actions.retryWebhookDelivery(actorOf(req), req.params.app, req.params.id),
  );

  app.post<AppP>(
    '/apps/:app/rotate-key',
    doc('Replace the API key with a random one: access URLs signed with the old one stop verifying (audited)', { params: S.AppParams, response: { 200: S.AppSchema, ...S.ERRORS } }),
    async (req) => toAdminApp(await actions.rotateKey(actorOf(req), req.params.app)),
  );

  app.get<AppP>(
    '/apps/:app/activity',
    doc('The debug console: the app\'s live activity on every node, as NDJSON (sampled under load; the frames say how much was left out)', {
      params: S.AppParams,
      response: { 200: S.ActivityStreamDoc, ...S.ERRORS },
    }),
    async (req, reply) => {
      const { id } = await actions.app(req.params.app);
      const stream = await deps.streams.open(id);
      reply.raw.once('close', () => stream.end('the console went away'));
      // No proxy buffering: a console shows activity as it happens.
      return reply.header('content-type', 'application/x-ndjson; charset=utf-8').header('x-accel-buffering', 'no').send(stream.output);
    },
  );

  app.post<AppP & { Body: Static<typeof S.PublishSchema> }>(
    '/apps/:app/events',
    doc('Publish a test event through the Service API (its answer is passed on; audited when accepted)', {
      params: S.AppParams,
      body: S.PublishSchema,
      response: { 200: S.PublishAnswerSchema, 413: S.AdminErrorSchema, ...S.ERRORS },
    }),
    async (req, reply) => {
      const answer = await actions.publish(actorOf(req), req.params.app, req.body);
      return reply.code(answer.status).send(answer.body);
    },
  );

  app.get<AppP & { Querystring: Static<typeof S.PresenceQuery> }>(
    '/apps/:app/presence',
    doc('Who is in a presence_ or member_ channel now, cluster-wide', { params: S.AppParams, querystring: S.PresenceQuery, response: { 200: S.PresenceSchema, ...S.ERRORS } }),
    async (req): Promise<AdminPresence> => {
      const { id } = await actions.app(req.params.app);
      const { channel } = req.query;
      const problem = channelNameProblem(channel);
      if (problem) throw new AdminError(400, `channel: ${problem}`);
      if (!isMemberListed(channel)) throw new AdminError(400, 'channel: only presence_ and member_ channels list their sessions');
      const [count, all] = await Promise.all([node.count(id, channel), node.members(id, channel)]);
      const entries = Object.entries(all);
      return { channel, count, members: Object.fromEntries(entries.slice(0, PRESENCE_LIST_MAX)), truncated: entries.length > PRESENCE_LIST_MAX };
    },
  );

  app.post<AppP & { Body: Static<typeof S.DisconnectSchema> }>(
    '/apps/:app/presence/disconnect',
    doc('Disconnect one session of a presence_ or member_ channel, on whichever node holds it, with a reason (audited)', {
      params: S.AppParams,
      body: S.DisconnectSchema,
      response: { 200: S.DisconnectedSchema, ...S.ERRORS },
    }),
    async (req) => {
      const { id } = await actions.app(req.params.app);
      return actions.disconnect(actorOf(req), id, req.body.channel, req.body.session, req.body.reason);
    },
  );

  app.get<AppP & { Querystring: Static<typeof S.ChannelSearchQuery> }>(
    '/apps/:app/channels',
    doc('Chat channels: the one with this id, then those whose name contains it', { params: S.AppParams, querystring: S.ChannelSearchQuery, response: { 200: S.ChannelListSchema, ...S.ERRORS } }),
    async (req) => {
      const { id } = await actions.app(req.params.app);
      return actions.searchChannels(id, req.query.query || undefined, req.query.limit, req.query.next);
    },
  );

  app.get<ChannelP>(
    '/apps/:app/channels/:channel',
    doc('A chat channel with its managers', { params: S.ChannelParams, response: { 200: S.ChannelSchema, ...S.ERRORS } }),
    async (req) => {
      const { id } = await actions.app(req.params.app);
      return chat.channels.get(id, req.params.channel, { managers: true });
    },
  );

  app.get<ChannelP & { Querystring: Static<typeof S.PageQuery> }>(
    '/apps/:app/channels/:channel/members',
    doc('Members of a chat channel, by pages', { params: S.ChannelParams, querystring: S.PageQuery, response: { 200: S.MemberListSchema, ...S.ERRORS } }),
    async (req) => {
      const { id } = await actions.app(req.params.app);
      return chat.membership.members(id, req.params.channel, req.query.limit, req.query.next);
    },
  );

  app.get<ChannelP & { Querystring: Static<typeof S.MessagesQuery> }>(
    '/apps/:app/channels/:channel/messages',
    doc('Messages of a chat channel, newest page first (each page oldest first)', { params: S.ChannelParams, querystring: S.MessagesQuery, response: { 200: S.MessageListSchema, ...S.ERRORS } }),
    async (req) => {
      const { id } = await actions.app(req.params.app);
      return chat.messages.list(id, req.params.channel, { base_message_id: req.query.before, mode: 'prev', limit: req.query.limit });
    },
  );

  app.delete<{ Params: Static<typeof S.MessageParams> }>(
    '/apps/:app/channels/:channel/messages/:message',
    doc('Delete a message: members get group:message_delete (audited)', { params: S.MessageParams, response: { 200: S.MessageSchema, ...S.ERRORS } }),
    async (req) => {
      const { id } = await actions.app(req.params.app);
      return actions.deleteMessage(actorOf(req), id, req.params.channel, req.params.message);
    },
  );

  app.put<ChannelP & { Body: Static<typeof S.FreezeSchema> }>(
    '/apps/:app/channels/:channel/freeze',
    doc('Freeze (no sends) or unfreeze a channel: members get group:channel_freeze / _unfreeze (audited)', {
      params: S.ChannelParams,
      body: S.FreezeSchema,
      response: { 200: S.ChannelSchema, ...S.ERRORS },
    }),
    async (req) => {
      const { id } = await actions.app(req.params.app);
      return actions.freeze(actorOf(req), id, req.params.channel, req.body.freeze);
    },
  );

  app.get<ChannelP & { Querystring: Static<typeof S.PageQuery> }>(
    '/apps/:app/channels/:channel/bans',
    doc('Users banned from a channel now', { params: S.ChannelParams, querystring: S.PageQuery, response: { 200: S.BannedListSchema, ...S.ERRORS } }),
    async (req) => {
      const { id } = await actions.app(req.params.app);
      return chat.membership.bannedList(id, req.params.channel, req.query.limit, req.query.next);
    },
  );

  app.post<ChannelP & { Body: Static<typeof S.BanBodySchema> }>(
    '/apps/:app/channels/:channel/bans',
    doc('Ban a user for some seconds: it leaves the channel at once, on every node (audited)', { params: S.ChannelParams, body: S.BanBodySchema, response: { 201: S.BanSchema, ...S.ERRORS } }),
    async (req, reply) => {
      const { id } = await actions.app(req.params.app);
      return reply.code(201).send(await actions.ban(actorOf(req), id, req.params.channel, req.body));
    },
  );

  app.delete<{ Params: Static<typeof S.BanParams> }>(
    '/apps/:app/channels/:channel/bans/:user',
    doc('Lift a ban (audited)', { params: S.BanParams, response: { 200: S.BanSchema, ...S.ERRORS } }),
    async (req) => {
      const { id } = await actions.app(req.params.app);
      return actions.unban(actorOf(req), id, req.params.channel, req.params.user);
    },
  );

  app.get<ChannelP & { Querystring: Static<typeof S.PageQuery> }>(
    '/apps/:app/channels/:channel/mutes',
    doc('Members muted in a channel now', { params: S.ChannelParams, querystring: S.PageQuery, response: { 200: S.MutedListSchema, ...S.ERRORS } }),
    async (req) => {
      const { id } = await actions.app(req.params.app);
      return chat.mutes.mutedList(id, req.params.channel, req.query.limit, req.query.next);
    },
  );

  app.post<ChannelP & { Body: Static<typeof S.MuteBodySchema> }>(
    '/apps/:app/channels/:channel/mutes',
    doc('Mute a member for some seconds: it reads, its sends are refused (1021) (audited)', { params: S.ChannelParams, body: S.MuteBodySchema, response: { 201: S.MuteSchema, ...S.ERRORS } }),
    async (req, reply) => {
      const { id } = await actions.app(req.params.app);
      return reply.code(201).send(await actions.mute(actorOf(req), id, req.params.channel, req.body));
    },
  );

  app.delete<{ Params: Static<typeof S.BanParams> }>(
    '/apps/:app/channels/:channel/mutes/:user',
    doc('Lift a mute (audited)', { params: S.BanParams, response: { 200: S.MuteSchema, ...S.ERRORS } }),
    async (req) => {
      const { id } = await actions.app(req.params.app);
      return actions.unmute(actorOf(req), id, req.params.channel, req.params.user);
    },
  );

  app.post<{ Params: Static<typeof S.UserParams> }>(
    '/apps/:app/users/:user/revoke-tokens',
    doc("Refuse every session token issued to a user so far and end its live connections (audited)", { params: S.UserParams, response: { 200: S.RevokedSchema, ...S.ERRORS } }),
    async (req) => {
      const { id } = await actions.app(req.params.app);
      return actions.revokeTokens(actorOf(req), id, req.params.user);
    },
  );

  app.get<{ Querystring: Static<typeof S.AuditQuery> }>(
    '/audit',
    doc('The audit log, newest first', { querystring: S.AuditQuery, response: { 200: S.AuditPageSchema, ...S.ERRORS } }),
    async (req) => deps.audit.list({ before: req.query.before, limit: req.query.limit ?? 50, app: req.query.app }),
  );
}
