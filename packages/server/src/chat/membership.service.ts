/**
 * Who is in a channel: joining and leaving, member and online lists, managers, bans. Each call takes
 * its caller (access.ts): the backend, or a user who joins visible channels as itself, lists the
 * members of its own channels, and moderates only as a manager.
 */
import { CHAT_LIMITS, type ChatBan, type ChatBannedList, type ChatChannel, type ChatManagerList, type ChatMemberList } from '@parley/protocol';
import { actingFor, appIdOf, type Caller } from './access.ts';
import { access, channelView, requireUser, type ChatContext } from './chat-context.ts';
import {
  alreadyJoined,
  banned,
  cannotBanYourself,
  channelNotFound,
  duplicate,
  invalid,
  managersCannotBan,
  managersLimit,
  membersLimit,
  notJoined,
  notManager,
  resourceNotFound,
} from './errors.ts';
import { banEvents, channelEvent, joinEvents, leaveEvents } from './outbox-events.ts';
import { toBan, toUser } from './presenter.ts';
import { checkText, checkUserId, decodeCursor, page, pageLimit } from './rules.ts';

export interface BanInput {
  user_id: string;
  seconds: number;
  reason?: string;
  /** The backend's acting manager; when given, the manager rules apply (1016, 1017, 1018). A user caller is always the acting manager. */
  manager?: string;
}

export class MembershipService {
  constructor(private readonly ctx: ChatContext) {}

  /** Adds `member` (a user caller: itself, to a channel it may see) unless banned, the channel is full, or already a member. */
  async join(caller: Caller, channelId: string, member: string | undefined): Promise<ChatChannel> {
    const granted = await access(this.ctx, caller, channelId, 'visible');
    const appId = appIdOf(caller);
    const id = checkUserId(actingFor(caller, member), 'member');
    const row = await granted.channel();
    const user = toUser(await requireUser(this.ctx, appId, id));
    const channel = await channelView(this.ctx, appId, row);
    const outcome = await this.ctx.members.join(appId, row.channel_id, id, CHAT_LIMITS.channelMembersMax, this.ctx.now(), await joinEvents(this.ctx, appId, channel, user));
    if (outcome === 'missing') throw channelNotFound(channelId);
    if (outcome === 'banned') throw banned(id);
    if (outcome === 'full') throw membersLimit(CHAT_LIMITS.channelMembersMax);
    if (outcome === 'exists') throw alreadyJoined(id);
    this.ctx.bus.emit({ type: 'channel_join', appId, channel, user });
    return channelView(this.ctx, appId, row, { members: true });
  }

  async leave(caller: Caller, channelId: string, member: string | undefined): Promise<ChatChannel> {
    const granted = await access(this.ctx, caller, channelId, 'member');
    const appId = appIdOf(caller);
    const id = checkUserId(actingFor(caller, member), 'member');
    const row = await granted.channel();
    const user = toUser(await requireUser(this.ctx, appId, id));
    const channel = await channelView(this.ctx, appId, row);
    if (!(await this.ctx.members.remove(appId, row.channel_id, id, await leaveEvents(this.ctx, appId, channel, user)))) throw notJoined(id);
    this.ctx.bus.emit({ type: 'channel_leave', appId, channel, user, alsoNotify: [id] });
    return channelView(this.ctx, appId, row, { members: true });
  }

  async members(caller: Caller, channelId: string, limit: number | undefined, next: string | undefined): Promise<ChatMemberList> {
    const granted = await access(this.ctx, caller, channelId, 'member');
    const n = pageLimit(limit);
    const row = await granted.channel();
    const rows = await this.ctx.members.members(appIdOf(caller), row.channel_id, decodeCursor(next), n + 1);
    const { items, next: cursor } = page(rows, n, (r) => r.user_id);
    return { members: items.map(toUser), next: cursor };
  }

  /** The channel's managers, paged like its members (a user caller: a member). */
  async managers(caller: Caller, channelId: string, limit: number | undefined, next: string | undefined): Promise<ChatManagerList> {
    const granted = await access(this.ctx, caller, channelId, 'member');
    const n = pageLimit(limit);
    const row = await granted.channel();
    const rows = await this.ctx.members.managers(appIdOf(caller), row.channel_id, decodeCursor(next), n + 1);
    const { items, next: cursor } = page(rows, n, (r) => r.user_id);
    return { managers: items.map(toUser), next: cursor };
  }

  /** Members with a live chat connection, in id order. */
  async online(caller: Caller, channelId: string): Promise<string[]> {
    const row = await (await access(this.ctx, caller, channelId, 'member')).channel();
    const appId = appIdOf(caller);
    const ids = await this.ctx.members.memberIds(appId, row.channel_id);
    const online = new Set(await this.ctx.online.online(appId, ids));
    return ids.filter((id) => online.has(id));
  }

