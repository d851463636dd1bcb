/** `/v1/group/channels/{id}/messages…`: sending (JSON text or multipart file), listing, deletion, meta, receipts. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import type { TextInput } from '../chat/message.service.ts';
import { appOf } from './chat-auth.ts';
import { ChannelParams, Meta, MessageListQuery, MessageParams, MetaKeys } from './chat-schemas.ts';
import { withUpload } from './multipart-input.ts';

const UserBody = Type.Object({ user_id: Type.String() });

type P = Static<typeof ChannelParams>;
type MP = Static<typeof MessageParams>;
const tags = ['chat messages'];

export async function chatMessageRoutes(app: FastifyInstance, chat: Chat): Promise<void> {
  app.post<{ Params: P; Body: TextInput | undefined }>(
    '/group/channels/:channel_id/messages',
    {
      schema: {
        tags,
        summary: 'Send a message: JSON {type: "text", user_id, content, meta?}, or multipart/form-data with fields type=file, user_id, meta (JSON), then the file',
        params: ChannelParams,
      },
    },
    async (req, reply) => {
      const appId = appOf(req).id;
      const message = req.isMultipart()
        ? await withUpload(req, (read) => chat.messages.sendFile(appId, req.params.channel_id, read))
        : await chat.messages.sendText(appId, req.params.channel_id, (req.body ?? {}) as TextInput);
      reply.code(201);
      return message;
    },
  );

  app.get<{ Params: P; Querystring: Static<typeof MessageListQuery> }>(
    '/group/channels/:channel_id/messages',
    { schema: { tags, summary: 'List messages, oldest first', params: ChannelParams, querystring: MessageListQuery } },
    async (req) => chat.messages.list(appOf(req).id, req.params.channel_id, req.query),
  );

  app.delete<{ Params: MP }>('/group/channels/:channel_id/messages/:message_id', { schema: { tags, summary: 'Delete a message', params: MessageParams } }, async (req) =>
    chat.messages.delete(appOf(req).id, req.params.channel_id, req.params.message_id),
  );

  app.put<{ Params: MP; Body: { meta: Record<string, string> } }>(
    '/group/channels/:channel_id/messages/:message_id/meta',
    { schema: { tags, summary: 'Set meta keys of a message (members get group:message_update)', params: MessageParams, body: Type.Object({ meta: Meta }) } },
    async (req) => chat.messages.updateMeta(appOf(req).id, req.params.channel_id, req.params.message_id, req.body.meta),
  );

  app.delete<{ Params: MP; Body: Static<typeof MetaKeys> | undefined }>(
    '/group/channels/:channel_id/messages/:message_id/meta',
    { schema: { tags, summary: 'Remove meta keys of a message (all without `keys`)', params: MessageParams, body: MetaKeys } },
    async (req) => chat.messages.deleteMeta(appOf(req).id, req.params.channel_id, req.params.message_id, req.body?.keys),
  );

  app.put<{ Params: P; Body: Static<typeof UserBody> }>(
    '/group/channels/:channel_id/messages/read',
    { schema: { tags, summary: "Mark everything read by user_id; answers read_receipt, delivery_receipt, unread", params: ChannelParams, body: UserBody } },
    async (req) => chat.messages.receipt(appOf(req).id, req.params.channel_id, req.body.user_id, 'read'),
  );

  app.put<{ Params: P; Body: Static<typeof UserBody> }>(
    '/group/channels/:channel_id/messages/delivered',
    { schema: { tags, summary: 'Mark everything delivered to user_id', params: ChannelParams, body: UserBody } },
    async (req) => chat.messages.receipt(appOf(req).id, req.params.channel_id, req.body.user_id, 'delivered'),
  );
}
