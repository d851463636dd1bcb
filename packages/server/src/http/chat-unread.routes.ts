/**
 * A user's unread totals and reads of many channels (DESIGN.md, "Unread and read-all"), for both
 * faces: `/v1/users/{id}/…` acting for the named user, `/v1/sdk/users/me/…` as the caller.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ReadChannelsBody, UserParams } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../chat/access.ts';
import type { Chat } from '../chat/chat.ts';
import { answer, CHAT_ERRORS, SECURITY, withExample } from './api-components.ts';
import { exampleReadChannels, exampleUnreadCount } from './api-examples.ts';
import { appOf, sessionOf } from './chat-auth.ts';

export async function chatUnreadRoutes(scope: FastifyInstance, chat: Chat, face: 'platform' | 'sdk'): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const platform = face === 'platform';
  const doc = platform ? { tags: ['chat users'], security: SECURITY.platform } : { tags: ['chat sdk'], security: SECURITY.sdk };
  const path = platform ? '/users/:user_id' : '/users/me';
  const params = platform ? { params: UserParams } : {};
  const callerOf = (req: FastifyRequest): Caller => (platform ? appOf(req).id : sessionOf(req));
  /** The server API names the user in the path; the client API's user is the caller. */
  const userOf = (req: FastifyRequest): string | undefined => (platform ? (req.params as { user_id: string }).user_id : undefined);
  const read = answer('ChatReadChannels', exampleReadChannels);

  app.get(
    `${path}/unread`,
    {
      schema: {
        ...doc,
        summary: 'Unread totals over all the user’s channels: messages, channels with any, mentions',
        ...params,
        response: { 200: answer('ChatUnreadCount', exampleUnreadCount), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.unread.totals(callerOf(req), userOf(req)),
  );

  app.put(
    `${path}/read_all`,
    {
      schema: { ...doc, summary: 'Mark every channel of the user read (each gets group:channel_message_read_event)', ...params, response: { 200: read, ...CHAT_ERRORS } },
    },
    async (req) => chat.unread.markAllRead(callerOf(req), userOf(req)),
  );

  app.put(
    `${path}/read`,
    {
      schema: {
        ...doc,
        summary: 'Mark up to 100 of the user’s channels read (each gets group:channel_message_read_event); a channel it does not belong to: 1008, none marked',
        ...params,
        body: withExample(ReadChannelsBody, { channel_ids: ['alice_bob', 'lobby'] }),
        response: { 200: read, ...CHAT_ERRORS },
      },
    },
    async (req) => chat.unread.markRead(callerOf(req), req.body.channel_ids, userOf(req)),
  );
}
