/**
 * `…/group/channels/{id}/messages/{mid}` (GET: view, PUT: edit), `…/reactions`, `…/reactions/{key}` and `…/pin`
 * (DESIGN.md, "Chat beyond the seed"), for both faces: the server API (acting for the app, and for the
 * member named by `user_id` when it reacts) and the client API (acting as the caller). One definition,
 * registered under each family's authentication.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { MessageEditBody, MessageParams, PlatformReactionBody, PlatformReactionQuery, ReactionBody, ReactionParams } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../chat/access.ts';
import type { Chat } from '../chat/chat.ts';
import { answer, CHAT_ERRORS, SECURITY, withExample } from './api-components.ts';
import { exampleEditedMessage, exampleMessage, examplePinnedChannel, exampleReactedMessage } from './api-examples.ts';
import { appOf, sessionOf } from './chat-auth.ts';

export async function chatMessageActionRoutes(scope: FastifyInstance, chat: Chat, face: 'platform' | 'sdk'): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const platform = face === 'platform';
  const doc = platform ? { tags: ['chat messages'], security: SECURITY.platform } : { tags: ['chat sdk'], security: SECURITY.sdk };
  const callerOf = (req: FastifyRequest): Caller => (platform ? appOf(req).id : sessionOf(req));
  const actions = chat.messageActions;

  app.get(
    '/group/channels/:channel_id/messages/:message_id',
    {
      schema: {
        ...doc,
        summary: `One message with its reactions${platform ? '' : ' (members; not one whose sender the caller blocked)'}`,
        params: MessageParams,
        response: { 200: answer('ChatMessage', exampleReactedMessage), ...CHAT_ERRORS },
      },
    },
    async (req) => actions.get(callerOf(req), req.params.channel_id, req.params.message_id),
  );

  app.put(
    '/group/channels/:channel_id/messages/:message_id',
    {
      schema: {
        ...doc,
        summary: `Edit a text message's content (the rules and word filter of a send); sets edited_at, members get group:message_update${platform ? '' : ' (its sender only, where it may send)'}`,
        params: MessageParams,
        body: withExample(MessageEditBody, { content: 'hello, Bob' }),
        response: { 200: answer('ChatMessage', exampleEditedMessage), ...CHAT_ERRORS },
      },
    },
    async (req) => actions.edit(callerOf(req), req.params.channel_id, req.params.message_id, req.body),
  );

  const reacted = answer('ChatMessage', exampleReactedMessage);
  if (platform) {
    app.put(
      '/group/channels/:channel_id/messages/:message_id/reactions',
      {
        schema: {
          ...doc,
          summary: "Add the member user_id's reaction (idempotent; at most 20 distinct keys per message); members get group:message_reaction",
          params: MessageParams,
          body: withExample(PlatformReactionBody, { key: '👍', user_id: 'bob' }),
          response: { 200: reacted, ...CHAT_ERRORS },
        },
      },
      async (req) => actions.addReaction(callerOf(req), req.params.channel_id, req.params.message_id, req.body),
    );
    app.delete(
      '/group/channels/:channel_id/messages/:message_id/reactions/:key',
      {
        schema: {
          ...doc,
          summary: "Take back the member user_id's reaction (idempotent); members get group:message_reaction",
          params: ReactionParams,
          querystring: PlatformReactionQuery,
          response: { 200: answer('ChatMessage', exampleMessage), ...CHAT_ERRORS },
        },
      },
      async (req) => actions.removeReaction(callerOf(req), req.params.channel_id, req.params.message_id, { key: req.params.key, user_id: req.query.user_id }),
    );
  } else {
    app.put(
      '/group/channels/:channel_id/messages/:message_id/reactions',
      {
        schema: {
          ...doc,
          summary: "Add the caller's reaction (members; idempotent; at most 20 distinct keys per message); members get group:message_reaction",
          params: MessageParams,
          body: withExample(ReactionBody, { key: '👍' }),
          response: { 200: reacted, ...CHAT_ERRORS },
        },
      },
      async (req) => actions.addReaction(callerOf(req), req.params.channel_id, req.params.message_id, { key: req.body.key }),
    );
    app.delete(
      '/group/channels/:channel_id/messages/:message_id/reactions/:key',
      {
        schema: { ...doc, summary: "Take back the caller's reaction (idempotent); members get group:message_reaction", params: ReactionParams, response: { 200: answer('ChatMessage', exampleMessage), ...CHAT_ERRORS } },
      },
      async (req) => actions.removeReaction(callerOf(req), req.params.channel_id, req.params.message_id, { key: req.params.key }),
    );
  }

  const who = platform ? '' : ' (members; in a frozen channel managers only)';
  app.put(
    '/group/channels/:channel_id/messages/:message_id/pin',
    {
      schema: {
        ...doc,
        summary: `Pin a message first in the channel's pinned_message_ids (at most 10; idempotent); members get group:channel_update${who}`,
        params: MessageParams,
        response: { 200: answer('ChatChannel', examplePinnedChannel), ...CHAT_ERRORS },
      },
    },
    async (req) => actions.pin(callerOf(req), req.params.channel_id, req.params.message_id),
  );
  app.delete(
    '/group/channels/:channel_id/messages/:message_id/pin',
    {
      schema: {
        ...doc,
        summary: `Unpin a message (idempotent); members get group:channel_update${who}`,
        params: MessageParams,
        response: { 200: answer('ChatChannel', { ...examplePinnedChannel, pinned_message_ids: [] }), ...CHAT_ERRORS },
      },
    },
    async (req) => actions.unpin(callerOf(req), req.params.channel_id, req.params.message_id),
  );
}
