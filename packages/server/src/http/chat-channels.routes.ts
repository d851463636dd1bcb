/** `/v1/group/channels…`: channels, membership, managers and moderation (freeze, ban). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  BanParams,
  ChannelListQuery,
  ChannelParams,
  ChannelUpdateBody,
  FreezeBody,
  ManagerBody,
  MemberBody,
  NewChannelBody,
  PageQuery,
  PlatformBanBody,
  ShowQuery,
} from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import { withExample, answer, CHAT_ERRORS, SECURITY } from './api-components.ts';
import { exampleBan, exampleBob, exampleChannel, exampleChannelReceipts, exampleChannelWithLast, exampleNext } from './api-examples.ts';
import { showOf } from './channel-show.ts';
import { appOf } from './chat-auth.ts';

const doc = { tags: ['chat channels'], security: SECURITY.platform };
const channel = answer('ChatChannel', exampleChannel);
const ban = answer('ChatBan', exampleBan);
const channelList = answer('ChatChannelList', { channels: [exampleChannelWithLast], next: exampleNext });

export async function chatChannelRoutes(scope: FastifyInstance, chat: Chat): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/group/channels',
    {
      schema: {
        ...doc,
        summary: 'Create a group channel (201), or with reuse return an identical one (200)',
        body: withExample(NewChannelBody, { channel_id: 'alice_bob', name: 'Alice & Bob', members: ['alice', 'bob'], reuse: true }),
        response: { 201: answer('ChatChannel', exampleChannel, 'Created'), 200: answer('ChatChannel', exampleChannel, 'An identical channel, reused'), ...CHAT_ERRORS },
      },
    },
    async (req, reply) => {
      const { channel, created } = await chat.channels.create(appOf(req).id, req.body);
      return reply.code(created ? 201 : 200).send(channel);
    },
  );

  app.get('/group/channels', { schema: { ...doc, summary: 'List the channels of the app', querystring: ChannelListQuery, response: { 200: channelList, ...CHAT_ERRORS } } }, async (req) =>
    chat.channels.list(appOf(req).id, req.query),
  );

  app.get(
    '/group/channels/:channel_id',
    { schema: { ...doc, summary: 'Get a channel', params: ChannelParams, querystring: ShowQuery, response: { 200: answer('ChatChannel', exampleChannelReceipts), ...CHAT_ERRORS } } },
    async (req) => chat.channels.get(appOf(req).id, req.params.channel_id, showOf(req.query)),
  );

  app.put(
    '/group/channels/:channel_id',
    {
      schema: {
        ...doc,
        summary: 'Update name, profile_url, meta (replaced whole) or is_public; members get group:channel_update',
        params: ChannelParams,
        body: withExample(ChannelUpdateBody, { name: 'Lobby', is_public: true }),
        response: { 200: channel, ...CHAT_ERRORS },
      },
    },
    async (req) => chat.channels.update(appOf(req).id, req.params.channel_id, req.body),
  );

  app.delete(
    '/group/channels/:channel_id',
    { schema: { ...doc, summary: 'Delete a channel with its messages and files; answers the deleted channel', params: ChannelParams, response: { 200: channel, ...CHAT_ERRORS } } },
    async (req) => chat.channels.delete(appOf(req).id, req.params.channel_id),
  );

  const member = withExample(MemberBody, { member: 'bob' });
  app.put(
    '/group/channels/:channel_id/join',
    { schema: { ...doc, summary: 'Add a member', params: ChannelParams, body: member, response: { 200: channel, ...CHAT_ERRORS } } },
    async (req) => chat.membership.join(appOf(req).id, req.params.channel_id, req.body.member),
  );

  app.put(
    '/group/channels/:channel_id/leave',
    { schema: { ...doc, summary: 'Remove a member', params: ChannelParams, body: member, response: { 200: channel, ...CHAT_ERRORS } } },
    async (req) => chat.membership.leave(appOf(req).id, req.params.channel_id, req.body.member),
  );

  app.get(
    '/group/channels/:channel_id/members',
    {
      schema: {
        ...doc,
        summary: 'Members, in user id order',
        params: ChannelParams,
        querystring: PageQuery,
        response: { 200: answer('ChatMemberList', { members: [exampleBob], next: null }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.membership.members(appOf(req).id, req.params.channel_id, req.query.limit, req.query.next),
  );

  app.get(
    '/group/channels/:channel_id/online_members',
    { schema: { ...doc, summary: 'User ids of members with a live chat connection', params: ChannelParams, response: { 200: answer('ChatOnlineMembers', ['alice']), ...CHAT_ERRORS } } },
    async (req) => chat.membership.online(appOf(req).id, req.params.channel_id),
  );

  const manager = withExample(ManagerBody, { manager: 'bob' });
  app.post(
    '/group/channels/:channel_id/managers',
    { schema: { ...doc, summary: 'Make a member a manager', params: ChannelParams, body: manager, response: { 200: channel, ...CHAT_ERRORS } } },
    async (req) => chat.membership.addManager(appOf(req).id, req.params.channel_id, req.body.manager),
  );

  app.delete(
    '/group/channels/:channel_id/managers',
    { schema: { ...doc, summary: 'Remove a manager', params: ChannelParams, body: manager, response: { 200: channel, ...CHAT_ERRORS } } },
    async (req) => chat.membership.removeManager(appOf(req).id, req.params.channel_id, req.body.manager),
  );

  app.put(
    '/group/channels/:channel_id/freeze',
    {
      schema: {
        ...doc,
        summary: 'Freeze (sends refused with 1009) or unfreeze',
        params: ChannelParams,
        body: withExample(FreezeBody, { freeze: true }),
        response: { 200: answer('ChatChannel', { ...exampleChannel, freeze: true }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.channels.freeze(appOf(req).id, req.params.channel_id, req.body.freeze),
  );

  app.post(
    '/group/channels/:channel_id/ban',
    {
      schema: {
        ...doc,
        summary: 'Ban a user for a time: removed at once, may not rejoin or send',
        params: ChannelParams,
        body: withExample(PlatformBanBody, { user_id: 'mallory', seconds: 600, reason: 'spam' }),
        response: { 200: ban, ...CHAT_ERRORS },
      },
    },
    async (req) => chat.membership.ban(appOf(req).id, req.params.channel_id, req.body),
  );

  app.delete(
    '/group/channels/:channel_id/ban/:user_id',
    { schema: { ...doc, summary: 'Lift a ban; answers the lifted ban', params: BanParams, response: { 200: ban, ...CHAT_ERRORS } } },
    async (req) => chat.membership.unban(appOf(req).id, req.params.channel_id, req.params.user_id),
  );

  app.get(
    '/group/channels/:channel_id/banned_list',
    {
      schema: {
        ...doc,
        summary: 'Bans in force, in user id order',
        params: ChannelParams,
        querystring: PageQuery,
        response: { 200: answer('ChatBannedList', { banned: [exampleBan], next: null }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.membership.bannedList(appOf(req).id, req.params.channel_id, req.query.limit, req.query.next),
  );
}
