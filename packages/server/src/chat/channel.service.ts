/**
 * Group channels: creation (with the `reuse` rule), views, lists, updates, deletion and freezing. Each
 * call takes its caller (access.ts): the app's backend, or a user, who sees private channels only as a
 * member and changes a channel only as its manager.
 */
import { randomBytes } from 'node:crypto';
import { CHAT_LIMITS, type ChannelListParams, type ChatChannel, type ChatChannelList, type JoinedChannelOrder } from '@parley/protocol';
import { orderKey } from './channel-order.ts';
import { appIdOf, userOf, type Caller } from './access.ts';
import { access, channelView, channelViews, requireChannel, requireUser, showFor, type ChannelShow, type ChatContext } from './chat-context.ts';
import type { ChannelRow } from './channel.repository.ts';
import { changeEvents, channelEvent, createEvents } from './outbox-events.ts';
import { toUser } from './presenter.ts';
import { channelNotFound, duplicate, invalid, membersLimit, noPermission, userNotFound } from './errors.ts';
import { checkChannelId, checkMeta, checkText, checkUserId, decodeCursor, page, pageLimit } from './rules.ts';

export interface NewChannel {
  channel_id?: string;
  name: string;
  profile_url?: string;
  members?: string[];
  reuse?: boolean;
  meta?: unknown;
  /** Default false: only members see the channel (DESIGN.md, Visibility). */
  is_public?: boolean;
}

export interface ChannelUpdate {
  name?: string;
  profile_url?: string;
  meta?: unknown;
  is_public?: boolean;
}

/**
 * Whose channels a list holds: those `joinedBy` joined (a user caller: only itself), or else every
 * channel of the app for the backend and, for a user, those it may see (its own and the public ones,
 * with extras only for its own).
 */
export interface ChannelScope {
  joinedBy?: string;
}

const checkPublic = (value: unknown): number | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid('is_public must be a boolean');
  return value ? 1 : 0;
};

/** User ids never contain a newline, so the joined sorted list identifies a member set. */
export const memberKey = (ids: readonly string[]): string => [...ids].sort().join('\n');

const generatedId = (): string => `group_${randomBytes(12).toString('hex')}`;

export class ChannelService {
  constructor(private readonly ctx: ChatContext) {}

  /** `created` is false when `reuse` returned an existing channel. A user caller is always a member of what it creates. */
  async create(caller: Caller, input: NewChannel): Promise<{ channel: ChatChannel; created: boolean }> {
    const appId = appIdOf(caller);
    const creator = userOf(caller);
    const name = checkText(input.name, 'name', 1, CHAT_LIMITS.channelNameMax);
    const profileUrl = checkText(input.profile_url ?? '', 'profile_url', 0, CHAT_LIMITS.profileUrlMax);
    const meta = checkMeta(input.meta);
    const requested = creator === undefined ? (input.members ?? []) : [...new Set([creator, ...(input.members ?? [])])];
    if (requested.length > CHAT_LIMITS.createMembersMax) throw membersLimit(CHAT_LIMITS.createMembersMax);
    const members = [...new Set(requested.map((m, i) => checkUserId(m, `members[${i}]`)))];
    const userRows = await this.ctx.users.getMany(appId, members);
    const found = new Set(userRows.map((u) => u.user_id));
    const missing = members.find((m) => !found.has(m));
    if (missing !== undefined) throw userNotFound(missing);
    if (input.channel_id !== undefined) checkChannelId(input.channel_id);
    const isPublic = checkPublic(input.is_public) ?? 0;

    const key = memberKey(members);
    if (input.reuse) {
      const reused = await this.findReusable(appId, key, isPublic, members.length, input.channel_id);
      if (reused) return { channel: await channelView(this.ctx, appId, reused, { members: true }), created: false };
    }

    const now = this.ctx.now();
    let channelId = input.channel_id ?? generatedId();
    const row = { app_id: appId, name, profile_url: profileUrl, meta: JSON.stringify(meta), member_key: key, is_public: isPublic, created_at: now, updated_at: now };
    const events = await createEvents(this.ctx, appId, userRows.map(toUser));
    if (!(await this.ctx.channels.insert({ ...row, channel_id: channelId }, members, events))) {
      // A taken id is an error unless `reuse` asked for "this channel or a new one".
      if (!input.reuse) throw duplicate(`channel ${channelId}`);
      channelId = generatedId();
      if (!(await this.ctx.channels.insert({ ...row, channel_id: channelId }, members, events))) throw duplicate(`channel ${channelId}`);
    }
    const created = await requireChannel(this.ctx, appId, channelId);
    const view = await channelView(this.ctx, appId, created, { members: true });
    // Each member added at creation hears its own join, as one who joins later does: the SDK starts
    // following the channel on it.
    const { members: users = [], ...channel } = view;
    for (const user of users) this.ctx.bus.emit({ type: 'channel_join', appId, channel, user, only: [user.user_id] });
    return { channel: view, created: true };
  }

  /** A channel created with exactly these members, still holding exactly them, never joined by anyone else. */
  private async findReusable(appId: string, key: string, isPublic: number, size: number, preferId: string | undefined): Promise<ChannelRow | undefined> {
    const candidates = await this.ctx.channels.reusable(appId, key, isPublic);
    candidates.sort((a, b) => Number(b.channel_id === preferId) - Number(a.channel_id === preferId));
    for (const candidate of candidates) {
      const current = await this.ctx.members.memberIds(appId, candidate.channel_id);
      if (current.length === size && memberKey(current) === key) return candidate;
    }
    return undefined;
  }

