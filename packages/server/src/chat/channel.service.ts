/** Group channels: creation (with the `reuse` rule), views, lists, updates, deletion and freezing. */
import { randomBytes } from 'node:crypto';
import { CHAT_LIMITS, type ChatChannel, type ChatChannelList } from '@parley/protocol';
import { channelView, requireChannel, showFor, type ChannelShow, type ChatContext } from './chat-context.ts';
import type { ChannelRow } from './channel.repository.ts';
import { channelNotFound, duplicate, invalid, membersLimit, userNotFound } from './errors.ts';
import { toMessage } from './presenter.ts';
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

export interface ChannelListParams {
  limit?: number;
  next?: string;
  name?: string;
  include_members?: boolean;
  show_last_message?: boolean;
  /** true: public channels only; false: private ones only. */
  public?: boolean;
}

/**
 * Whose channels a list holds: every channel of the app (server API, no scope), the channels `memberId`
 * joined, or those `viewerId` may see through the client API (its own and the public ones, with
 * extras only for its own).
 */
export interface ChannelScope {
  memberId?: string;
  viewerId?: string;
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

  /** `created` is false when `reuse` returned an existing channel. */
  async create(appId: string, input: NewChannel): Promise<{ channel: ChatChannel; created: boolean }> {
    const name = checkText(input.name, 'name', 1, CHAT_LIMITS.channelNameMax);
    const profileUrl = checkText(input.profile_url ?? '', 'profile_url', 0, CHAT_LIMITS.profileUrlMax);
    const meta = checkMeta(input.meta);
    const requested = input.members ?? [];
    if (requested.length > CHAT_LIMITS.createMembersMax) throw membersLimit(CHAT_LIMITS.createMembersMax);
    const members = [...new Set(requested.map((m, i) => checkUserId(m, `members[${i}]`)))];
    const found = new Set((await this.ctx.users.getMany(appId, members)).map((u) => u.user_id));
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
    if (!(await this.ctx.channels.insert({ ...row, channel_id: channelId }, members))) {
      // A taken id is an error unless `reuse` asked for "this channel or a new one".
      if (!input.reuse) throw duplicate(`channel ${channelId}`);
      channelId = generatedId();
      if (!(await this.ctx.channels.insert({ ...row, channel_id: channelId }, members))) throw duplicate(`channel ${channelId}`);
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

  async get(appId: string, channelId: string, show: ChannelShow): Promise<ChatChannel> {
    return channelView(this.ctx, appId, await requireChannel(this.ctx, appId, checkChannelId(channelId)), show);
  }

  /** The channels of `scope`, in channel id order. */
  async list(appId: string, params: ChannelListParams, scope: ChannelScope = {}): Promise<ChatChannelList> {
    const limit = pageLimit(params.limit);
    if (params.name !== undefined && params.name.length > CHAT_LIMITS.channelNameMax) throw invalid(`name must be at most ${CHAT_LIMITS.channelNameMax} characters`);
    const { memberId, viewerId } = scope;
    if (memberId !== undefined) checkUserId(memberId);
    if (viewerId !== undefined) checkUserId(viewerId);
    const rows = await this.ctx.channels.list(appId, {
      after: decodeCursor(params.next),
      limit: limit + 1,
      name: params.name,
      memberId,
      visibleTo: viewerId,
      isPublic: params.public,
    });
    const { items, next } = page(rows, limit, (r) => r.channel_id);
    const ids = items.map((r) => r.channel_id);
    const mine = viewerId === undefined ? undefined : await this.ctx.members.memberOf(appId, viewerId, ids);
    const show = (id: string): ChannelShow => showFor({ members: params.include_members, lastMessage: params.show_last_message }, mine?.has(id) ?? true);
    const channels = await Promise.all(items.map((row) => channelView(this.ctx, appId, row, { members: show(row.channel_id).members })));
    const withLast = channels.filter((c) => show(c.channel_id).lastMessage);
    if (withLast.length > 0) {
      const last = await this.ctx.messages.last(appId, withLast.map((c) => c.channel_id));
      const url = await this.ctx.fileUrls.signer(appId);
      for (const channel of withLast) {
        const message = last.get(channel.channel_id);
        channel.last_message = message ? toMessage(message, url) : null;
      }
    }
    return { channels, next };
  }

  async update(appId: string, channelId: string, input: ChannelUpdate): Promise<ChatChannel> {
    checkChannelId(channelId);
    const changes: { name?: string; profile_url?: string; meta?: string; is_public?: number } = {};
    if (input.name !== undefined) changes.name = checkText(input.name, 'name', 1, CHAT_LIMITS.channelNameMax);
    if (input.is_public !== undefined) changes.is_public = checkPublic(input.is_public);
    if (input.profile_url !== undefined) changes.profile_url = checkText(input.profile_url, 'profile_url', 0, CHAT_LIMITS.profileUrlMax);
    if (input.meta !== undefined) changes.meta = JSON.stringify(checkMeta(input.meta));
    if (!(await this.ctx.channels.update(appId, channelId, changes, this.ctx.now()))) throw channelNotFound(channelId);
    const channel = await channelView(this.ctx, appId, await requireChannel(this.ctx, appId, channelId));
    this.ctx.bus.emit({ type: 'channel_update', appId, channel });
    return channel;
  }

  async delete(appId: string, channelId: string): Promise<ChatChannel> {
    const row = await requireChannel(this.ctx, appId, checkChannelId(channelId));
    const alsoNotify = await this.ctx.members.memberIds(appId, channelId);
    const { deleted, fileKeys } = await this.ctx.channels.delete(appId, channelId);
    if (!deleted) throw channelNotFound(channelId);
    await this.ctx.files.remove(fileKeys);
    const channel = await channelView(this.ctx, appId, row);
    this.ctx.bus.emit({ type: 'channel_delete', appId, channel, alsoNotify });
    return channel;
  }

  async freeze(appId: string, channelId: string, freeze: boolean): Promise<ChatChannel> {
    checkChannelId(channelId);
    if (!(await this.ctx.channels.update(appId, channelId, { freeze: freeze ? 1 : 0 }, this.ctx.now()))) throw channelNotFound(channelId);
    const channel = await channelView(this.ctx, appId, await requireChannel(this.ctx, appId, channelId));
    this.ctx.bus.emit({ type: freeze ? 'channel_freeze' : 'channel_unfreeze', appId, channel });
    return channel;
  }
}
