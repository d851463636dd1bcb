/**
 * Mutes (DESIGN.md, Moderation): a muted member stays in the channel and reads, but its sends are
 * refused with 1021 until the mute expires or is lifted. Managers only, for a user caller; the
 * backend may name an acting manager, who then must be one. Members hear `group:channel_mute` /
 * `group:channel_unmute (channel, user, mute)`.
 */
import { CHAT_LIMITS, type ChatMute, type ChatMutedList } from '@parley/protocol';
import { appIdOf, type Caller } from './access.ts';
import { access, channelView, requireUser, type ChatContext } from './chat-context.ts';
import { invalid, notJoined, notManager, resourceNotFound } from './errors.ts';
import type { MuteRow } from './mute.repository.ts';
import { channelEvent, muteEvents } from './outbox-events.ts';
import { toUser } from './presenter.ts';
import { checkText, checkUserId, decodeCursor, page, pageLimit } from './rules.ts';

export interface MuteInput {
  user_id: string;
  seconds: number;
  description?: string;
  /** The backend's acting manager; when given, it must manage the channel and may not mute itself. */
  manager?: string;
}

export function toMute(row: MuteRow): ChatMute {
  return { user_id: row.user_id, seconds: Number(row.seconds), description: row.description, created_at: Number(row.created_at), expires_at: Number(row.expires_at) };
}

export class MuteService {
  constructor(private readonly ctx: ChatContext) {}

  async mute(caller: Caller, channelId: string, input: MuteInput): Promise<ChatMute> {
    const granted = await access(this.ctx, caller, channelId, 'manager');
    const appId = appIdOf(caller);
    const target = checkUserId(input.user_id);
    const channel = await granted.channel();
    const user = await requireUser(this.ctx, appId, target);
    if (!Number.isInteger(input.seconds) || input.seconds < 1 || input.seconds > CHAT_LIMITS.banSecondsMax) throw invalid(`seconds must be between 1 and ${CHAT_LIMITS.banSecondsMax}`);
    const description = checkText(input.description ?? '', 'description', 0, CHAT_LIMITS.banReasonMax);
    const now = this.ctx.now();
    const actor = granted.userId ?? (input.manager === undefined ? undefined : checkUserId(input.manager, 'manager'));
    if (actor !== undefined) {
      if (granted.role === undefined && (await this.ctx.channels.withRole(appId, channel.channel_id, actor, now))?.is_manager !== true) throw notManager(actor);
      if (actor === target) throw invalid('user_id: a manager cannot mute itself');
    }
    const role = await this.ctx.channels.withRole(appId, channel.channel_id, target, now);
    if (!role?.is_member) throw notJoined(target);
    const row: MuteRow = { app_id: appId, channel_id: channel.channel_id, user_id: target, seconds: input.seconds, description, created_at: now, expires_at: now + input.seconds * 1000 };
    const mute = toMute(row);
    const view = await channelView(this.ctx, appId, channel);
    await this.ctx.mutes.mute(row, await muteEvents(this.ctx, appId, view, toUser(user), mute));
    this.ctx.bus.emit({ type: 'channel_mute', appId, channel: view, user: toUser(user), mute });
    return mute;
  }

  /** Lifts a mute in force; answers it (1002 when there is none). */
  async unmute(caller: Caller, channelId: string, userId: string): Promise<ChatMute> {
    const granted = await access(this.ctx, caller, channelId, 'manager');
    const appId = appIdOf(caller);
    checkUserId(userId);
    const channel = await granted.channel();
    const user = await requireUser(this.ctx, appId, userId);
    const active = await this.ctx.mutes.active(appId, channel.channel_id, userId, this.ctx.now());
    if (!active) throw resourceNotFound(`mute of user ${userId}`);
    const mute = toMute(active);
    const view = await channelView(this.ctx, appId, channel);
    await this.ctx.mutes.remove(appId, channel.channel_id, userId, await channelEvent(this.ctx, appId, 'group:channel_unmute', channel.channel_id, { channel: view, user: toUser(user), mute }));
    this.ctx.bus.emit({ type: 'channel_unmute', appId, channel: view, user: toUser(user), mute });
    return mute;
  }

  /** Mutes in force, in user id order. Managers only, for a user caller. */
  async mutedList(caller: Caller, channelId: string, limit: number | undefined, next: string | undefined): Promise<ChatMutedList> {
    const granted = await access(this.ctx, caller, channelId, 'manager');
    const n = pageLimit(limit);
    const channel = await granted.channel();
    const rows = await this.ctx.mutes.list(appIdOf(caller), channel.channel_id, this.ctx.now(), decodeCursor(next), n + 1);
    const { items, next: cursor } = page(rows, n, (r) => r.user_id);
    return { muted: items.map(toMute), next: cursor };
  }
}
