/** Group channels: creation (with the `reuse` rule), views, lists, updates, deletion and freezing. */
import { randomBytes } from 'node:crypto';
import { CHAT_LIMITS, type ChatChannel, type ChatChannelList } from '@parley/protocol';
import { channelView, requireChannel, type ChannelShow, type ChatContext } from './chat-context.ts';
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
}

export interface ChannelUpdate {
  name?: string;
  profile_url?: string;
  meta?: unknown;
}

export interface ChannelListParams {
  limit?: number;
  next?: string;
  name?: string;
  include_members?: boolean;
  show_last_message?: boolean;
}

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

    const key = memberKey(members);
    if (input.reuse) {
      const reused = await this.findReusable(appId, key, members.length, input.channel_id);
      if (reused) return { channel: await channelView(this.ctx, appId, reused, { members: true }), created: false };
    }

    const now = this.ctx.now();
    let channelId = input.channel_id ?? generatedId();
    const row = { app_id: appId, name, profile_url: profileUrl, meta: JSON.stringify(meta), member_key: key, created_at: now, updated_at: now };
    if (!(await this.ctx.channels.insert({ ...row, channel_id: channelId }, members))) {
      // A taken id is an error unless `reuse` asked for "this channel or a new one".
      if (!input.reuse) throw duplicate(`channel ${channelId}`);
      channelId = generatedId();
      if (!(await this.ctx.channels.insert({ ...row, channel_id: channelId }, members))) throw duplicate(`channel ${channelId}`);
    }
    const created = await requireChannel(this.ctx, appId, channelId);
    return { channel: await channelView(this.ctx, appId, created, { members: true }), created: true };
  }

  /** A channel created with exactly these members, still holding exactly them, never joined by anyone else. */
  private async findReusable(appId: string, key: string, size: number, preferId: string | undefined): Promise<ChannelRow | undefined> {
    const candidates = await this.ctx.channels.reusable(appId, key);
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

  /** All channels of the app, or only those `memberId` belongs to, in channel id order. */
  async list(appId: string, params: ChannelListParams, memberId?: string): Promise<ChatChannelList> {
    const limit = pageLimit(params.limit);
    if (params.name !== undefined && params.name.length > CHAT_LIMITS.channelNameMax) throw invalid(`name must be at most ${CHAT_LIMITS.channelNameMax} characters`);
    if (memberId !== undefined) checkUserId(memberId);
    const rows = await this.ctx.channels.list(appId, { after: decodeCursor(params.next), limit: limit + 1, name: params.name, memberId });
    const { items, next } = page(rows, limit, (r) => r.channel_id);
    const channels = await Promise.all(items.map((row) => channelView(this.ctx, appId, row, { members: params.include_members })));
    if (params.show_last_message) {
      const last = await this.ctx.messages.last(appId, items.map((r) => r.channel_id));
      for (const channel of channels) {
        const message = last.get(channel.channel_id);
        channel.last_message = message ? toMessage(message, (k) => this.ctx.fileUrl(k)) : null;
      }
    }
    return { channels, next };
  }

  async update(appId: string, channelId: string, input: ChannelUpdate): Promise<ChatChannel> {
    checkChannelId(channelId);
    const changes: { name?: string; profile_url?: string; meta?: string } = {};
    if (input.name !== undefined) changes.name = checkText(input.name, 'name', 1, CHAT_LIMITS.channelNameMax);
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
