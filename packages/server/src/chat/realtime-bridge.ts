/**
 * The one place where chat meets socket.io: domain events from the bus become socket.io events in the
 * per-user rooms `app:{appId}:user:{userId}` (joined by chat connections, see connection-handler.ts).
 * Recipients are computed from the channel's member list when the event is delivered, so a member who
 * left or was banned stops receiving at once and one who joined after connecting starts at once.
 * Events of one channel (or one user) are delivered one after another, in the order they were emitted.
 */
import { CHAT_TOKEN_END_REASONS, type ChatServerEvents } from '@parley/protocol';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import { emitToRooms } from '../realtime/socketio-broadcast.ts';
import { RTCS_NAMESPACES } from '../realtime/socketio-transport.ts';
import type { OnlineUsers } from './chat-context.ts';
import type { ChatDomainEvent, ChatEventBus } from './events.ts';
import type { MemberRepository } from './member.repository.ts';
import type { UserRepository } from './user.repository.ts';

export const userRoom = (appId: string, userId: string): string => `app:${appId}:user:${userId}`;

/** Data a verified chat connection carries on `socket.data`. */
export interface ChatSocketData {
  /** `expiresAt`: unix ms at which the token the connection was opened with expires. */
  chat?: { appId: string; userId: string; expiresAt: number };
}

type Delivery = { [E in keyof ChatServerEvents]: { event: E; args: Parameters<ChatServerEvents[E]> } }[keyof ChatServerEvents];

/** The socket.io event and arguments of a domain event (DESIGN.md's argument orders). */
export function toDelivery(e: ChatDomainEvent): Delivery | undefined {
  switch (e.type) {
    case 'message_send':
    case 'message_update':
    case 'message_delete':
      return { event: `group:${e.type}`, args: [e.message, e.channel] };
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
    case 'channel_message_read':
    case 'channel_message_delivered':
      return { event: `group:${e.type}_event`, args: [e.channel] };
    case 'user_update':
    case 'user_delete':
      return { event: e.type, args: [e.user] };
    case 'tokens_revoked':
      return undefined;
  }
}

export class RealtimeBridge implements OnlineUsers {
  /** Tail of the delivery chain per channel / user, so that events keep their order. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly io: Server,
    private readonly members: MemberRepository,
    private readonly users: UserRepository,
    private readonly log: Logger,
  ) {}

  /** Starts delivering the bus's events; returns the unsubscribe function. */
  listen(bus: ChatEventBus): () => void {
    return bus.on((event) => this.enqueue(event));
  }

  private enqueue(event: ChatDomainEvent): void {
    const key = 'channel' in event ? `${event.appId}\nc\n${event.channel.channel_id}` : `${event.appId}\nu\n${'user' in event ? event.user.user_id : event.userId}`;
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(event)).catch((err: unknown) => this.log.warn({ err, type: event.type }, 'chat event delivery failed'));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  private async recipients(event: ChatDomainEvent): Promise<string[]> {
    if (event.type === 'channel_join' && event.only) return event.only;
    const also = 'alsoNotify' in event ? event.alsoNotify : [];
    if ('channel' in event) return [...new Set([...(await this.members.memberIds(event.appId, event.channel.channel_id)), ...also])];
    if (event.type === 'user_update') return [event.user.user_id, ...(await this.users.coMembers(event.appId, event.user.user_id))];
    return also;
  }

  private async deliver(event: ChatDomainEvent): Promise<void> {
    if (event.type === 'tokens_revoked') {
      // The reason first (the SDK renews on it), then the end, in the order the client receives them.
      for (const name of RTCS_NAMESPACES) {
        const room = this.io.of(name).in(userRoom(event.appId, event.userId));
        room.emit('error', CHAT_TOKEN_END_REASONS.revoked);
        room.disconnectSockets(true);
      }
      return;
    }
    const delivery = toDelivery(event);
    const userIds = await this.recipients(event);
    if (!delivery || userIds.length === 0) return;
    const rooms = userIds.map((id) => userRoom(event.appId, id));
    // A socket is in one user room only, so each connection gets the event once.
    for (const name of RTCS_NAMESPACES) emitToRooms(this.io.of(name), rooms, delivery.event, delivery.args);
  }

  async online(appId: string, userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rooms = userIds.map((id) => userRoom(appId, id));
    const found = new Set<string>();
    for (const name of RTCS_NAMESPACES) {
      for (const socket of await this.io.of(name).in(rooms).fetchSockets()) {
        const chat = (socket.data as ChatSocketData).chat;
        if (chat?.appId === appId) found.add(chat.userId);
      }
    }
    return [...found];
  }

  /** Resolves once every event emitted so far has been delivered (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }
}
