/**
 * GitpleLive SDK 1.1 parity (DESIGN.md): `GET …/group/channels/{id}/managers` for both faces (paged
 * like the members), and the server API's `PUT|DELETE /v1/group/channels/{id}/meta` (merge keys /
 * remove listed keys, all without a list; members get group:channel_update).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ChannelParams, MetaBody, MetaKeysBody, PageQuery } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../chat/access.ts';
import type { Chat } from '../chat/chat.ts';
import { answer, CHAT_ERRORS, SECURITY, withExample } from './api-components.ts';
import { exampleBob, exampleChannel } from './api-examples.ts';
import { appOf, sessionOf } from './chat-auth.ts';

export async function chatParityRoutes(scope: FastifyInstance, chat: Chat, face: 'platform' | 'sdk'): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const doc = face === 'platform' ? { tags: ['chat channels'], security: SECURITY.platform } : { tags: ['chat sdk'], security: SECURITY.sdk };
  const callerOf = (req: FastifyRequest): Caller => (face === 'platform' ? appOf(req).id : sessionOf(req));

  app.get(
    '/group/channels/:channel_id/managers',
    {
      schema: {
        ...doc,
        summary: `Managers, in user id order${face === 'sdk' ? ' (members)' : ''}`,
        params: ChannelParams,
        querystring: PageQuery,
        response: { 200: answer('ChatManagerList', { managers: [exampleBob], next: null }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.membership.managers(callerOf(req), req.params.channel_id, req.query.limit, req.query.next),
  );

  if (face !== 'platform') return;
  app.put(
    '/group/channels/:channel_id/meta',
    {
      schema: {
        ...doc,
        summary: 'Set meta keys of a channel, keeping the others (members get group:channel_update)',
        params: ChannelParams,
        body: withExample(MetaBody, { meta: { topic: 'release' } }),
        response: { 200: answer('ChatChannel', { ...exampleChannel, meta: { topic: 'release' } }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.channelMeta.update(callerOf(req), req.params.channel_id, req.body.meta),
  );

  app.delete(
    '/group/channels/:channel_id/meta',
    {
      schema: {
        ...doc,
        summary: 'Remove meta keys of a channel (all without `keys`; members get group:channel_update)',
        params: ChannelParams,
        body: withExample(MetaKeysBody, { keys: ['topic'] }),
        response: { 200: answer('ChatChannel', exampleChannel), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.channelMeta.delete(callerOf(req), req.params.channel_id, req.body?.keys),
  );
}
