/** Who is in a channel: joining and leaving, member and online lists, managers, bans. */
import { CHAT_LIMITS, type ChatBan, type ChatBannedList, type ChatChannel, type ChatMemberList } from '@parley/protocol';
import { channelView, requireChannel, requireUser, type ChatContext } from './chat-context.ts';
import {
  alreadyJoined,
  banned,
  cannotBanYourself,
  duplicate,
  invalid,
  managersCannotBan,
  managersLimit,
  membersLimit,
  notJoined,
  notManager,
  resourceNotFound,
} from './errors.ts';
import { toBan, toUser } from './presenter.ts';
import { checkChannelId, checkText, checkUserId, decodeCursor, page, pageLimit } from './rules.ts';

export interface BanInput {
  user_id: string;
  seconds: number;
  reason?: string;
  /** The manager acting; when given, the manager rules apply (1016, 1017, 1018). */
  manager?: string;
}

/** What a user is in a channel, for the client API's access checks; `exists: false` when no such channel. */
export interface ChannelRole {
  exists: boolean;
  /** Any user of the app may see and join it. */
  public: boolean;
  member: boolean;
  manager: boolean;
  banned: boolean;
  frozen: boolean;
}

export class MembershipService {
  constructor(private readonly ctx: ChatContext) {}

  async role(appId: string, channelId: string, userId: string): Promise<ChannelRole> {
    const row = await this.ctx.channels.get(appId, checkChannelId(channelId));
    if (!row) return { exists: false, public: false, member: false, manager: false, banned: false, frozen: false };
    const [member, manager, ban] = await Promise.all([
      this.ctx.members.isMember(appId, channelId, userId),
      this.ctx.members.isManager(appId, channelId, userId),
      this.ctx.bans.active(appId, channelId, userId, this.ctx.now()),
    ]);
    return { exists: true, public: Number(row.is_public) === 1, member, manager, banned: ban !== undefined, frozen: Number(row.freeze) === 1 };
  }

  async join(appId: string, channelId: string, member: string): Promise<ChatChannel> {
    checkUserId(member, 'member');
    const row = await requireChannel(this.ctx, appId, checkChannelId(channelId));
    const user = await requireUser(this.ctx, appId, member);
    if (await this.ctx.bans.active(appId, channelId, member, this.ctx.now())) throw banned(member);
    if ((await this.ctx.members.count(appId, channelId)) >= CHAT_LIMITS.channelMembersMax) throw membersLimit(CHAT_LIMITS.channelMembersMax);
    if (!(await this.ctx.members.add(appId, channelId, member, this.ctx.now()))) throw alreadyJoined(member);
    // Someone outside the creation members joined: `reuse` may never return this channel again.
    if (!row.member_key.split('\n').includes(member)) await this.ctx.channels.markNotReusable(appId, channelId);
    const channel = await channelView(this.ctx, appId, row);
    this.ctx.bus.emit({ type: 'channel_join', appId, channel, user: toUser(user) });
    return channelView(this.ctx, appId, row, { members: true });
  }

  async leave(appId: string, channelId: string, member: string): Promise<ChatChannel> {
    checkUserId(member, 'member');
    const row = await requireChannel(this.ctx, appId, checkChannelId(channelId));
    const user = await requireUser(this.ctx, appId, member);
    if (!(await this.ctx.members.remove(appId, channelId, member))) throw notJoined(member);
    const channel = await channelView(this.ctx, appId, row);
    this.ctx.bus.emit({ type: 'channel_leave', appId, channel, user: toUser(user), alsoNotify: [member] });
    return channelView(this.ctx, appId, row, { members: true });
  }

  async members(appId: string, channelId: string, limit: number | undefined, next: string | undefined): Promise<ChatMemberList> {
    const n = pageLimit(limit);
    await requireChannel(this.ctx, appId, checkChannelId(channelId));
    const rows = await this.ctx.members.members(appId, channelId, decodeCursor(next), n + 1);
    const { items, next: cursor } = page(rows, n, (r) => r.user_id);
    return { members: items.map(toUser), next: cursor };
  }

  /** Members with a live chat connection, in id order. */
  async online(appId: string, channelId: string): Promise<string[]> {
    await requireChannel(this.ctx, appId, checkChannelId(channelId));
    const ids = await this.ctx.members.memberIds(appId, channelId);
    const online = new Set(await this.ctx.online.online(appId, ids));
    return ids.filter((id) => online.has(id));
  }

