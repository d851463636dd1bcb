/**
 * A user's unread state over all its channels (DESIGN.md, "Unread and read-all"): the totals, and the
 * read of every channel or of several at once. Each channel marked read gets its
 * `group:channel_message_read_event`, as a read of that one channel does (message.service.ts `receipt`).
 */
import { CHAT_ERROR_CODES, CHAT_LIMITS, type ChatReadChannels, type ChatUnreadCount } from '@parley/protocol';
import { actingFor, appIdOf, userOf, type Caller } from './access.ts';
import { channelViews, requireUser, type ChatContext } from './chat-context.ts';
import { ChatError, invalid, userNotFound } from './errors.ts';
import { checkChannelId, checkUserId } from './rules.ts';
import type { UnreadRepository } from './unread.repository.ts';

export class UnreadService {
  constructor(
    private readonly ctx: ChatContext,
    private readonly unread: UnreadRepository,
  ) {}

  /** The user's totals (a user caller: its own), in one query. */
  async totals(caller: Caller, userId?: unknown): Promise<ChatUnreadCount> {
    const id = checkUserId(actingFor(caller, userId));
    const totals = await this.unread.totals(appIdOf(caller), id);
    if (!totals) throw userNotFound(id);
    return totals;
  }

  /** Marks every channel of the user read. */
  async markAllRead(caller: Caller, userId?: unknown): Promise<ChatReadChannels> {
    const id = await this.reader(caller, userId);
    return this.announce(caller, await this.unread.markRead(appIdOf(caller), id, undefined, this.ctx.now()));
  }

  /** Marks the listed channels read: 1-100 of them, each one the user belongs to (else 1008, nothing marked). */
  async markRead(caller: Caller, channelIds: unknown, userId?: unknown): Promise<ChatReadChannels> {
    if (!Array.isArray(channelIds) || channelIds.length === 0 || channelIds.length > CHAT_LIMITS.readChannelsMax) {
      throw invalid(`channel_ids must be an array of 1-${CHAT_LIMITS.readChannelsMax} channel ids`);
    }
    const ids = [...new Set(channelIds.map((c, i) => checkChannelId(c, `channel_ids[${i}]`)))];
    const id = await this.reader(caller, userId);
    const appId = appIdOf(caller);
    const mine = await this.ctx.members.memberOf(appId, id, ids);
    // Not one of the user's channels: refused whole, without telling a private channel from a missing one.
    const other = ids.find((c) => !mine.has(c));
    if (other !== undefined) throw new ChatError(CHAT_ERROR_CODES.notJoined, 400, `channel_ids: user ${id} is not a member of channel ${other}`);
    return this.announce(caller, await this.unread.markRead(appId, id, ids, this.ctx.now()));
  }

  /** The user whose reads move: a user caller itself; the backend names one that must exist. */
  private async reader(caller: Caller, userId: unknown): Promise<string> {
    const id = checkUserId(actingFor(caller, userId));
    if (userOf(caller) === undefined) await requireUser(this.ctx, appIdOf(caller), id);
    return id;
  }

  /** Each marked channel's receipts to its members, as a single read sends them. */
  private async announce(caller: Caller, marked: string[]): Promise<ChatReadChannels> {
    const appId = appIdOf(caller);
    const rows = await this.unread.channels(appId, marked);
    const views = await channelViews(this.ctx, appId, rows, () => ({ readReceipt: true, deliveryReceipt: true, unread: true }));
    for (const channel of views) this.ctx.bus.emit({ type: 'channel_message_read', appId, channel });
    return { channel_ids: rows.map((r) => r.channel_id) };
  }
}
