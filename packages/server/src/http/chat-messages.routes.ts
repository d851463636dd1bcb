/** `/v1/group/channels/{id}/messages…`: sending (JSON text or multipart file), listing, deletion, meta, receipts. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ChannelParams, MessageListQuery, MessageParams, MetaBody, MetaKeysBody, ReceiptBody } from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import { withExample, answer, CHAT_ERRORS, SECURITY, sendBodyDocs } from './api-components.ts';
import { exampleChannelReceipts, exampleMessage } from './api-examples.ts';
import { appOf } from './chat-auth.ts';
import { textInputOf, withUpload } from './multipart-input.ts';

const doc = { tags: ['chat messages'], security: SECURITY.platform };
const message = answer('ChatMessage', exampleMessage);
const receipts = answer('ChatChannel', exampleChannelReceipts);

export async function chatMessageRoutes(scope: FastifyInstance, chat: Chat): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/group/channels/:channel_id/messages',
    {
      schema: {
        ...doc,
        summary: 'Send a message: JSON {type: "text", user_id, content, meta?}, or multipart/form-data with fields type=file, user_id, meta (JSON), then the file',
        params: ChannelParams,
        response: { 201: answer('ChatMessage', exampleMessage, 'Sent'), ...CHAT_ERRORS },
      },
      config: { swaggerTransform: sendBodyDocs({ type: 'text', user_id: 'alice', content: 'hello' }) },
    },
    async (req, reply) => {
      const appId = appOf(req).id;
      const sent = req.isMultipart()
        ? await withUpload(req, (read) => chat.messages.sendFile(appId, req.params.channel_id, read))
        : await chat.messages.sendText(appId, req.params.channel_id, textInputOf(req.body));
      return reply.code(201).send(sent);
    },
  );

  app.get(
    '/group/channels/:channel_id/messages',
    {
      schema: {
        ...doc,
        summary: 'List messages, oldest first',
        params: ChannelParams,
        querystring: MessageListQuery,
        response: { 200: answer('ChatMessageList', { messages: [exampleMessage] }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.messages.list(appOf(req).id, req.params.channel_id, req.query),
  );

  app.delete(
    '/group/channels/:channel_id/messages/:message_id',
    { schema: { ...doc, summary: 'Delete a message; answers the deleted message', params: MessageParams, response: { 200: message, ...CHAT_ERRORS } } },
    async (req) => chat.messages.delete(appOf(req).id, req.params.channel_id, req.params.message_id),
  );

  app.put(
    '/group/channels/:channel_id/messages/:message_id/meta',
    {
      schema: {
        ...doc,
        summary: 'Set meta keys of a message (members get group:message_update)',
        params: MessageParams,
        body: withExample(MetaBody, { meta: { pinned: 'yes' } }),
        response: { 200: answer('ChatMessage', { ...exampleMessage, meta: { pinned: 'yes' } }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.messages.updateMeta(appOf(req).id, req.params.channel_id, req.params.message_id, req.body.meta),
  );

  app.delete(
    '/group/channels/:channel_id/messages/:message_id/meta',
    {
      schema: {
        ...doc,
        summary: 'Remove meta keys of a message (all without `keys`)',
        params: MessageParams,
        body: withExample(MetaKeysBody, { keys: ['pinned'] }),
        response: { 200: message, ...CHAT_ERRORS },
      },
    },
    async (req) => chat.messages.deleteMeta(appOf(req).id, req.params.channel_id, req.params.message_id, req.body.keys),
  );

  const receipt = withExample(ReceiptBody, { user_id: 'bob' });
  app.put(
    '/group/channels/:channel_id/messages/read',
    {
      schema: {
        ...doc,
        summary: 'Mark everything read by user_id; answers read_receipt, delivery_receipt, unread',
        params: ChannelParams,
        body: receipt,
        response: { 200: receipts, ...CHAT_ERRORS },
      },
    },
    async (req) => chat.messages.receipt(appOf(req).id, req.params.channel_id, req.body.user_id, 'read'),
  );

  app.put(
    '/group/channels/:channel_id/messages/delivered',
    { schema: { ...doc, summary: 'Mark everything delivered to user_id', params: ChannelParams, body: receipt, response: { 200: receipts, ...CHAT_ERRORS } } },
    async (req) => chat.messages.receipt(appOf(req).id, req.params.channel_id, req.body.user_id, 'delivered'),
  );
}
