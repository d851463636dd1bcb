/**
 * `…/group/channels/{id}/mute`, `…/mute/{uid}`, `…/muted_list` (DESIGN.md, Moderation), for both
 * faces: the server API (acting for the app, optionally as a named `manager`) and the client API
 * (acting as the caller, a manager). One definition, registered under each family's authentication.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { BanParams, ChannelParams, MuteBody, PageQuery, PlatformMuteBody } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../chat/access.ts';
import type { Chat } from '../chat/chat.ts';
import { answer, CHAT_ERRORS, SECURITY, withExample } from './api-components.ts';
import { exampleMute } from './api-examples.ts';
import { appOf, sessionOf } from './chat-auth.ts';


export async function chatMuteRoutes(scope: FastifyInstance, chat: Chat, face: 'platform' | 'sdk'): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const doc = face === 'platform' ? { tags: ['chat channels'], security: SECURITY.platform } : { tags: ['chat sdk'], security: SECURITY.sdk };
  const callerOf = (req: FastifyRequest): Caller => (face === 'platform' ? appOf(req).id : sessionOf(req));
  const who = face === 'platform' ? '' : ' (managers)';
  const mute = answer('ChatMute', exampleMute);

  app.post(
    '/group/channels/:channel_id/mute',
    {
      schema: {
        ...doc,
        summary: `Mute a member for a time: it stays and reads, its sends are refused (1021)${who}`,
        params: ChannelParams,
        body: face === 'platform' ? withExample(PlatformMuteBody, { user_id: 'mallory', seconds: 600, description: 'cool down' }) : withExample(MuteBody, { user_id: 'mallory', seconds: 600 }),
        response: { 200: mute, ...CHAT_ERRORS },
      },
    },
    async (req) => chat.mutes.mute(callerOf(req), req.params.channel_id, req.body),
  );

  app.delete(
    '/group/channels/:channel_id/mute/:user_id',
    { schema: { ...doc, summary: `Lift a mute; answers the lifted mute${who}`, params: BanParams, response: { 200: mute, ...CHAT_ERRORS } } },
    async (req) => chat.mutes.unmute(callerOf(req), req.params.channel_id, req.params.user_id),
  );

  app.get(
    '/group/channels/:channel_id/muted_list',
    {
      schema: {
        ...doc,
        summary: `Mutes in force, in user id order${who}`,
        params: ChannelParams,
        querystring: PageQuery,
        response: { 200: answer('ChatMutedList', { muted: [exampleMute], next: null }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.mutes.mutedList(callerOf(req), req.params.channel_id, req.query.limit, req.query.next),
  );
}
