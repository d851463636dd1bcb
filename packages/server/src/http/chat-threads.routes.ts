/**
 * `…/group/channels/{id}/messages/{mid}/replies` (DESIGN.md, Threads) for both faces: a thread's
 * replies, paged as the message list. Replies are sent as messages with `parent_message_id`.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { MessageParams, ReplyListQuery } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../chat/access.ts';
import type { Chat } from '../chat/chat.ts';
import { answer, CHAT_ERRORS, SECURITY } from './api-components.ts';
import { exampleReply } from './api-examples.ts';
import { appOf, sessionOf } from './chat-auth.ts';

export async function chatThreadRoutes(scope: FastifyInstance, chat: Chat, face: 'platform' | 'sdk'): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const doc = face === 'platform' ? { tags: ['chat messages'], security: SECURITY.platform } : { tags: ['chat sdk'], security: SECURITY.sdk };
  const callerOf = (req: FastifyRequest): Caller => (face === 'platform' ? appOf(req).id : sessionOf(req));

  app.get(
    '/group/channels/:channel_id/messages/:message_id/replies',
    {
      schema: {
        ...doc,
        summary: 'The replies in the thread of a top-level message, oldest first (paged as the message list)',
        params: MessageParams,
        querystring: ReplyListQuery,
        response: { 200: answer('ChatMessageList', { messages: [exampleReply] }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.threads.replies(callerOf(req), req.params.channel_id, req.params.message_id, req.query),
  );
}
