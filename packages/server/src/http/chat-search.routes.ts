/**
 * Message search (DESIGN.md, Search): `GET /v1/sdk/messages/search` over the caller's channels,
 * `GET /v1/messages/search` over the app's (optionally one sender's messages).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { MessageSearchQuery, SdkMessageSearchQuery, type ChatChannel, type ChatSearchResult } from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import { answer, CHAT_ERRORS, SECURITY } from './api-components.ts';
import { exampleChannel, exampleMessage, exampleNext } from './api-examples.ts';
import { appOf, sessionOf } from './chat-auth.ts';

/** A hit's channel is the bare channel (no members, receipts or last message). */
const exampleHitChannel = Object.fromEntries(Object.entries(exampleChannel).filter(([k]) => k !== 'members')) as ChatChannel;
const exampleHits: ChatSearchResult = { messages: [{ ...exampleMessage, content: '안녕 bob, hello!', channel: exampleHitChannel }], next: exampleNext };

export async function chatSearchRoutes(scope: FastifyInstance, chat: Chat, face: 'platform' | 'sdk'): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  if (face === 'sdk') {
    app.get(
      '/messages/search',
      {
        schema: {
          tags: ['chat sdk'],
          security: SECURITY.sdk,
          summary: 'Messages of the caller’s channels containing `query` (English letters in any case; Korean too), newest first, each with its channel; blocked users’ messages left out',
          querystring: SdkMessageSearchQuery,
          response: { 200: answer('ChatSearchResult', exampleHits), ...CHAT_ERRORS },
        },
      },
      async (req) => chat.search.search(sessionOf(req), req.query),
    );
    return;
  }
  app.get(
    '/messages/search',
    {
      schema: {
        tags: ['chat channels'],
        security: SECURITY.platform,
        summary: 'Messages of any channel of the app containing `query`, newest first, each with its channel (optionally one channel, one sender)',
        querystring: MessageSearchQuery,
        response: { 200: answer('ChatSearchResult', exampleHits), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.search.search(appOf(req).id, req.query),
  );
}
