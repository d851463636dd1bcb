/**
 * The one place where chat meets the realtime core: domain events from the bus become publications on
 * internal channels (internal-channels.ts) and control messages that move users' sessions between them.
 * A chat channel's events go to its channel `#group:{id}`, which its connected members' sessions are on;
 * what concerns one user also goes to `#user:{id}`.
 *
 * Membership changes take effect before the request that made them answers: the control message (or
 * its first Redis command) is issued while the bus is still emitting, and Redis keeps the order, so a
 * message sent after a `leave` answered never reaches the one who left, and one sent after a `join`
 * answered reaches the joiner (node.ts publishes to recently moved users' channels too). Publications of
 * one channel (or one user) are issued one after another, in the order they were emitted.
 */
import { CHAT_TOKEN_END_REASONS, type ChatServerEvents } from '@parley/protocol';
import type { Logger } from 'pino';
import type { Control } from '../realtime/broker.ts';
import { groupChannel, userChannel } from '../realtime/internal-channels.ts';
import type { OnlineUsers } from './chat-context.ts';
import type { ChatDomainEvent, ChatEventBus } from './events.ts';
import { KeyedChains } from './keyed-chains.ts';
import type { MemberRepository } from './member.repository.ts';

/** What the bridge needs of the realtime core (RealtimeNode). */
export interface ChatRealtime {
  /**
   * `from`: the chat user the event comes from (sessions that blocked it do not receive it);
   * `exceptUser`: a user whose sessions do not receive it (the typer).
   */
  publishInternal(appId: string, channels: string[], event: string, args: unknown[], from?: string, exceptUser?: string): Promise<void>;
  control(appId: string, channel: string, control: Control): Promise<void>;
  online(appId: string, userIds: readonly string[]): Promise<string[]>;
}

type Delivery = { [E in keyof ChatServerEvents]: { event: E; args: Parameters<ChatServerEvents[E]> } }[keyof ChatServerEvents];

/** The socket.io event and arguments of a domain event (DESIGN.md's argument orders). */
export function toDelivery(e: ChatDomainEvent): Delivery | undefined {
  switch (e.type) {
    case 'message_send':
    case 'message_update':
    case 'message_delete':
    case 'message_mention':
    case 'thread_update':
      return { event: `group:${e.type}`, args: [e.message, e.channel] };
    case 'message_reaction':
      return { event: 'group:message_reaction', args: [e.message, e.channel, e.reaction] };
    case 'channel_update':
    case 'channel_delete':
    case 'channel_freeze':
    case 'channel_unfreeze':
      return { event: `group:${e.type}`, args: [e.channel] };
    case 'channel_join':
    case 'channel_leave':
    case 'channel_manager_create':
    case 'channel_manager_delete':
      return { event: `group:${e.type}`, args: [e.channel, e.user] };
    case 'channel_ban':
    case 'channel_unban':
      return { event: `group:${e.type}`, args: [e.channel, e.user, e.ban] };
    case 'channel_mute':
    case 'channel_unmute':
      return { event: `group:${e.type}`, args: [e.channel, e.user, e.mute] };
    case 'channel_message_read':
    case 'channel_message_delivered':
      return { event: `group:${e.type}_event`, args: [e.channel] };
    case 'channel_typing':
      return { event: 'group:channel_typing', args: [e.channel, e.typingUserIds] };
    case 'user_update':
    case 'user_delete':
      return { event: e.type, args: [e.user] };
    case 'tokens_revoked':
    case 'user_block':
    case 'user_unblock':
      return undefined;
  }
}

export class RealtimeBridge implements OnlineUsers {
  /** The publications of each channel / user, so that events keep their order. */
  private readonly chains = new KeyedChains();
  /** Control messages issued and not yet confirmed (idle() waits for them too). */
  private readonly controls = new Set<Promise<void>>();

  constructor(
    private readonly realtime: ChatRealtime,
    private readonly members: MemberRepository,
    private readonly log: Logger,
  ) {}

  /** Starts delivering the bus's events; returns the unsubscribe function. */
  listen(bus: ChatEventBus): () => void {
    return bus.on((event) => {
      this.moveSessions(event);
      this.enqueue(event);
    });
  }

