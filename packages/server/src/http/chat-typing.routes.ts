/**
 * `PUT /v1/sdk/group/channels/{id}/typing {typing}` (DESIGN.md, Typing): a member starts, refreshes or
 * ends its typing state; the channel's other members get `group:channel_typing (channel,
 * typing_user_ids)`. Chat sockets do the same with the event `typing {channel_id, typing}`.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ChannelParams, TypingBody } from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import { answer, CHAT_ERRORS, SECURITY, withExample } from './api-components.ts';
import { sessionOf } from './chat-auth.ts';

export async function chatTypingRoutes(scope: FastifyInstance, chat: Chat): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.put(
    '/group/channels/:channel_id/typing',
    {
      schema: {
        tags: ['chat sdk'],
        security: SECURITY.sdk,
        summary: 'Start (or refresh) or end typing; it ends by itself 5 s after the last refresh. The other members get group:channel_typing, at most once a second per user',
        params: ChannelParams,
        body: withExample(TypingBody, { typing: true }),
        response: { 200: answer('ChatTypingState', { channel_id: 'alice_bob', typing_user_ids: ['alice'] }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.typing.set(sessionOf(req), req.params.channel_id, req.body.typing),
  );
}