  /** A user sees a private channel only as a member, and a public one's extras only as a member. */
  async get(caller: Caller, channelId: string, show: ChannelShow): Promise<ChatChannel> {
    const granted = await access(this.ctx, caller, channelId, 'visible');
    const row = await granted.channel();
    return channelView(this.ctx, appIdOf(caller), row, granted.role ? { ...showFor(show, granted.role.member), viewer: granted.userId } : show);
  }

  /** The channels of `scope`, in channel id order, with their extras in a constant number of queries. */
  async list(caller: Caller, params: ChannelListParams & { order?: JoinedChannelOrder }, scope: ChannelScope = {}): Promise<ChatChannelList> {
    const appId = appIdOf(caller);
    const viewer = userOf(caller);
    const { joinedBy } = scope;
    if (viewer !== undefined && joinedBy !== undefined && joinedBy !== viewer) throw noPermission('no permission: a user lists only its own channels');
    // The server API names whose channels it lists: that user must exist.
    if (viewer === undefined && joinedBy !== undefined) await requireUser(this.ctx, appId, checkUserId(joinedBy));
    const limit = pageLimit(params.limit);
    if (params.name !== undefined && params.name.length > CHAT_LIMITS.channelNameMax) throw invalid(`name must be at most ${CHAT_LIMITS.channelNameMax} characters`);
    if (joinedBy !== undefined) checkUserId(joinedBy);
    const visibleTo = joinedBy === undefined ? viewer : undefined;
    if (visibleTo !== undefined) checkUserId(visibleTo);
    const rows = await this.ctx.channels.list(appId, {
      after: decodeCursor(params.next),
      limit: limit + 1,
      name: params.name,
      memberId: joinedBy,
      visibleTo,
      isPublic: params.public,
      // Only a user's joined list is ordered otherwise than by channel id.
      order: joinedBy === undefined ? undefined : params.order,
    });
    const { items, next } = page(rows, limit, (r) => orderKey(r, joinedBy === undefined ? undefined : params.order));
    const wanted: ChannelShow = { members: params.include_members, lastMessage: params.show_last_message, unread: params.show_unread, viewer: joinedBy ?? viewer };
    // Among the channels a user may see, the extras only of those it belongs to.
    const mine = visibleTo === undefined ? undefined : await this.ctx.members.memberOf(appId, visibleTo, items.map((r) => r.channel_id));
    const channels = await channelViews(this.ctx, appId, items, (row) => showFor(wanted, mine?.has(row.channel_id) ?? true));
    return { channels, next };
  }

  /** Managers only, for a user caller. */
  async update(caller: Caller, channelId: string, input: ChannelUpdate): Promise<ChatChannel> {
    await access(this.ctx, caller, channelId, 'manager');
    const appId = appIdOf(caller);
    checkChannelId(channelId);
    const changes: { name?: string; profile_url?: string; meta?: string; is_public?: number } = {};
    if (input.name !== undefined) changes.name = checkText(input.name, 'name', 1, CHAT_LIMITS.channelNameMax);
    if (input.is_public !== undefined) changes.is_public = checkPublic(input.is_public);
    if (input.profile_url !== undefined) changes.profile_url = checkText(input.profile_url, 'profile_url', 0, CHAT_LIMITS.profileUrlMax);
    if (input.meta !== undefined) changes.meta = JSON.stringify(checkMeta(input.meta));
    const row = await this.ctx.channels.update(appId, channelId, changes, this.ctx.now(), await changeEvents(this.ctx, appId, 'group:channel_update'));
    if (!row) throw channelNotFound(channelId);
    const channel = await channelView(this.ctx, appId, row);
    this.ctx.bus.emit({ type: 'channel_update', appId, channel });
    return channel;
  }

  /** Managers only, for a user caller. */
  async delete(caller: Caller, channelId: string): Promise<ChatChannel> {
    const granted = await access(this.ctx, caller, channelId, 'manager');
    const appId = appIdOf(caller);
    const row = await granted.channel();
    const alsoNotify = await this.ctx.members.memberIds(appId, channelId);
    const channel = await channelView(this.ctx, appId, row);
    const { deleted, fileKeys } = await this.ctx.channels.delete(appId, channelId, await channelEvent(this.ctx, appId, 'group:channel_delete', row.channel_id, { channel }));
    if (!deleted) throw channelNotFound(channelId);
    await this.ctx.files.remove(fileKeys);
    this.ctx.bus.emit({ type: 'channel_delete', appId, channel, alsoNotify });
    return channel;
  }

  /** Managers only, for a user caller. */
  async freeze(caller: Caller, channelId: string, freeze: boolean): Promise<ChatChannel> {
    await access(this.ctx, caller, channelId, 'manager');
    const appId = appIdOf(caller);
    checkChannelId(channelId);
    const row = await this.ctx.channels.update(appId, channelId, { freeze: freeze ? 1 : 0 }, this.ctx.now(), await changeEvents(this.ctx, appId, freeze ? 'group:channel_freeze' : 'group:channel_unfreeze'));
    if (!row) throw channelNotFound(channelId);
    const channel = await channelView(this.ctx, appId, row);
    this.ctx.bus.emit({ type: freeze ? 'channel_freeze' : 'channel_unfreeze', appId, channel });
    return channel;
  }
}
