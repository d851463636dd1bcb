/**
 * The client API under `/v1/sdk` (DESIGN.md, "Chat contract"): what the SDK calls as one user, with
 * headers `APP_ID`, `USER_ID` and `Authorization: Bearer <session or sdk token>` (checked by
 * chat-auth.ts). Handlers call the same chat services as the Platform API with the user as the caller;
 * the services check the user's role in the channel (chat/access.ts), so both APIs share rules,
 * events and the error envelope.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  BanBody,
  BanParams,
  ChannelListQuery,
  ChannelParams,
  ChannelUpdateBody,
  FreezeBody,
  JoinedChannelListQuery,
  ManagerBody,
  MessageListQuery,
  MessageParams,
  MetaBody,
  MetaKeysBody,
  NewChannelBody,
  PageQuery,
  SdkUserUpdateBody,
  ShowQuery,
  UserParams,
} from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import { withExample, answer, CHAT_ERRORS, SECURITY, sendBodyDocs } from './api-components.ts';
import {
  exampleBan,
  exampleBob,
  exampleChannel,
  exampleChannelReceipts,
  exampleChannelWithLast,
  exampleMessage,
  exampleNext,
  exampleToken,
  exampleUser,
} from './api-examples.ts';
import { showOf } from './channel-show.ts';
import { sessionOf } from './chat-auth.ts';
import { textInputOf, withUpload } from './multipart-input.ts';

const doc = { tags: ['chat sdk'], security: SECURITY.sdk };
const user = answer('ChatUser', exampleUser);
const channel = answer('ChatChannel', exampleChannel);
const message = answer('ChatMessage', exampleMessage);
const receipts = answer('ChatChannel', exampleChannelReceipts);
const ban = answer('ChatBan', exampleBan);
const channelList = answer('ChatChannelList', { channels: [exampleChannelWithLast], next: exampleNext });

export async function chatSdkRoutes(scope: FastifyInstance, chat: Chat): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  // `sessionOf(req)` is the authenticated user, the caller of every service call.

  app.post(
    '/users/token',
    {
      schema: {
        ...doc,
        summary: 'Exchange the session token for an sdk token: valid a day at most, never past the session token; an sdk token is refused (403)',
        response: { 200: answer('ChatToken', { ...exampleToken, expires_at: exampleToken.expires_at - 6 * 86_400_000 }), ...CHAT_ERRORS },
      },
    },
    async (req) => {
      const { app: a, claims } = sessionOf(req);
      return chat.users.exchangeToken(a, claims);
    },
  );
  app.get('/users/me', { schema: { ...doc, summary: 'The connected user', response: { 200: user, ...CHAT_ERRORS } } }, async (req) => {
    const { appId, userId } = sessionOf(req);
    return chat.users.get(appId, userId);
  });
  app.put(
    '/users/me',
    { schema: { ...doc, summary: 'Update the connected user', body: withExample(SdkUserUpdateBody, { name: 'Alice A.' }), response: { 200: user, ...CHAT_ERRORS } } },
    async (req) => {
      const { appId, userId } = sessionOf(req);
      return chat.users.update(appId, userId, req.body);
    },
  );
  app.put(
    '/users/me/meta',
    {
      schema: {
        ...doc,
        summary: 'Set meta keys of the connected user',
        body: withExample(MetaBody, { meta: { team: 'blue' } }),
        response: { 200: answer('ChatMeta', { team: 'blue' }), ...CHAT_ERRORS },
      },
    },
    async (req) => {
      const { appId, userId } = sessionOf(req);
      return chat.users.updateMeta(appId, userId, req.body.meta);
    },
  );
  app.delete(
    '/users/me/meta',
    {
      schema: {
        ...doc,
        summary: 'Remove meta keys of the connected user (all without keys)',
        body: withExample(MetaKeysBody, { keys: ['team'] }),
        response: { 200: answer('ChatMeta', {}), ...CHAT_ERRORS },
      },
    },
    async (req) => {
      const { appId, userId } = sessionOf(req);
      return chat.users.deleteMeta(appId, userId, req.body.keys);
    },
  );
  app.get(
    '/users/me/group/channels',
    { schema: { ...doc, summary: 'Channels the connected user joined (order: latest_last_message, chronological, channel_name; default by channel_id)', querystring: JoinedChannelListQuery, response: { 200: channelList, ...CHAT_ERRORS } } },
    async (req) => {
      const me = sessionOf(req);
      return chat.channels.list(me, req.query, { joinedBy: me.userId });
    },
  );
  app.get('/users/:user_id', { schema: { ...doc, summary: 'A user of the app', params: UserParams, response: { 200: answer('ChatUser', exampleBob), ...CHAT_ERRORS } } }, async (req) =>
    chat.users.get(sessionOf(req).appId, req.params.user_id),
  );

  app.get(
    '/group/channels',
    {
      schema: {
        ...doc,
        summary: 'Channels the connected user joined and public ones (members and last message only where a member)',
        querystring: ChannelListQuery,
        response: { 200: channelList, ...CHAT_ERRORS },
      },
    },
    async (req) => chat.channels.list(sessionOf(req), req.query),
  );
  app.post(
    '/group/channels',
    {
      schema: {
        ...doc,
        summary: 'Create a group channel; the caller is a member',
        body: withExample(NewChannelBody, { channel_id: 'alice_bob', name: 'Alice & Bob', members: ['bob'] }),
        response: { 201: answer('ChatChannel', exampleChannel, 'Created'), ...CHAT_ERRORS },
      },
    },
    async (req, reply) => reply.code(201).send((await chat.channels.create(sessionOf(req), req.body)).channel),
  );
  app.get(
    '/group/channels/:channel_id',
    {
      schema: {
        ...doc,
        summary: 'A channel the caller belongs to, or a public one (show_* extras only for members; a private one: 403)',
        params: ChannelParams,
        querystring: ShowQuery,
        response: { 200: receipts, ...CHAT_ERRORS },
      },
    },
    async (req) => chat.channels.get(sessionOf(req), req.params.channel_id, showOf(req.query)),
  );
  app.put(
    '/group/channels/:channel_id',
    {
      schema: {
        ...doc,
        summary: 'Update a channel (managers)',
        params: ChannelParams,
        body: withExample(ChannelUpdateBody, { name: 'Lobby' }),
        response: { 200: channel, ...CHAT_ERRORS },
      },
    },
    async (req) => chat.channels.update(sessionOf(req), req.params.channel_id, req.body),
  );
  app.delete('/group/channels/:channel_id', { schema: { ...doc, summary: 'Delete a channel (managers)', params: ChannelParams, response: { 200: channel, ...CHAT_ERRORS } } }, async (req) =>
    chat.channels.delete(sessionOf(req), req.params.channel_id),
  );
  app.put(
    '/group/channels/:channel_id/join',
    { schema: { ...doc, summary: 'Join a public channel (a private one: 403)', params: ChannelParams, response: { 200: channel, ...CHAT_ERRORS } } },
    async (req) => chat.membership.join(sessionOf(req), req.params.channel_id, undefined),
  );
  app.put('/group/channels/:channel_id/leave', { schema: { ...doc, summary: 'Leave the channel', params: ChannelParams, response: { 200: channel, ...CHAT_ERRORS } } }, async (req) =>
    chat.membership.leave(sessionOf(req), req.params.channel_id, undefined),
  );
  app.get(
    '/group/channels/:channel_id/members',
    {
      schema: {
        ...doc,
        summary: 'Members, in user id order',
        params: ChannelParams,
        querystring: PageQuery,
        response: { 200: answer('ChatMemberList', { members: [exampleUser, exampleBob], next: null }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.membership.members(sessionOf(req), req.params.channel_id, req.query.limit, req.query.next),
  );
  app.get(
    '/group/channels/:channel_id/online_members',
    { schema: { ...doc, summary: 'Members with a live connection', params: ChannelParams, response: { 200: answer('ChatOnlineMembers', ['alice', 'bob']), ...CHAT_ERRORS } } },
    async (req) => chat.membership.online(sessionOf(req), req.params.channel_id),
  );
  const manager = withExample(ManagerBody, { manager: 'bob' });
  app.post(
    '/group/channels/:channel_id/managers',
    { schema: { ...doc, summary: 'Make a member a manager (managers)', params: ChannelParams, body: manager, response: { 200: channel, ...CHAT_ERRORS } } },
    async (req) => chat.membership.addManager(sessionOf(req), req.params.channel_id, req.body.manager),
  );
  app.delete(
    '/group/channels/:channel_id/managers',
    { schema: { ...doc, summary: 'Remove a manager (managers)', params: ChannelParams, body: manager, response: { 200: channel, ...CHAT_ERRORS } } },
    async (req) => chat.membership.removeManager(sessionOf(req), req.params.channel_id, req.body.manager),
  );

  app.post(
    '/group/channels/:channel_id/messages',
    {
      schema: {
        ...doc,
        summary: 'Send a text message (JSON) or a file (multipart: type=file, meta as JSON, then the file)',
        params: ChannelParams,
        response: { 201: answer('ChatMessage', exampleMessage, 'Sent'), ...CHAT_ERRORS },
      },
      config: { swaggerTransform: sendBodyDocs({ type: 'text', content: 'hello' }) },
    },
    async (req, reply) => {
      const me = sessionOf(req);
      if (req.isMultipart()) return reply.code(201).send(await withUpload(req, (read) => chat.messages.sendFile(me, req.params.channel_id, read)));
      // A user sends as itself: a user_id in the body is not the client API's to give.
      const { type, content, meta, mentioned_user_ids, parent_message_id } = textInputOf(req.body);
      return reply.code(201).send(await chat.messages.sendText(me, req.params.channel_id, { type, content, meta, mentioned_user_ids, parent_message_id }));
    },
  );
  app.get(
    '/group/channels/:channel_id/messages',
    {
      schema: {
        ...doc,
        summary: 'Messages, oldest first',
        params: ChannelParams,
        querystring: MessageListQuery,
        response: { 200: answer('ChatMessageList', { messages: [exampleMessage] }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.messages.list(sessionOf(req), req.params.channel_id, req.query),
  );
  app.put('/group/channels/:channel_id/messages/read', { schema: { ...doc, summary: 'Mark the channel read', params: ChannelParams, response: { 200: receipts, ...CHAT_ERRORS } } }, async (req) =>
    chat.messages.receipt(sessionOf(req), req.params.channel_id, undefined, 'read'),
  );
  app.put(
    '/group/channels/:channel_id/messages/delivered',
    { schema: { ...doc, summary: 'Mark the channel delivered', params: ChannelParams, response: { 200: receipts, ...CHAT_ERRORS } } },
    async (req) => chat.messages.receipt(sessionOf(req), req.params.channel_id, undefined, 'delivered'),
  );
  app.delete(
    '/group/channels/:channel_id/messages/:message_id',
    { schema: { ...doc, summary: 'Delete a message (its sender or a manager)', params: MessageParams, response: { 200: message, ...CHAT_ERRORS } } },
    async (req) => chat.messages.delete(sessionOf(req), req.params.channel_id, req.params.message_id),
  );
  app.put(
    '/group/channels/:channel_id/messages/:message_id/meta',
    {
      schema: {
        ...doc,
        summary: 'Set message meta (its sender or a manager)',
        params: MessageParams,
        body: withExample(MetaBody, { meta: { pinned: 'yes' } }),
        response: { 200: answer('ChatMessage', { ...exampleMessage, meta: { pinned: 'yes' } }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.messages.updateMeta(sessionOf(req), req.params.channel_id, req.params.message_id, req.body.meta),
  );
  app.delete(
    '/group/channels/:channel_id/messages/:message_id/meta',
    {
      schema: {
        ...doc,
        summary: 'Remove message meta (its sender or a manager)',
        params: MessageParams,
        body: withExample(MetaKeysBody, { keys: ['pinned'] }),
        response: { 200: message, ...CHAT_ERRORS },
      },
    },
    async (req) => chat.messages.deleteMeta(sessionOf(req), req.params.channel_id, req.params.message_id, req.body.keys),
  );

  app.put(
    '/group/channels/:channel_id/freeze',
    {
      schema: {
        ...doc,
        summary: 'Freeze or unfreeze (managers)',
        params: ChannelParams,
        body: withExample(FreezeBody, { freeze: true }),
        response: { 200: answer('ChatChannel', { ...exampleChannel, freeze: true }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.channels.freeze(sessionOf(req), req.params.channel_id, req.body.freeze),
  );
  app.post(
    '/group/channels/:channel_id/ban',
    {
      schema: {
        ...doc,
        summary: 'Ban a user for a time (managers; not themselves or each other)',
        params: ChannelParams,
        body: withExample(BanBody, { user_id: 'mallory', seconds: 600, reason: 'spam' }),
        response: { 200: ban, ...CHAT_ERRORS },
      },
    },
    async (req) => chat.membership.ban(sessionOf(req), req.params.channel_id, req.body),
  );
  app.delete('/group/channels/:channel_id/ban/:user_id', { schema: { ...doc, summary: 'Lift a ban (managers)', params: BanParams, response: { 200: ban, ...CHAT_ERRORS } } }, async (req) =>
    chat.membership.unban(sessionOf(req), req.params.channel_id, req.params.user_id),
  );
  app.get(
    '/group/channels/:channel_id/banned_list',
    {
      schema: {
        ...doc,
        summary: 'Bans in force (managers)',
        params: ChannelParams,
        querystring: PageQuery,
        response: { 200: answer('ChatBannedList', { banned: [exampleBan], next: null }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.membership.bannedList(sessionOf(req), req.params.channel_id, req.query.limit, req.query.next),
  );
}
