/**
 * The chat webhook events of each change, built as the transaction work its repository runs (outbox.ts).
 * Names and payloads follow the realtime events (`group:…`, their arguments by name: message, channel,
 * user, ban, mute). Each builder answers undefined when the app wants none of its events, so that the
 * change's transaction is exactly what it was without webhooks.
 */
import type { ChatBan, ChatChannel, ChatMessage, ChatMute, ChatReactionEvent, ChatUser, ChatWebhookEvent } from '@parley/protocol';
import type { Transaction } from 'kysely';
import type { Database } from '../storage/schema.ts';
import type { ChannelRow } from './channel.repository.ts';
import type { ChatContext } from './chat-context.ts';
import type { AfterSend, MessageWithUser, NewMessageRow, SendOutcome } from './message.repository.ts';
import type { InTransaction, OutboxEvent } from './outbox.ts';
import { toChannel, toMessage, toUser } from './presenter.ts';
import { NO_THREAD } from './thread-rules.ts';
import type { UserRow } from './user.repository.ts';

/** A send's event work, and what it presented of the send (the caller answers and emits the same, built once). */
export interface SendEvents {
  also: AfterSend;
  /** The message and channel the events carry, when `sent` is the attempt they were written for (a rolled-back try's are not). */
  presented(sent: SendOutcome): { message: ChatMessage; channel: ChatChannel } | undefined;
}

/**
 * A send's events: `group:message_send {message, channel}` and the `push` hand-off. The `push` row is
 * written only when some member could be pushed to (a token, no block of the sender), and is an intent
 * holding the message and channel only: its recipients (those of them without a live connection) are
 * resolved by the dispatcher when it sends (outbox-dispatcher.ts), because who is online is a question
 * of that moment, not of the commit.
 */
export async function sendEvents(ctx: ChatContext, appId: string, row: NewMessageRow): Promise<SendEvents | undefined> {
  const wanted = await ctx.outbox.wanted(appId, ['group:message_send', 'push', 'group:thread_update', 'group:message_mention']);
  if (wanted.size === 0) return undefined;
  const fileUrl = await ctx.fileUrls.signer(appId);
  let last: { sent: SendOutcome; message: ChatMessage; channel: ChatChannel } | undefined;
  return {
    also: (tx, sent) => {
      const message = toMessage({ ...row, ...NO_THREAD, message_id: sent.messageId, ...sent.sender }, fileUrl);
      const channel = toChannel(sent.channel);
      last = { sent, message, channel };
      const payload = { message, channel };
      const events: OutboxEvent[] = [];
      if (wanted.has('group:message_send')) events.push({ event: 'group:message_send', channelId: row.channel_id, payload });
      if (wanted.has('push')) events.push({ event: 'push', channelId: row.channel_id, payload, pushFrom: row.user_id });
      // A reply: its parent's thread as the send left it. A mention: who was told (blockers of the sender aside).
      if (sent.parent && wanted.has('group:thread_update')) events.push({ event: 'group:thread_update', channelId: row.channel_id, payload: { parent_message: toMessage(sent.parent, fileUrl), channel } });
      if (sent.mentioned.length > 0 && wanted.has('group:message_mention')) events.push({ event: 'group:message_mention', channelId: row.channel_id, payload: { message, channel, user_ids: sent.mentioned } });
      return ctx.outbox.write(tx, appId, events);
    },
    presented: (sent) => (last?.sent === sent ? last : undefined),
  };
}

/**
 * `group:message_reaction {message, channel, reaction}`: the message with its reactions as the change
 * left them, read in its transaction (one statement more, only for apps that want the event).
 */
export async function reactionEvents(ctx: ChatContext, appId: string, channel: ChatChannel, messageId: number, reaction: ChatReactionEvent): Promise<InTransaction | undefined> {
  const wanted = await ctx.outbox.wanted(appId, ['group:message_reaction']);
  if (wanted.size === 0) return undefined;
  const fileUrl = await ctx.fileUrls.signer(appId);
  return async (tx) => {
    const row = await ctx.messages.get(appId, channel.channel_id, messageId, tx);
    if (row) await ctx.outbox.write(tx, appId, [{ event: 'group:message_reaction', channelId: channel.channel_id, payload: { message: toMessage(row, fileUrl), channel, reaction } }]);
  };
}

