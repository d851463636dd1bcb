/** `/v1/sdk/users/me/push_tokens…` (DESIGN.md, Push hand-off): the caller's device tokens, listed in `push` chat webhook events. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { PushTokenBody, PushTokenParams, PUSH_TOKEN_LIMITS } from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import { answer, CHAT_ERRORS, SECURITY, withExample } from './api-components.ts';
import { examplePushToken } from './api-examples.ts';
import { sessionOf } from './chat-auth.ts';

const doc = { tags: ['chat sdk'], security: SECURITY.sdk };

export async function chatPushTokenRoutes(scope: FastifyInstance, chat: Chat): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.put(
    '/users/me/push_tokens',
    {
      schema: {
        ...doc,
        summary: `Register a device's push token (again: its type is updated), at most ${PUSH_TOKEN_LIMITS.perUser} per user. While the user has no live connection, the \`push\` chat webhook event lists it for each message of its channels`,
        body: withExample(PushTokenBody, { type: examplePushToken.type, token: examplePushToken.token }),
        response: { 200: answer('ChatPushToken', examplePushToken), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.pushTokens.register(sessionOf(req), req.body.type, req.body.token),
  );
  app.delete(
    '/users/me/push_tokens/:token',
    { schema: { ...doc, summary: "Unregister one of the caller's push tokens (1002 when it has no such token)", params: PushTokenParams, response: { 200: answer('ChatPushTokenList', { tokens: [] }), ...CHAT_ERRORS } } },
    async (req) => {
      await chat.pushTokens.unregister(sessionOf(req), req.params.token);
      return chat.pushTokens.list(sessionOf(req));
    },
  );
  app.get(
    '/users/me/push_tokens',
    { schema: { ...doc, summary: "The caller's push tokens, oldest first", response: { 200: answer('ChatPushTokenList', { tokens: [examplePushToken] }), ...CHAT_ERRORS } } },
    async (req) => chat.pushTokens.list(sessionOf(req)),
  );
}