  async addManager(appId: string, channelId: string, manager: string): Promise<ChatChannel> {
    checkUserId(manager, 'manager');
    const row = await requireChannel(this.ctx, appId, checkChannelId(channelId));
    const user = await requireUser(this.ctx, appId, manager);
    if (!(await this.ctx.members.isMember(appId, channelId, manager))) throw notJoined(manager);
    const outcome = await this.ctx.members.addManager(appId, channelId, manager, CHAT_LIMITS.managersMax, this.ctx.now());
    if (outcome === 'exists') throw duplicate(`manager ${manager}`);
    if (outcome === 'full') throw managersLimit(CHAT_LIMITS.managersMax);
    await this.ctx.channels.markNotReusable(appId, channelId);
    this.ctx.bus.emit({ type: 'channel_manager_create', appId, channel: await channelView(this.ctx, appId, row), user: toUser(user) });
    return channelView(this.ctx, appId, row, { managers: true });
  }

  async removeManager(appId: string, channelId: string, manager: string): Promise<ChatChannel> {
    checkUserId(manager, 'manager');
    const row = await requireChannel(this.ctx, appId, checkChannelId(channelId));
    const user = await requireUser(this.ctx, appId, manager);
    if (!(await this.ctx.members.removeManager(appId, channelId, manager))) throw notManager(manager);
    this.ctx.bus.emit({ type: 'channel_manager_delete', appId, channel: await channelView(this.ctx, appId, row), user: toUser(user) });
    return channelView(this.ctx, appId, row, { managers: true });
  }

  /** Bans for `seconds`: the user leaves the channel at once and may not rejoin or send until it expires. */
  async ban(appId: string, channelId: string, input: BanInput): Promise<ChatBan> {
    const target = checkUserId(input.user_id);
    const row = await requireChannel(this.ctx, appId, checkChannelId(channelId));
    const user = await requireUser(this.ctx, appId, target);
    if (!Number.isInteger(input.seconds) || input.seconds < 1 || input.seconds > CHAT_LIMITS.banSecondsMax) {
      throw invalid(`seconds must be between 1 and ${CHAT_LIMITS.banSecondsMax}`);
    }
    const reason = checkText(input.reason ?? '', 'reason', 0, CHAT_LIMITS.banReasonMax);
    if (input.manager !== undefined) {
      const actor = checkUserId(input.manager, 'manager');
      if (!(await this.ctx.members.isManager(appId, channelId, actor))) throw notManager(actor);
      if (actor === target) throw cannotBanYourself();
      if (await this.ctx.members.isManager(appId, channelId, target)) throw managersCannotBan();
    }
    const now = this.ctx.now();
    const banRow = { app_id: appId, channel_id: channelId, user_id: target, seconds: input.seconds, reason, created_at: now, expires_at: now + input.seconds * 1000 };
    await this.ctx.bans.ban(banRow);
    const ban = toBan(banRow);
    this.ctx.bus.emit({ type: 'channel_ban', appId, channel: await channelView(this.ctx, appId, row), user: toUser(user), ban, alsoNotify: [target] });
    return ban;
  }

  async unban(appId: string, channelId: string, userId: string): Promise<ChatBan> {
    checkUserId(userId);
    const row = await requireChannel(this.ctx, appId, checkChannelId(channelId));
    const user = await requireUser(this.ctx, appId, userId);
    const active = await this.ctx.bans.active(appId, channelId, userId, this.ctx.now());
    if (!active) throw resourceNotFound(`ban of user ${userId}`);
    await this.ctx.bans.remove(appId, channelId, userId);
    const ban = toBan(active);
    this.ctx.bus.emit({ type: 'channel_unban', appId, channel: await channelView(this.ctx, appId, row), user: toUser(user), ban, alsoNotify: [userId] });
    return ban;
  }

  async bannedList(appId: string, channelId: string, limit: number | undefined, next: string | undefined): Promise<ChatBannedList> {
    const n = pageLimit(limit);
    await requireChannel(this.ctx, appId, checkChannelId(channelId));
    const rows = await this.ctx.bans.list(appId, channelId, this.ctx.now(), decodeCursor(next), n + 1);
    const { items, next: cursor } = page(rows, n, (r) => r.user_id);
    return { banned: items.map(toBan), next: cursor };
  }
}
