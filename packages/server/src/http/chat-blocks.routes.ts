/** `/v1/sdk/users/me/block…` (DESIGN.md, Moderation): the caller blocks, unblocks and lists users it blocked. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { BlockBody, PageQuery, UserParams } from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import { answer, CHAT_ERRORS, SECURITY, withExample } from './api-components.ts';
import { exampleBob, exampleNext } from './api-examples.ts';
import { sessionOf } from './chat-auth.ts';

const doc = { tags: ['chat sdk'], security: SECURITY.sdk };
const user = answer('ChatUser', exampleBob);

export async function chatBlockRoutes(scope: FastifyInstance, chat: Chat): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.put(
    '/users/me/block',
    {
      schema: {
        ...doc,
        summary: "Block a user: the caller receives nothing from it, live or in history; in a 1:1 channel its sends are refused (1022). Answers the blocked user",
        body: withExample(BlockBody, { user_id: 'bob' }),
        response: { 200: user, ...CHAT_ERRORS },
      },
    },
    async (req) => chat.blocks.block(sessionOf(req), req.body.user_id),
  );
  app.delete(
    '/users/me/block/:user_id',
    { schema: { ...doc, summary: 'Unblock a user; answers it (1002 when it was not blocked)', params: UserParams, response: { 200: user, ...CHAT_ERRORS } } },
    async (req) => chat.blocks.unblock(sessionOf(req), req.params.user_id),
  );
  app.get(
    '/users/me/blocked',
    { schema: { ...doc, summary: 'Users the caller blocked, in user id order', querystring: PageQuery, response: { 200: answer('ChatUserList', { users: [exampleBob], next: exampleNext }), ...CHAT_ERRORS } } },
    async (req) => chat.blocks.blockedList(sessionOf(req), req.query.limit, req.query.next),
  );
}
