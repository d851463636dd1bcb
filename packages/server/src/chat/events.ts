/**
 * Domain events of the chat services, published on a typed bus after the change is committed. The
 * services never touch sockets: one bridge (realtime-bridge.ts) turns these into deliveries.
 */
import { EventEmitter } from 'node:events';
import type { ChatBan, ChatChannel, ChatMessage, ChatMute, ChatReactionEvent, ChatUser } from '@parley/protocol';

interface Base {
  appId: string;
}

/**
 * Who hears an event: the channel's members at delivery time, plus `alsoNotify` — users who were
 * concerned but are no longer members (the one who left or was banned, members of a deleted channel).
 */
export type ChatDomainEvent = Base &
  (
    | { type: 'message_send' | 'message_update' | 'message_delete'; channel: ChatChannel; message: ChatMessage }
    /** A member added or took back a reaction; `message` carries the reactions as they stand after. */
    | { type: 'message_reaction'; channel: ChatChannel; message: ChatMessage; reaction: ChatReactionEvent }
    /** A thread's parent as a reply left it (to the channel's members). */
    | { type: 'thread_update'; channel: ChatChannel; message: ChatMessage }
    /** To the mentioned members only, on their own channels (the sender aside). */
    | { type: 'message_mention'; channel: ChatChannel; message: ChatMessage; userIds: string[] }
    | { type: 'channel_update' | 'channel_freeze' | 'channel_unfreeze'; channel: ChatChannel }
    | { type: 'channel_delete'; channel: ChatChannel; alsoNotify: string[] }
    /** `only`: these users hear it instead of every member (a member added at creation hears its own join). */
    | { type: 'channel_join'; channel: ChatChannel; user: ChatUser; only?: string[] }
    | { type: 'channel_manager_create' | 'channel_manager_delete'; channel: ChatChannel; user: ChatUser }
    | { type: 'channel_leave'; channel: ChatChannel; user: ChatUser; alsoNotify: string[] }
    | { type: 'channel_ban' | 'channel_unban'; channel: ChatChannel; user: ChatUser; ban: ChatBan; alsoNotify: string[] }
    | { type: 'channel_mute' | 'channel_unmute'; channel: ChatChannel; user: ChatUser; mute: ChatMute }
    | { type: 'channel_message_read' | 'channel_message_delivered'; channel: ChatChannel }
    /** `user` started or ended typing: the channel's other members hear who types now (never stored). */
    | { type: 'channel_typing'; channel: ChatChannel; user: string; typingUserIds: string[] }
    /** To the user and everyone sharing a channel with them (`alsoNotify` when memberships are gone). */
    | { type: 'user_update'; user: ChatUser }
    | { type: 'user_delete'; user: ChatUser; alsoNotify: string[] }
    /** The user's session tokens were revoked (or the user deleted): live connections must end. */
    | { type: 'tokens_revoked'; userId: string }
    /** `userId` blocked or unblocked `blockedId`: its connections stop or resume receiving from it. */
    | { type: 'user_block' | 'user_unblock'; userId: string; blockedId: string }
  );

export type ChatEventType = ChatDomainEvent['type'];

/**
 * A typed EventEmitter: `emit` takes only a ChatDomainEvent, listeners receive it whole.
 * @example bus.on((event) => { if (event.type === 'message_send') console.log(event.message.message_id); });
 */
export class ChatEventBus {
  private readonly emitter = new EventEmitter();

  emit(event: ChatDomainEvent): void {
    this.emitter.emit('event', event);
  }

  on(listener: (event: ChatDomainEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