  /** Managers only, for a user caller. At most CHAT_LIMITS.managersMax, also when requests race. */
  async addManager(caller: Caller, channelId: string, manager: string): Promise<ChatChannel> {
    const granted = await access(this.ctx, caller, channelId, 'manager');
    const appId = appIdOf(caller);
    checkUserId(manager, 'manager');
    const row = await granted.channel();
    const user = toUser(await requireUser(this.ctx, appId, manager));
    const channel = await channelView(this.ctx, appId, row);
    const events = await channelEvent(this.ctx, appId, 'group:channel_manager_create', row.channel_id, { channel, user });
    const outcome = await this.ctx.members.addManager(appId, row.channel_id, manager, CHAT_LIMITS.managersMax, this.ctx.now(), events);
    if (outcome === 'missing') throw channelNotFound(channelId);
    if (outcome === 'not_member') throw notJoined(manager);
    if (outcome === 'exists') throw duplicate(`manager ${manager}`);
    if (outcome === 'full') throw managersLimit(CHAT_LIMITS.managersMax);
    this.ctx.bus.emit({ type: 'channel_manager_create', appId, channel, user });
    return channelView(this.ctx, appId, row, { managers: true });
  }

  /** Managers only, for a user caller. */
  async removeManager(caller: Caller, channelId: string, manager: string): Promise<ChatChannel> {
    const granted = await access(this.ctx, caller, channelId, 'manager');
    const appId = appIdOf(caller);
    checkUserId(manager, 'manager');
    const row = await granted.channel();
    const user = toUser(await requireUser(this.ctx, appId, manager));
    const channel = await channelView(this.ctx, appId, row);
    if (!(await this.ctx.members.removeManager(appId, row.channel_id, manager, await channelEvent(this.ctx, appId, 'group:channel_manager_delete', row.channel_id, { channel, user })))) throw notManager(manager);
    this.ctx.bus.emit({ type: 'channel_manager_delete', appId, channel, user });
    return channelView(this.ctx, appId, row, { managers: true });
  }

  /**
   * Bans for `seconds`: the user leaves the channel at once and may not rejoin or send until it expires.
   * Managers only, for a user caller; an acting manager (a user caller, or the backend's `manager`) may
   * not ban itself or another manager.
   */
  async ban(caller: Caller, channelId: string, input: BanInput): Promise<ChatBan> {
    const granted = await access(this.ctx, caller, channelId, 'manager');
    const appId = appIdOf(caller);
    const target = checkUserId(input.user_id);
    const row = await granted.channel();
    const user = await requireUser(this.ctx, appId, target);
    if (!Number.isInteger(input.seconds) || input.seconds < 1 || input.seconds > CHAT_LIMITS.banSecondsMax) {
      throw invalid(`seconds must be between 1 and ${CHAT_LIMITS.banSecondsMax}`);
    }
    const reason = checkText(input.reason ?? '', 'reason', 0, CHAT_LIMITS.banReasonMax);
    const now = this.ctx.now();
    const actor = granted.userId ?? (input.manager === undefined ? undefined : checkUserId(input.manager, 'manager'));
    if (actor !== undefined) {
      const isManager = async (id: string) => (await this.ctx.channels.withRole(appId, row.channel_id, id, now))?.is_manager === true;
      if (!(granted.role?.manager ?? (await isManager(actor)))) throw notManager(actor);
      if (actor === target) throw cannotBanYourself();
      if (await isManager(target)) throw managersCannotBan();
    }
    const banRow = { app_id: appId, channel_id: row.channel_id, user_id: target, seconds: input.seconds, reason, created_at: now, expires_at: now + input.seconds * 1000 };
    const ban = toBan(banRow);
    const channel = await channelView(this.ctx, appId, row);
    await this.ctx.bans.ban(banRow, await banEvents(this.ctx, appId, channel, toUser(user), ban));
    this.ctx.bus.emit({ type: 'channel_ban', appId, channel, user: toUser(user), ban, alsoNotify: [target] });
    return ban;
  }

  /** Managers only, for a user caller. */
  async unban(caller: Caller, channelId: string, userId: string): Promise<ChatBan> {
    const granted = await access(this.ctx, caller, channelId, 'manager');
    const appId = appIdOf(caller);
    checkUserId(userId);
    const row = await granted.channel();
    const user = await requireUser(this.ctx, appId, userId);
    const active = await this.ctx.bans.active(appId, row.channel_id, userId, this.ctx.now());
    if (!active) throw resourceNotFound(`ban of user ${userId}`);
    const ban = toBan(active);
    const channel = await channelView(this.ctx, appId, row);
    await this.ctx.bans.remove(appId, row.channel_id, userId, await channelEvent(this.ctx, appId, 'group:channel_unban', row.channel_id, { channel, user: toUser(user), ban }));
    this.ctx.bus.emit({ type: 'channel_unban', appId, channel, user: toUser(user), ban, alsoNotify: [userId] });
    return ban;
  }

  /** Managers only, for a user caller. */
  async bannedList(caller: Caller, channelId: string, limit: number | undefined, next: string | undefined): Promise<ChatBannedList> {
    const granted = await access(this.ctx, caller, channelId, 'manager');
    const n = pageLimit(limit);
    const row = await granted.channel();
    const rows = await this.ctx.bans.list(appIdOf(caller), row.channel_id, this.ctx.now(), decodeCursor(next), n + 1);
    const { items, next: cursor } = page(rows, n, (r) => r.user_id);
    return { banned: items.map(toBan), next: cursor };
  }
}
