/**
 * The client API under `/v1/sdk` (DESIGN.md, "Chat contract"): what the SDK calls as one user, with
 * headers `APP_ID`, `USER_ID` and `Authorization: Bearer <session or sdk token>`. Each handler checks
 * the caller's role in the channel (chat-sdk.access.ts), then calls the same chat services as the
 * Platform API, so both APIs share rules, events and the error envelope.
 */
import multipart from '@fastify/multipart';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { showFor } from '../chat/chat-context.ts';
import { invalid, noPermission } from '../chat/errors.ts';
import type { ChannelRole } from '../chat/membership.service.ts';
import { authenticate, callerOf, checkRole, type Caller, type Need } from './chat-sdk.access.ts';
import { multipartOptions, withUpload } from './chat-messages.routes.ts';
import type { ChatRoutesDeps } from './chat.routes.ts';
import { refuseNul } from './validation.ts';
import {
  BanParams,
  ChannelListQuery,
  ChannelParams,
  FreezeBody,
  ManagerBody,
  Meta,
  MessageListQuery,
  MessageParams,
  MetaKeys,
  PageQuery,
  ShowQuery,
  showOf,
  UserParams,
} from './chat-schemas.ts';

const UserUpdate = Type.Object({ name: Type.Optional(Type.String()), profile_url: Type.Optional(Type.String()) }, { additionalProperties: false });
const IsPublic = Type.Optional(Type.Boolean({ description: 'public channels are seen and joined by any user of the app (default false)' }));
const NewChannel = Type.Object({
  channel_id: Type.Optional(Type.String()),
  name: Type.String(),
  profile_url: Type.Optional(Type.String()),
  members: Type.Optional(Type.Array(Type.String(), { description: 'the caller is always added' })),
  reuse: Type.Optional(Type.Boolean()),
  meta: Type.Optional(Type.Object({}, { additionalProperties: true })),
  is_public: IsPublic,
});
const ChannelUpdate = Type.Object({
  name: Type.Optional(Type.String()),
  profile_url: Type.Optional(Type.String()),
  meta: Type.Optional(Type.Object({}, { additionalProperties: true })),
  is_public: IsPublic,
});
const BanBody = Type.Object({ user_id: Type.String(), seconds: Type.Integer(), reason: Type.Optional(Type.String()) });

interface RouteTypes {
  Params: { channel_id?: string; message_id?: number; user_id?: string };
  // Each route's own schema validates these; handlers cast to its Static type.
  Body: unknown;
  Querystring: unknown;
}
type Req = FastifyRequest<RouteTypes>;