/** `group:message_update {message, channel}`: the message as the transaction stored it. */
export async function updateEvents(ctx: ChatContext, appId: string, channel: ChatChannel): Promise<((tx: Transaction<Database>, row: MessageWithUser) => Promise<void>) | undefined> {
  const wanted = await ctx.outbox.wanted(appId, ['group:message_update']);
  if (wanted.size === 0) return undefined;
  const fileUrl = await ctx.fileUrls.signer(appId);
  return (tx, row) => ctx.outbox.write(tx, appId, [{ event: 'group:message_update', channelId: channel.channel_id, payload: { message: toMessage(row, fileUrl), channel } }]);
}

/** `group:message_delete {message, channel}`: the channel with the counts the deletion left. */
export async function deleteEvents(ctx: ChatContext, appId: string, message: ChatMessage): Promise<((tx: Transaction<Database>, channel: ChannelRow) => Promise<void>) | undefined> {
  const wanted = await ctx.outbox.wanted(appId, ['group:message_delete']);
  if (wanted.size === 0) return undefined;
  return (tx, channel) => ctx.outbox.write(tx, appId, [{ event: 'group:message_delete', channelId: channel.channel_id, payload: { message, channel: toChannel(channel) } }]);
}

/**
 * A channel's creation: `group:channel_join {channel, user}` for each member added with it, as the
 * realtime side announces it (there is no creation event of its own); `channel` as it was inserted.
 */
export async function createEvents(ctx: ChatContext, appId: string, users: readonly ChatUser[]): Promise<((tx: Transaction<Database>, channel: ChannelRow) => Promise<void>) | undefined> {
  const wanted = await ctx.outbox.wanted(appId, ['group:channel_join']);
  if (wanted.size === 0 || users.length === 0) return undefined;
  return (tx, row) => {
    const channel = toChannel(row);
    return ctx.outbox.write(tx, appId, users.map((user) => ({ event: 'group:channel_join' as const, channelId: row.channel_id, payload: { channel, user } })));
  };
}

export function joinEvents(ctx: ChatContext, appId: string, channel: ChatChannel, user: ChatUser): Promise<InTransaction | undefined> {
  return ctx.outbox.writer(appId, ['group:channel_join'], () => [{ event: 'group:channel_join', channelId: channel.channel_id, payload: { channel, user } }]);
}

/** One event of a channel whose payload is known before the change (an unban, an unmute, a deletion). */
export function channelEvent(ctx: ChatContext, appId: string, event: ChatWebhookEvent, channelId: string, payload: Record<string, unknown>): Promise<InTransaction | undefined> {
  return ctx.outbox.writer(appId, [event], () => [{ event, channelId, payload }]);
}

/** `group:channel_update|channel_freeze|channel_unfreeze {channel}`: the channel as the transaction left it. */
export async function changeEvents(ctx: ChatContext, appId: string, event: 'group:channel_update' | 'group:channel_freeze' | 'group:channel_unfreeze'): Promise<((tx: Transaction<Database>, row: ChannelRow | undefined) => Promise<void>) | undefined> {
  const wanted = await ctx.outbox.wanted(appId, [event]);
  if (wanted.size === 0) return undefined;
  return (tx, row) => (row ? ctx.outbox.write(tx, appId, [{ event, channelId: row.channel_id, payload: { channel: toChannel(row) } }]) : Promise.resolve());
}

/** `user_update {user}`: the user as the transaction stored it; users' events keep no channel order (''). */
export async function userUpdateEvents(ctx: ChatContext, appId: string): Promise<((tx: Transaction<Database>, row: UserRow) => Promise<void>) | undefined> {
  const wanted = await ctx.outbox.wanted(appId, ['user_update']);
  if (wanted.size === 0) return undefined;
  return (tx, row) => ctx.outbox.write(tx, appId, [{ event: 'user_update', channelId: '', payload: { user: toUser(row) } }]);
}

export function leaveEvents(ctx: ChatContext, appId: string, channel: ChatChannel, user: ChatUser): Promise<InTransaction | undefined> {
  return ctx.outbox.writer(appId, ['group:channel_leave'], () => [{ event: 'group:channel_leave', channelId: channel.channel_id, payload: { channel, user } }]);
}

export function banEvents(ctx: ChatContext, appId: string, channel: ChatChannel, user: ChatUser, ban: ChatBan): Promise<InTransaction | undefined> {
  return ctx.outbox.writer(appId, ['group:channel_ban'], () => [{ event: 'group:channel_ban', channelId: channel.channel_id, payload: { channel, user, ban } }]);
}

export function muteEvents(ctx: ChatContext, appId: string, channel: ChatChannel, user: ChatUser, mute: ChatMute): Promise<InTransaction | undefined> {
  return ctx.outbox.writer(appId, ['group:channel_mute'], () => [{ event: 'group:channel_mute', channelId: channel.channel_id, payload: { channel, user, mute } }]);
}
