/**
 * What every chat service shares: the repositories, the event bus, the file store and a few lookups
 * that more than one service needs (a channel or user that must exist, a channel's full view).
 */
import type { ChatChannel } from '@parley/protocol';
import type { BanRepository } from './ban.repository.ts';
import type { ChannelRepository, ChannelRow } from './channel.repository.ts';
import { channelNotFound, userNotFound } from './errors.ts';
import type { ChatEventBus } from './events.ts';
import type { FileStore } from './file-store.ts';
import type { FileUrls } from './file-urls.ts';
import type { MemberRepository } from './member.repository.ts';
import type { MessageRepository } from './message.repository.ts';
import { toChannel, toMessage, toUser } from './presenter.ts';
import type { UserRepository, UserRow } from './user.repository.ts';

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
  bus: ChatEventBus;
  files: FileStore;
  online: OnlineUsers;
  limits: ChatLimits;
  /** Signed URLs of stored files (the public URL is known only once the server listens). */
  fileUrls: FileUrls;
  now(): number;
}

export interface ChannelShow {
  members?: boolean;
  managers?: boolean;
  readReceipt?: boolean;
  deliveryReceipt?: boolean;
  unread?: boolean;
  lastMessage?: boolean;
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

/** The channel with whatever extras `show` asks for. */
export async function channelView(ctx: ChatContext, appId: string, row: ChannelRow, show: ChannelShow = {}): Promise<ChatChannel> {
  const channel = toChannel(row);
  if (show.members) channel.members = (await ctx.members.members(appId, row.channel_id, undefined, 10_000)).map(toUser);
  if (show.managers) channel.managers = (await ctx.members.managers(appId, row.channel_id)).map(toUser);
  if (show.readReceipt || show.deliveryReceipt || show.unread) {
    const receipts = await ctx.members.receipts(appId, row.channel_id);
    if (show.readReceipt) channel.read_receipt = Object.fromEntries(receipts.map((r) => [r.user_id, r.read_at]));
    if (show.deliveryReceipt) channel.delivery_receipt = Object.fromEntries(receipts.map((r) => [r.user_id, r.delivered_at]));
    if (show.unread) channel.unread = Object.fromEntries(receipts.map((r) => [r.user_id, r.unread]));
  }
  if (show.lastMessage) {
    const last = (await ctx.messages.last(appId, [row.channel_id])).get(row.channel_id);
    channel.last_message = last ? toMessage(last, await ctx.fileUrls.signer(appId)) : null;
  }
  return channel;
}
