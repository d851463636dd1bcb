/**
 * What every chat service shares: the repositories, the event bus, the file store and a few lookups
 * that more than one service needs (a caller's access to a channel, a channel or user that must exist,
 * channel views with their extras).
 */
import type { ChatChannel } from '@parley/protocol';
import { requireAccess, type Caller, type ChannelAccess, type Need } from './access.ts';
import type { BanRepository } from './ban.repository.ts';
import type { BlockRepository } from './block.repository.ts';
import type { ChannelRepository, ChannelRow } from './channel.repository.ts';
import { channelNotFound, userNotFound } from './errors.ts';
import type { ChatEventBus } from './events.ts';
import type { FileStore } from './file-store.ts';
import type { FileUrls } from './file-urls.ts';
import type { MemberRepository } from './member.repository.ts';
import type { MessageRepository } from './message.repository.ts';
import type { MuteRepository } from './mute.repository.ts';
import type { ChatOutbox } from './outbox.ts';
import type { ReportRepository } from './report.repository.ts';
import { toChannel, toMessage, toUser } from './presenter.ts';
import type { UserRepository, UserRow } from './user.repository.ts';
import type { WordFilterSettings } from './word-filter.ts';

/** Asks the realtime side which of these users have a live chat connection (cluster-wide). */
export interface OnlineUsers {
  online(appId: string, userIds: readonly string[]): Promise<string[]>;
}

export interface ChatLimits {
  /** Largest accepted upload, in bytes. */
  fileMaxBytes: number;
  /** How long a signed file URL stays valid after the message was presented. */
  fileUrlTtlMs: number;
}

export interface ChatContext {
  users: UserRepository;
  channels: ChannelRepository;
  members: MemberRepository;
  messages: MessageRepository;
  bans: BanRepository;
  mutes: MuteRepository;
  reports: ReportRepository;
  blocks: BlockRepository;
  bus: ChatEventBus;
  /** Chat webhook events, written in the transactions of the changes (outbox.ts). */
  outbox: ChatOutbox;
  files: FileStore;
  online: OnlineUsers;
  limits: ChatLimits;
  /** Signed URLs of stored files (the public URL is known only once the server listens). */
  fileUrls: FileUrls;
  /** The app's word filter (its settings, cached with the app), applied to every message text sent. */
  wordFilter(appId: string): Promise<WordFilterSettings | undefined>;
  now(): number;
}

export interface ChannelShow {
  members?: boolean;
  managers?: boolean;
  readReceipt?: boolean;
  deliveryReceipt?: boolean;
  unread?: boolean;
  lastMessage?: boolean;
  /** With `unread`: whose own unread mention count the view shows (a member's view of its channel). */
  viewer?: string;
}

/**
 * What a viewer may see of a channel through the client API: the extras (members, receipts, last
 * message) only as a member; a public channel shows its basics to anyone (DESIGN.md, Visibility).
 */
export const showFor = (show: ChannelShow, member: boolean): ChannelShow => (member ? show : {});

export async function requireChannel(ctx: ChatContext, appId: string, channelId: string): Promise<ChannelRow> {
  const row = await ctx.channels.get(appId, channelId);
  if (!row) throw channelNotFound(channelId);
  return row;
}

export async function requireUser(ctx: ChatContext, appId: string, userId: string): Promise<UserRow> {
  const row = await ctx.users.get(appId, userId);
  if (!row) throw userNotFound(userId);
  return row;
}

/**
 * Checks `caller`'s access to a channel (access.ts): a user caller's role in one query, the backend
 * meeting the channel when the call asks for it.
 */
export function access(ctx: ChatContext, caller: Caller, channelId: string, need: Need): Promise<ChannelAccess> {
  return requireAccess(ctx.channels, caller, channelId, need, ctx.now());
}

/** The channel with whatever extras `show` asks for. */
export async function channelView(ctx: ChatContext, appId: string, row: ChannelRow, show: ChannelShow = {}): Promise<ChatChannel> {
  return (await channelViews(ctx, appId, [row], () => show))[0]!;
}

/**
 * Channels with the extras each one's `show` asks for, in a constant number of queries however many
 * channels there are: one per kind of extra, for all the channels wanting it.
 */
export async function channelViews(ctx: ChatContext, appId: string, rows: readonly ChannelRow[], showOf: (row: ChannelRow) => ChannelShow): Promise<ChatChannel[]> {
  const shows = rows.map(showOf);
  const wanting = (extra: (show: ChannelShow) => boolean | undefined): string[] => rows.filter((_, i) => extra(shows[i]!)).map((r) => r.channel_id);
  const receiptsWanted = (show: ChannelShow) => show.readReceipt || show.deliveryReceipt || show.unread;
  const lastWanted = wanting((show) => show.lastMessage);
  const [members, managers, receipts, last, fileUrl] = await Promise.all([
    ctx.members.membersOf(appId, wanting((show) => show.members)),
    ctx.members.managersOf(appId, wanting((show) => show.managers)),
    ctx.members.receiptsOf(appId, wanting(receiptsWanted)),
    ctx.messages.last(appId, lastWanted),
    lastWanted.length > 0 ? ctx.fileUrls.signer(appId) : undefined,
  ]);
  return rows.map((row, i) => {
    const show = shows[i]!;
    const id = row.channel_id;
    const channel = toChannel(row);
    if (show.members) channel.members = (members.get(id) ?? []).map(toUser);
    if (show.managers) channel.managers = (managers.get(id) ?? []).map(toUser);
    if (receiptsWanted(show)) {
      const list = receipts.get(id) ?? [];
      if (show.readReceipt) channel.read_receipt = Object.fromEntries(list.map((r) => [r.user_id, r.read_at]));
      if (show.deliveryReceipt) channel.delivery_receipt = Object.fromEntries(list.map((r) => [r.user_id, r.delivered_at]));
      if (show.unread) channel.unread = Object.fromEntries(list.map((r) => [r.user_id, r.unread]));
      const mine = show.unread && show.viewer !== undefined ? list.find((r) => r.user_id === show.viewer) : undefined;
      if (mine) channel.unread_mention_count = mine.mentions;
    }
    if (show.lastMessage) {
      const message = last.get(id);
      channel.last_message = message && fileUrl ? toMessage(message, fileUrl) : null;
    }
    return channel;
  });
}