  online(appId: string, userIds: readonly string[]): Promise<string[]> {
    return userIds.length === 0 ? Promise.resolve([]) : this.realtime.online(appId, userIds);
  }

  /** Resolves once every event emitted so far has been published (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size > 0 || this.controls.size > 0) await Promise.all([this.chains.idle(), ...this.controls]);
  }

  /**
   * The control messages an event calls for, issued now (while the bus emits, before the request that
   * caused it answers): joins before the event is published, so the joiner hears its own join; leaves
   * at once, the one who left hearing of it on its own channel.
   */
  private moveSessions(event: ChatDomainEvent): void {
    const { appId } = event;
    switch (event.type) {
      case 'channel_join':
        this.control(appId, userChannel(event.user.user_id), { op: 'join', channel: groupChannel(event.channel.channel_id) });
        return;
      case 'channel_leave':
      case 'channel_ban':
        for (const user of event.alsoNotify) this.control(appId, userChannel(user), { op: 'leave', channel: groupChannel(event.channel.channel_id) });
        return;
      case 'tokens_revoked':
        this.control(appId, userChannel(event.userId), { op: 'close', reason: CHAT_TOKEN_END_REASONS.revoked });
        return;
      case 'user_block':
      case 'user_unblock':
        this.control(appId, userChannel(event.userId), { op: event.type === 'user_block' ? 'block' : 'unblock', user: event.blockedId });
        return;
      default:
        return;
    }
  }

  private control(appId: string, channel: string, control: Control): void {
    const done = this.realtime.control(appId, channel, control).catch((err: unknown) => this.log.warn({ err, op: control.op }, 'chat control message failed'));
    this.controls.add(done);
    void done.then(() => this.controls.delete(done));
  }

  private enqueue(event: ChatDomainEvent): void {
    const key = 'channel' in event ? `${event.appId}\nc\n${event.channel.channel_id}` : `${event.appId}\nu\n${'user' in event ? event.user.user_id : event.userId}`;
    void this.chains.run(key, () => this.publish(event)).catch((err: unknown) => this.log.warn({ err, type: event.type }, 'chat event delivery failed'));
  }

  /** The internal channels an event is published on. */
  private async channels(event: ChatDomainEvent): Promise<string[]> {
    const users = (ids: readonly string[]) => ids.map(userChannel);
    switch (event.type) {
      case 'channel_join':
        // Members added at creation hear only their own join; the joiner also on its own channel, in
        // case its sessions are still being moved.
        return event.only ? users(event.only) : [groupChannel(event.channel.channel_id), userChannel(event.user.user_id)];
      case 'channel_leave':
      case 'channel_ban':
      case 'channel_unban':
      case 'channel_delete':
        return [groupChannel(event.channel.channel_id), ...users(event.alsoNotify)];
      case 'user_update':
        // The user and everyone sharing a channel with it.
        return [userChannel(event.user.user_id), ...(await this.members.channelIdsOf(event.appId, event.user.user_id)).map(groupChannel)];
      case 'user_delete':
        return users(event.alsoNotify);
      case 'message_mention':
        return users(event.userIds);
      case 'tokens_revoked':
      case 'user_block':
      case 'user_unblock':
        return [];
      default:
        return [groupChannel(event.channel.channel_id)];
    }
  }

  private async publish(event: ChatDomainEvent): Promise<void> {
    const delivery = toDelivery(event);
    if (!delivery) return;
    const channels = await this.channels(event);
    // A typing event comes from its typer, who does not hear it.
    const typer = event.type === 'channel_typing' ? event.user : undefined;
    const from = 'message' in event ? event.message.user.user_id : typer;
    if (channels.length > 0) await this.realtime.publishInternal(event.appId, channels, delivery.event, delivery.args, from, typer);
    // A deleted channel's connected members leave its internal channel once they heard of it.
    if (event.type === 'channel_delete') await this.realtime.control(event.appId, groupChannel(event.channel.channel_id), { op: 'drop' });
  }
}
