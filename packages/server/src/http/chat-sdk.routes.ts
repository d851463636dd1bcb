/**
 * The client API under `/v1/sdk` (DESIGN.md, "Chat contract"): what the SDK calls as one user, with
 * headers `APP_ID`, `USER_ID` and `Authorization: Bearer <session or sdk token>` (checked by
 * chat-auth.ts). Handlers call the same chat services as the Platform API with the user as the caller;
 * the services check the user's role in the channel (chat/access.ts), so both APIs share rules,
 * events and the error envelope.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import type { TextInput } from '../chat/message.service.ts';
import { sessionOf, type SdkSession } from './chat-auth.ts';
import { withUpload } from './multipart-input.ts';
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

interface Spec {
  summary: string;
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
  status?: number;
}

export async function chatSdkRoutes(app: FastifyInstance, chat: Chat): Promise<void> {
  /** `session` is the authenticated user, the caller of every service call. */
  const route = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, spec: Spec, handler: (session: SdkSession, req: Req) => Promise<unknown>) => {
    const schema: Record<string, unknown> = { tags: ['chat sdk'], summary: spec.summary };
    if (spec.params) schema.params = spec.params;
    if (spec.query) schema.querystring = spec.query;
    if (spec.body) schema.body = spec.body;
    app.route<RouteTypes>({
      method,
      url,
      schema,
      handler: async (req, reply) => reply.code(spec.status ?? 200).send((await handler(sessionOf(req), req)) ?? {}),
    });
  };
  const ch = (req: Req): string => req.params.channel_id ?? '';
  const mid = (req: Req): number => req.params.message_id ?? 0;
  const P = ChannelParams;

  route(
    'POST',
    '/users/token',
    { summary: 'Exchange the session token for an sdk token: valid a day at most, never past the session token; an sdk token is refused (403)' },
    async ({ app: a, claims }) => chat.users.exchangeToken(a, claims),
  );
  route('GET', '/users/me', { summary: 'The connected user' }, async ({ appId, userId }) => chat.users.get(appId, userId));
  route('PUT', '/users/me', { summary: 'Update the connected user', body: UserUpdate }, async ({ appId, userId }, req) => chat.users.update(appId, userId, req.body as Static<typeof UserUpdate>));
  route('PUT', '/users/me/meta', { summary: 'Set meta keys of the connected user', body: Type.Object({ meta: Meta }) }, async ({ appId, userId }, req) =>
    chat.users.updateMeta(appId, userId, (req.body as { meta: unknown }).meta),
  );
  route('DELETE', '/users/me/meta', { summary: 'Remove meta keys of the connected user (all without keys)', body: MetaKeys }, async ({ appId, userId }, req) =>
    chat.users.deleteMeta(appId, userId, (req.body as Static<typeof MetaKeys>).keys),
  );
  route('GET', '/users/me/group/channels', { summary: 'Channels the connected user joined', query: ChannelListQuery }, async (me, req) =>
    chat.channels.list(me, req.query as Static<typeof ChannelListQuery>, { joinedBy: me.userId }),
  );
  route('GET', '/users/:user_id', { summary: 'A user of the app', params: UserParams }, async ({ appId }, req) => chat.users.get(appId, req.params.user_id ?? ''));

  route(
    'GET',
    '/group/channels',
    { summary: 'Channels the connected user joined and public ones (members and last message only where a member)', query: ChannelListQuery },
    async (me, req) => chat.channels.list(me, req.query as Static<typeof ChannelListQuery>),
  );
  route('POST', '/group/channels', { summary: 'Create a group channel; the caller is a member', body: NewChannel, status: 201 }, async (me, req) =>
    (await chat.channels.create(me, req.body as Static<typeof NewChannel>)).channel,
  );
  route(
    'GET',
    '/group/channels/:channel_id',
    { summary: 'A channel the caller belongs to, or a public one (show_* extras only for members; a private one: 403)', params: P, query: ShowQuery },
    async (me, req) => chat.channels.get(me, ch(req), showOf(req.query as Static<typeof ShowQuery>)),
  );
  route('PUT', '/group/channels/:channel_id', { summary: 'Update a channel (managers)', params: P, body: ChannelUpdate }, async (me, req) =>
    chat.channels.update(me, ch(req), req.body as Static<typeof ChannelUpdate>),
  );
  route('DELETE', '/group/channels/:channel_id', { summary: 'Delete a channel (managers)', params: P }, async (me, req) => chat.channels.delete(me, ch(req)));
  route('PUT', '/group/channels/:channel_id/join', { summary: 'Join a public channel (a private one: 403)', params: P }, async (me, req) => chat.membership.join(me, ch(req), undefined));
  route('PUT', '/group/channels/:channel_id/leave', { summary: 'Leave the channel', params: P }, async (me, req) => chat.membership.leave(me, ch(req), undefined));
  route('GET', '/group/channels/:channel_id/members', { summary: 'Members, in user id order', params: P, query: PageQuery }, async (me, req) => {
    const q = req.query as Static<typeof PageQuery>;
    return chat.membership.members(me, ch(req), q.limit, q.next);
  });
  route('GET', '/group/channels/:channel_id/online_members', { summary: 'Members with a live connection', params: P }, async (me, req) => chat.membership.online(me, ch(req)));
  route('POST', '/group/channels/:channel_id/managers', { summary: 'Make a member a manager (managers)', params: P, body: ManagerBody }, async (me, req) =>
    chat.membership.addManager(me, ch(req), (req.body as Static<typeof ManagerBody>).manager),
  );
  route('DELETE', '/group/channels/:channel_id/managers', { summary: 'Remove a manager (managers)', params: P, body: ManagerBody }, async (me, req) =>
    chat.membership.removeManager(me, ch(req), (req.body as Static<typeof ManagerBody>).manager),
  );

  route(
    'POST',
    '/group/channels/:channel_id/messages',
    { summary: 'Send a text message (JSON) or a file (multipart: type=file, meta as JSON, then the file)', params: P, status: 201 },
    async (me, req) => {
      if (req.isMultipart()) return withUpload(req, (read) => chat.messages.sendFile(me, ch(req), read));
      // This route has no body schema (JSON or multipart), so `null`, a string or a number arrive as they are.
      const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as TextInput;
      return chat.messages.sendText(me, ch(req), { type: body.type, content: body.content, meta: body.meta });
    },
  );
  route('GET', '/group/channels/:channel_id/messages', { summary: 'Messages, oldest first', params: P, query: MessageListQuery }, async (me, req) =>
    chat.messages.list(me, ch(req), req.query as Static<typeof MessageListQuery>),
  );
  route('PUT', '/group/channels/:channel_id/messages/read', { summary: 'Mark the channel read', params: P }, async (me, req) => chat.messages.receipt(me, ch(req), undefined, 'read'));
  route('PUT', '/group/channels/:channel_id/messages/delivered', { summary: 'Mark the channel delivered', params: P }, async (me, req) =>
    chat.messages.receipt(me, ch(req), undefined, 'delivered'),
  );
  route('DELETE', '/group/channels/:channel_id/messages/:message_id', { summary: 'Delete a message (its sender or a manager)', params: MessageParams }, async (me, req) =>
    chat.messages.delete(me, ch(req), mid(req)),
  );
  route(
    'PUT',
    '/group/channels/:channel_id/messages/:message_id/meta',
    { summary: 'Set message meta (its sender or a manager)', params: MessageParams, body: Type.Object({ meta: Meta }) },
    async (me, req) => chat.messages.updateMeta(me, ch(req), mid(req), (req.body as { meta: unknown }).meta),
  );
  route(
    'DELETE',
    '/group/channels/:channel_id/messages/:message_id/meta',
    { summary: 'Remove message meta (its sender or a manager)', params: MessageParams, body: MetaKeys },
    async (me, req) => chat.messages.deleteMeta(me, ch(req), mid(req), (req.body as Static<typeof MetaKeys>).keys),
  );

  route('PUT', '/group/channels/:channel_id/freeze', { summary: 'Freeze or unfreeze (managers)', params: P, body: FreezeBody }, async (me, req) =>
    chat.channels.freeze(me, ch(req), (req.body as Static<typeof FreezeBody>).freeze),
  );
  route('POST', '/group/channels/:channel_id/ban', { summary: 'Ban a user for a time (managers; not themselves or each other)', params: P, body: BanBody }, async (me, req) =>
    chat.membership.ban(me, ch(req), req.body as Static<typeof BanBody>),
  );
  route('DELETE', '/group/channels/:channel_id/ban/:user_id', { summary: 'Lift a ban (managers)', params: BanParams }, async (me, req) =>
    chat.membership.unban(me, ch(req), req.params.user_id ?? ''),
  );
  route('GET', '/group/channels/:channel_id/banned_list', { summary: 'Bans in force (managers)', params: P, query: PageQuery }, async (me, req) => {
    const q = req.query as Static<typeof PageQuery>;
    return chat.membership.bannedList(me, ch(req), q.limit, q.next);
  });
}
