/** `/v1/group/channels…`: channels, membership, managers and moderation (freeze, ban). */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import { appOf } from './chat-auth.ts';
import { BanParams, ChannelListQuery, ChannelParams, FreezeBody, ManagerBody, PageQuery, ShowQuery, showOf } from './chat-schemas.ts';

const AnyObject = Type.Object({}, { additionalProperties: true });
const NewChannel = Type.Object({
  channel_id: Type.Optional(Type.String({ description: '[a-z0-9_], 4-80; generated when absent' })),
  name: Type.String({ description: '1-150 characters' }),
  profile_url: Type.Optional(Type.String()),
  members: Type.Optional(Type.Array(Type.String(), { description: 'at most 100 user ids' })),
  reuse: Type.Optional(Type.Boolean({ default: false })),
  meta: Type.Optional(AnyObject),
  is_public: Type.Optional(Type.Boolean({ default: false, description: 'public: any user of the app may see and join it through the client API' })),
});
const ChannelUpdate = Type.Object({
  name: Type.Optional(Type.String()),
  profile_url: Type.Optional(Type.String()),
  meta: Type.Optional(AnyObject),
  is_public: Type.Optional(Type.Boolean()),
});
const MemberBody = Type.Object({ member: Type.String() });
const BanBody = Type.Object({
  user_id: Type.String(),
  seconds: Type.Integer({ description: '1 to 10 years' }),
  reason: Type.Optional(Type.String()),
  manager: Type.Optional(Type.String({ description: 'the acting manager: when given, managers may not ban each other or themselves' })),
});

type P = Static<typeof ChannelParams>;
const tags = ['chat channels'];

export async function chatChannelRoutes(app: FastifyInstance, chat: Chat): Promise<void> {
  app.post<{ Body: Static<typeof NewChannel> }>(
    '/group/channels',
    { schema: { tags, summary: 'Create a group channel (201), or with reuse return an identical one (200)', body: NewChannel } },
    async (req, reply) => {
      const { channel, created } = await chat.channels.create(appOf(req).id, req.body);
      reply.code(created ? 201 : 200);
      return channel;
    },
  );

  app.get<{ Querystring: Static<typeof ChannelListQuery> }>(
    '/group/channels',
    { schema: { tags, summary: 'List the channels of the app', querystring: ChannelListQuery } },
    async (req) => chat.channels.list(appOf(req).id, req.query),
  );

  app.get<{ Params: P; Querystring: Static<typeof ShowQuery> }>(
    '/group/channels/:channel_id',
    { schema: { tags, summary: 'Get a channel', params: ChannelParams, querystring: ShowQuery } },
    async (req) => chat.channels.get(appOf(req).id, req.params.channel_id, showOf(req.query)),
  );

  app.put<{ Params: P; Body: Static<typeof ChannelUpdate> }>(
    '/group/channels/:channel_id',
    { schema: { tags, summary: 'Update name, profile_url, meta (replaced whole) or is_public; members get group:channel_update', params: ChannelParams, body: ChannelUpdate } },
    async (req) => chat.channels.update(appOf(req).id, req.params.channel_id, req.body ?? {}),
  );

  app.delete<{ Params: P }>('/group/channels/:channel_id', { schema: { tags, summary: 'Delete a channel with its messages and files', params: ChannelParams } }, async (req) =>
    chat.channels.delete(appOf(req).id, req.params.channel_id),
  );

  app.put<{ Params: P; Body: Static<typeof MemberBody> }>(
    '/group/channels/:channel_id/join',
    { schema: { tags, summary: 'Add a member', params: ChannelParams, body: MemberBody } },
    async (req) => chat.membership.join(appOf(req).id, req.params.channel_id, req.body.member),
  );

  app.put<{ Params: P; Body: Static<typeof MemberBody> }>(
    '/group/channels/:channel_id/leave',
    { schema: { tags, summary: 'Remove a member', params: ChannelParams, body: MemberBody } },
    async (req) => chat.membership.leave(appOf(req).id, req.params.channel_id, req.body.member),
  );

  app.get<{ Params: P; Querystring: Static<typeof PageQuery> }>(
    '/group/channels/:channel_id/members',
    { schema: { tags, summary: 'Members, in user id order', params: ChannelParams, querystring: PageQuery } },
    async (req) => chat.membership.members(appOf(req).id, req.params.channel_id, req.query.limit, req.query.next),
  );

  app.get<{ Params: P }>(
    '/group/channels/:channel_id/online_members',
    { schema: { tags, summary: 'User ids of members with a live chat connection', params: ChannelParams } },
    async (req) => chat.membership.online(appOf(req).id, req.params.channel_id),
  );

  app.post<{ Params: P; Body: Static<typeof ManagerBody> }>(
    '/group/channels/:channel_id/managers',
    { schema: { tags, summary: 'Make a member a manager', params: ChannelParams, body: ManagerBody } },
    async (req) => chat.membership.addManager(appOf(req).id, req.params.channel_id, req.body.manager),
  );

  app.delete<{ Params: P; Body: Static<typeof ManagerBody> }>(
    '/group/channels/:channel_id/managers',
    { schema: { tags, summary: 'Remove a manager', params: ChannelParams, body: ManagerBody } },
    async (req) => chat.membership.removeManager(appOf(req).id, req.params.channel_id, req.body.manager),
  );

  app.put<{ Params: P; Body: Static<typeof FreezeBody> }>(
    '/group/channels/:channel_id/freeze',
    { schema: { tags, summary: 'Freeze (sends refused with 1009) or unfreeze', params: ChannelParams, body: FreezeBody } },
    async (req) => chat.channels.freeze(appOf(req).id, req.params.channel_id, req.body.freeze),
  );

  app.post<{ Params: P; Body: Static<typeof BanBody> }>(
    '/group/channels/:channel_id/ban',
    { schema: { tags, summary: 'Ban a user for a time: removed at once, may not rejoin or send', params: ChannelParams, body: BanBody } },
    async (req) => chat.membership.ban(appOf(req).id, req.params.channel_id, req.body),
  );

  app.delete<{ Params: Static<typeof BanParams> }>(
    '/group/channels/:channel_id/ban/:user_id',
    { schema: { tags, summary: 'Lift a ban', params: BanParams } },
    async (req) => chat.membership.unban(appOf(req).id, req.params.channel_id, req.params.user_id),
  );

  app.get<{ Params: P; Querystring: Static<typeof PageQuery> }>(
    '/group/channels/:channel_id/banned_list',
    { schema: { tags, summary: 'Bans in force, in user id order', params: ChannelParams, querystring: PageQuery } },
    async (req) => chat.membership.bannedList(appOf(req).id, req.params.channel_id, req.query.limit, req.query.next),
  );
}
