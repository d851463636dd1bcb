/** `/v1/users…`: users, their meta, session tokens and joined channels. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { JoinedChannelListQuery, MetaBody, MetaKeysBody, NewUserBody, PageQuery, TokenRequestBody, UserParams, UserUpdateBody } from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import { withExample, answer, CHAT_ERRORS, SECURITY } from './api-components.ts';
import { exampleChannel, exampleNext, exampleToken, exampleUser } from './api-examples.ts';
import { appOf } from './chat-auth.ts';

const doc = { tags: ['chat users'], security: SECURITY.platform };
const user = answer('ChatUser', exampleUser);
/** The example of a token request must stay in the future: a week after the document was built. */
const inAWeek = () => Math.floor(Date.now() / 86_400_000 + 7) * 86_400_000;

export async function chatUserRoutes(scope: FastifyInstance, chat: Chat): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/users',
    {
      schema: {
        ...doc,
        summary: 'Create a user',
        body: withExample(NewUserBody, { user_id: 'alice', name: 'Alice', meta: { team: 'blue' } }),
        response: { 201: answer('ChatUser', exampleUser, 'Created'), ...CHAT_ERRORS },
      },
    },
    async (req, reply) => reply.code(201).send(await chat.users.create(appOf(req).id, req.body)),
  );

  app.get(
    '/users',
    { schema: { ...doc, summary: 'List users, in user id order', querystring: PageQuery, response: { 200: answer('ChatUserList', { users: [exampleUser], next: exampleNext }), ...CHAT_ERRORS } } },
    async (req) => chat.users.list(appOf(req).id, req.query.limit, req.query.next),
  );

  app.get('/users/:user_id', { schema: { ...doc, summary: 'Get a user', params: UserParams, response: { 200: user, ...CHAT_ERRORS } } }, async (req) =>
    chat.users.get(appOf(req).id, req.params.user_id),
  );

  app.put(
    '/users/:user_id',
    {
      schema: {
        ...doc,
        summary: 'Update a user (members of its channels get user_update)',
        params: UserParams,
        body: withExample(UserUpdateBody, { name: 'Alice A.' }),
        response: { 200: user, ...CHAT_ERRORS },
      },
    },
    async (req) => chat.users.update(appOf(req).id, req.params.user_id, req.body),
  );

  app.delete(
    '/users/:user_id',
    { schema: { ...doc, summary: 'Delete a user (its memberships go, its messages stay); answers the deleted user', params: UserParams, response: { 200: user, ...CHAT_ERRORS } } },
    async (req) => chat.users.delete(appOf(req).id, req.params.user_id),
  );

  app.put(
    '/users/:user_id/meta',
    {
      schema: {
        ...doc,
        summary: 'Set meta keys (others are kept); answers the whole meta',
        params: UserParams,
        body: withExample(MetaBody, { meta: { team: 'blue' } }),
        response: { 200: answer('ChatMeta', { team: 'blue', lang: 'ko' }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.users.updateMeta(appOf(req).id, req.params.user_id, req.body.meta),
  );

  app.delete(
    '/users/:user_id/meta',
    {
      schema: {
        ...doc,
        summary: 'Remove meta keys (all without `keys`); answers the meta left',
        params: UserParams,
        body: withExample(MetaKeysBody, { keys: ['team'] }),
        response: { 200: answer('ChatMeta', { lang: 'ko' }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.users.deleteMeta(appOf(req).id, req.params.user_id, req.body.keys),
  );

  app.post(
    '/users/:user_id/token',
    {
      schema: {
        ...doc,
        summary: 'Issue a session token (JWT HS256, iat/exp in ms)',
        params: UserParams,
        body: withExample(TokenRequestBody, { expires_at: inAWeek() }),
        response: { 200: answer('ChatToken', exampleToken), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.users.issueToken(appOf(req), req.params.user_id, req.body.expires_at),
  );

  app.delete(
    '/users/:user_id/token',
    {
      schema: {
        ...doc,
        summary: 'Revoke every session token of the user and end its connections',
        params: UserParams,
        response: { 200: answer('ChatTokenRevocation', { user_id: 'alice', revoked_at: exampleToken.expires_at }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.users.revokeTokens(appOf(req).id, req.params.user_id),
  );

  app.get(
    '/users/:user_id/channels',
    {
      schema: {
        ...doc,
        summary: 'Group channels the user has joined (order: latest_last_message, chronological, channel_name; default by channel_id)',
        params: UserParams,
        querystring: JoinedChannelListQuery,
        response: { 200: answer('ChatChannelList', { channels: [exampleChannel], next: null }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.channels.list(appOf(req).id, req.query, { joinedBy: req.params.user_id }),
  );
}