export async function chatSdkRoutes(app: FastifyInstance, deps: ChatRoutesDeps): Promise<void> {
  const { chat } = deps;
  // Authentication runs before the body is parsed, so an unauthenticated caller learns nothing else.
  app.addHook('onRequest', async (req) => authenticate(req, deps.apps, chat));
  app.addHook('preValidation', async (req) => {
    if (req.body === undefined) req.body = {};
    refuseNul(req);
  });
  await app.register(multipart, multipartOptions(chat.limits.fileMaxBytes));

  interface Spec {
    need: Need;
    summary: string;
    params?: TSchema;
    query?: TSchema;
    body?: TSchema;
    status?: number;
  }
  /** `role` is the caller's role in the route's channel (routes with a `channel_id`). */
  const route = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, spec: Spec, handler: (caller: Caller, req: Req, role?: ChannelRole) => Promise<unknown>) => {
    const schema: Record<string, unknown> = { tags: ['chat sdk'], summary: spec.summary };
    if (spec.params) schema.params = spec.params;
    if (spec.query) schema.querystring = spec.query;
    if (spec.body) schema.body = spec.body;
    app.route<RouteTypes>({
      method,
      url,
      schema,
      handler: async (req, reply) => {
        const caller = callerOf(req);
        const channelId = req.params.channel_id;
        const role = channelId === undefined ? undefined : await chat.membership.role(caller.app.id, channelId, caller.userId);
        if (role && channelId !== undefined) checkRole(role, spec.need, channelId, caller.userId);
        const result = await handler(caller, req, role);
        return reply.code(spec.status ?? 200).send(result ?? {});
      },
    });
  };
  const ch = (req: Req): string => req.params.channel_id ?? '';
  const mid = (req: Req): number => req.params.message_id ?? 0;
  /** Changing a message: its sender or a manager of the channel. */
  const mayChangeMessage = async ({ app: a, userId }: Caller, req: Req): Promise<void> => {
    const message = await chat.messages.get(a.id, ch(req), mid(req));
    if (message.user.user_id === userId) return;
    if (!(await chat.membership.role(a.id, ch(req), userId)).manager) throw noPermission('only the sender or a manager may change this message');
  };
  const P = ChannelParams;

  route(
    'POST',
    '/users/token',
    { need: 'any', summary: 'Exchange the session token for an sdk token: valid a day at most, never past the session token; an sdk token is refused (403)' },
    async ({ app: a, claims }) => chat.users.exchangeToken(a, claims),
  );
  route('GET', '/users/me', { need: 'any', summary: 'The connected user' }, async ({ app: a, userId }) => chat.users.get(a.id, userId));
  route('PUT', '/users/me', { need: 'any', summary: 'Update the connected user', body: UserUpdate }, async ({ app: a, userId }, req) =>
    chat.users.update(a.id, userId, req.body as Static<typeof UserUpdate>),
  );
  route('PUT', '/users/me/meta', { need: 'any', summary: 'Set meta keys of the connected user', body: Type.Object({ meta: Meta }) }, async ({ app: a, userId }, req) =>
    chat.users.updateMeta(a.id, userId, (req.body as { meta: unknown }).meta),
  );
  route('DELETE', '/users/me/meta', { need: 'any', summary: 'Remove meta keys of the connected user (all without keys)', body: MetaKeys }, async ({ app: a, userId }, req) =>
    chat.users.deleteMeta(a.id, userId, (req.body as Static<typeof MetaKeys>).keys),
  );
  route('GET', '/users/me/group/channels', { need: 'any', summary: 'Channels the connected user joined', query: ChannelListQuery }, async ({ app: a, userId }, req) =>
    chat.channels.list(a.id, req.query as Static<typeof ChannelListQuery>, { memberId: userId }),
  );
  route('GET', '/users/:user_id', { need: 'any', summary: 'A user of the app', params: UserParams }, async ({ app: a }, req) => chat.users.get(a.id, req.params.user_id ?? ''));

  route(
    'GET',
    '/group/channels',
    { need: 'any', summary: 'Channels the connected user joined and public ones (members and last message only where a member)', query: ChannelListQuery },
    async ({ app: a, userId }, req) => chat.channels.list(a.id, req.query as Static<typeof ChannelListQuery>, { viewerId: userId }),
  );
  route('POST', '/group/channels', { need: 'any', summary: 'Create a group channel; the caller is a member', body: NewChannel, status: 201 }, async ({ app: a, userId }, req) => {
    const body = req.body as Static<typeof NewChannel>;
    const members = [...new Set([userId, ...(body.members ?? [])])];
    return (await chat.channels.create(a.id, { ...body, members })).channel;
  });
  route(
    'GET',
    '/group/channels/:channel_id',
    { need: 'visible', summary: 'A channel the caller belongs to, or a public one (show_* extras only for members; a private one: 403)', params: P, query: ShowQuery },
    async ({ app: a }, req, role) => chat.channels.get(a.id, ch(req), showFor(showOf(req.query as Static<typeof ShowQuery>), role?.member === true)),
  );
  route('PUT', '/group/channels/:channel_id', { need: 'manager', summary: 'Update a channel (managers)', params: P, body: ChannelUpdate }, async ({ app: a }, req) =>
    chat.channels.update(a.id, ch(req), req.body as Static<typeof ChannelUpdate>),
  );
  route('DELETE', '/group/channels/:channel_id', { need: 'manager', summary: 'Delete a channel (managers)', params: P }, async ({ app: a }, req) => chat.channels.delete(a.id, ch(req)));
  route('PUT', '/group/channels/:channel_id/join', { need: 'visible', summary: 'Join a public channel (a private one: 403)', params: P }, async ({ app: a, userId }, req) =>
    chat.membership.join(a.id, ch(req), userId),
  );
  route('PUT', '/group/channels/:channel_id/leave', { need: 'member', summary: 'Leave the channel', params: P }, async ({ app: a, userId }, req) => chat.membership.leave(a.id, ch(req), userId));
  route('GET', '/group/channels/:channel_id/members', { need: 'member', summary: 'Members, in user id order', params: P, query: PageQuery }, async ({ app: a }, req) => {
    const q = req.query as Static<typeof PageQuery>;
    return chat.membership.members(a.id, ch(req), q.limit, q.next);
  });
  route('GET', '/group/channels/:channel_id/online_members', { need: 'member', summary: 'Members with a live connection', params: P }, async ({ app: a }, req) =>
    chat.membership.online(a.id, ch(req)),
  );
  route('POST', '/group/channels/:channel_id/managers', { need: 'manager', summary: 'Make a member a manager (managers)', params: P, body: ManagerBody }, async ({ app: a }, req) =>
    chat.membership.addManager(a.id, ch(req), (req.body as Static<typeof ManagerBody>).manager),
  );
  route('DELETE', '/group/channels/:channel_id/managers', { need: 'manager', summary: 'Remove a manager (managers)', params: P, body: ManagerBody }, async ({ app: a }, req) =>
    chat.membership.removeManager(a.id, ch(req), (req.body as Static<typeof ManagerBody>).manager),
  );

  route(
    'POST',
    '/group/channels/:channel_id/messages',
    { need: 'sender', summary: 'Send a text message (JSON) or a file (multipart: type=file, meta as JSON, then the file)', params: P, status: 201 },
    async ({ app: a, userId }, req) => {
      if (req.isMultipart()) return withUpload(req, (input) => chat.messages.sendFile(a.id, ch(req), { ...input, user_id: userId }));
      // This route has no body schema (JSON or multipart), so `null`, a string or a number arrive as they are.
      const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as { type?: unknown; content?: unknown; meta?: unknown };
      if (body.type !== undefined && body.type !== 'text') throw invalid('type must be "text" (files are sent as multipart/form-data)');
      return chat.messages.sendText(a.id, ch(req), { type: 'text', user_id: userId, content: body.content as string, meta: body.meta });
    },
  );
  route('GET', '/group/channels/:channel_id/messages', { need: 'member', summary: 'Messages, oldest first', params: P, query: MessageListQuery }, async ({ app: a }, req) =>
    chat.messages.list(a.id, ch(req), req.query as Static<typeof MessageListQuery>),
  );
  route('PUT', '/group/channels/:channel_id/messages/read', { need: 'member', summary: 'Mark the channel read', params: P }, async ({ app: a, userId }, req) =>
    chat.messages.receipt(a.id, ch(req), userId, 'read'),
  );
  route('PUT', '/group/channels/:channel_id/messages/delivered', { need: 'member', summary: 'Mark the channel delivered', params: P }, async ({ app: a, userId }, req) =>
    chat.messages.receipt(a.id, ch(req), userId, 'delivered'),
  );
  route('DELETE', '/group/channels/:channel_id/messages/:message_id', { need: 'member', summary: 'Delete a message (its sender or a manager)', params: MessageParams }, async (caller, req) => {
    await mayChangeMessage(caller, req);
    return chat.messages.delete(caller.app.id, ch(req), mid(req));
  });
  route('PUT', '/group/channels/:channel_id/messages/:message_id/meta', { need: 'member', summary: 'Set message meta (its sender or a manager)', params: MessageParams, body: Type.Object({ meta: Meta }) }, async (caller, req) => {
    await mayChangeMessage(caller, req);
    return chat.messages.updateMeta(caller.app.id, ch(req), mid(req), (req.body as { meta: unknown }).meta);
  });
  route('DELETE', '/group/channels/:channel_id/messages/:message_id/meta', { need: 'member', summary: 'Remove message meta (its sender or a manager)', params: MessageParams, body: MetaKeys }, async (caller, req) => {
    await mayChangeMessage(caller, req);
    return chat.messages.deleteMeta(caller.app.id, ch(req), mid(req), (req.body as Static<typeof MetaKeys>).keys);
  });

  route('PUT', '/group/channels/:channel_id/freeze', { need: 'manager', summary: 'Freeze or unfreeze (managers)', params: P, body: FreezeBody }, async ({ app: a }, req) =>
    chat.channels.freeze(a.id, ch(req), (req.body as Static<typeof FreezeBody>).freeze),
  );
  route('POST', '/group/channels/:channel_id/ban', { need: 'manager', summary: 'Ban a user for a time (managers; not themselves or each other)', params: P, body: BanBody }, async ({ app: a, userId }, req) =>
    chat.membership.ban(a.id, ch(req), { ...(req.body as Static<typeof BanBody>), manager: userId }),
  );
  route('DELETE', '/group/channels/:channel_id/ban/:user_id', { need: 'manager', summary: 'Lift a ban (managers)', params: BanParams }, async ({ app: a }, req) =>
    chat.membership.unban(a.id, ch(req), req.params.user_id ?? ''),
  );
  route('GET', '/group/channels/:channel_id/banned_list', { need: 'manager', summary: 'Bans in force (managers)', params: P, query: PageQuery }, async ({ app: a }, req) => {
    const q = req.query as Static<typeof PageQuery>;
    return chat.membership.bannedList(a.id, ch(req), q.limit, q.next);
  });
}
