/** `/v1/users…`: users, their meta, session tokens and joined channels. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import { appOf } from './chat-auth.ts';
import { ChannelListQuery, Meta, MetaKeys, PageQuery, UserParams } from './chat-schemas.ts';

const NewUser = Type.Object({
  user_id: Type.String(),
  name: Type.String(),
  profile_url: Type.Optional(Type.String()),
  meta: Type.Optional(Type.Object({}, { additionalProperties: true })),
});
const UserUpdate = Type.Object({
  name: Type.Optional(Type.String()),
  profile_url: Type.Optional(Type.String()),
  meta: Type.Optional(Type.Object({}, { additionalProperties: true })),
});
const TokenRequest = Type.Object({ expires_at: Type.Optional(Type.Integer({ description: 'unix ms; default now + 7 days' })) });

const tags = ['chat users'];

export async function chatUserRoutes(app: FastifyInstance, chat: Chat): Promise<void> {
  app.post<{ Body: Static<typeof NewUser> }>('/users', { schema: { tags, summary: 'Create a user', body: NewUser } }, async (req, reply) => {
    reply.code(201);
    return chat.users.create(appOf(req).id, req.body);
  });

  app.get<{ Querystring: Static<typeof PageQuery> }>('/users', { schema: { tags, summary: 'List users', querystring: PageQuery } }, async (req) =>
    chat.users.list(appOf(req).id, req.query.limit, req.query.next),
  );

  app.get<{ Params: Static<typeof UserParams> }>('/users/:user_id', { schema: { tags, summary: 'Get a user', params: UserParams } }, async (req) =>
    chat.users.get(appOf(req).id, req.params.user_id),
  );

  app.put<{ Params: Static<typeof UserParams>; Body: Static<typeof UserUpdate> }>(
    '/users/:user_id',
    { schema: { tags, summary: 'Update a user (members of its channels get user_update)', params: UserParams, body: UserUpdate } },
    async (req) => chat.users.update(appOf(req).id, req.params.user_id, req.body ?? {}),
  );

  app.delete<{ Params: Static<typeof UserParams> }>(
    '/users/:user_id',
    { schema: { tags, summary: 'Delete a user (its memberships go, its messages stay)', params: UserParams } },
    async (req) => chat.users.delete(appOf(req).id, req.params.user_id),
  );

  app.put<{ Params: Static<typeof UserParams>; Body: { meta: Record<string, string> } }>(
    '/users/:user_id/meta',
    { schema: { tags, summary: 'Set meta keys (others are kept); answers the whole meta', params: UserParams, body: Type.Object({ meta: Meta }) } },
    async (req) => chat.users.updateMeta(appOf(req).id, req.params.user_id, req.body.meta),
  );

  app.delete<{ Params: Static<typeof UserParams>; Body: Static<typeof MetaKeys> | undefined }>(
    '/users/:user_id/meta',
    { schema: { tags, summary: 'Remove meta keys (all without `keys`)', params: UserParams, body: MetaKeys } },
    async (req) => chat.users.deleteMeta(appOf(req).id, req.params.user_id, req.body?.keys),
  );

  app.post<{ Params: Static<typeof UserParams>; Body: Static<typeof TokenRequest> | undefined }>(
    '/users/:user_id/token',
    { schema: { tags, summary: 'Issue a session token (JWT HS256, iat/exp in ms)', params: UserParams, body: TokenRequest } },
    async (req) => chat.users.issueToken(appOf(req), req.params.user_id, req.body?.expires_at),
  );

  app.delete<{ Params: Static<typeof UserParams> }>(
    '/users/:user_id/token',
    { schema: { tags, summary: 'Revoke every session token of the user and end its connections', params: UserParams } },
    async (req) => chat.users.revokeTokens(appOf(req).id, req.params.user_id),
  );

  app.get<{ Params: Static<typeof UserParams>; Querystring: Static<typeof ChannelListQuery> }>(
    '/users/:user_id/channels',
    { schema: { tags, summary: 'Group channels the user has joined', params: UserParams, querystring: ChannelListQuery } },
    async (req) => chat.channels.list(appOf(req).id, req.query, { joinedBy: req.params.user_id }),
  );
}
