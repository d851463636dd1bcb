/**
 * Exactly-once, in-order `group:message_send` delivery across reconnects. Per channel it remembers the
 * highest message id handed to the application; live events at or below it are duplicates. While a
 * channel catches up after a reconnect, its live events are held and released after the fetched ones.
 */

export interface SequencedMessage {
  message_id: number;
  channel_id: string;
}

const byId = (a: SequencedMessage, b: SequencedMessage): number => a.message_id - b.message_id;

export class MessageSequencer<M extends SequencedMessage, C> {
  /** Highest message id delivered to the application, per channel. */
  private readonly delivered = new Map<string, number>();
  /** Where catch-up starts for a channel that delivered nothing yet (its last message at connect). */
  private readonly floors = new Map<string, number>();
  /** Live events held while their channel catches up. */
  private readonly held = new Map<string, Array<[M, C]>>();

  constructor(private readonly deliver: (message: M, channel: C) => void) {}

  /** A `group:message_send` from the socket. */
  live(message: M, channel: C): void {
    const held = this.held.get(message.channel_id);
    if (held) held.push([message, channel]);
    else this.accept(message, channel);
  }

  /** Records the last message of a channel seen at connect; catch-up of that channel starts after it. */
  setFloor(channelId: string, lastMessageId: number): void {
    if (!this.delivered.has(channelId)) this.floors.set(channelId, lastMessageId);
  }

  /** The id after which a catch-up of the channel must fetch, or undefined for an unknown channel. */
  resumePoint(channelId: string): number | undefined {
    return this.delivered.get(channelId) ?? this.floors.get(channelId);
  }

  /** Channels a reconnect must catch up. */
  knownChannels(): string[] {
    return [...new Set([...this.delivered.keys(), ...this.floors.keys()])];
  }

  /** Starts holding the channel's live events (call before fetching what it missed). */
  hold(channelId: string): void {
    if (!this.held.has(channelId)) this.held.set(channelId, []);
  }

  /** Delivers what a catch-up fetched, then the held live events, without duplicates and in id order. */
  release(channelId: string, fetched: readonly M[], channel: C | undefined): void {
    const held = this.held.get(channelId) ?? [];
    this.held.delete(channelId);
    if (channel !== undefined) for (const message of [...fetched].sort(byId)) this.accept(message, channel);
    for (const [message, liveChannel] of held.sort(([a], [b]) => byId(a, b))) this.accept(message, liveChannel);
  }

  /** The user left or the channel is gone: nothing more to catch up there. */
  forget(channelId: string): void {
    this.delivered.delete(channelId);
    this.floors.delete(channelId);
    this.held.delete(channelId);
  }

  reset(): void {
    this.delivered.clear();
    this.floors.clear();
    this.held.clear();
  }

  private accept(message: M, channel: C): void {
    const last = this.delivered.get(message.channel_id) ?? this.floors.get(message.channel_id);
    // A floor is not a dedupe bound: a message at or below it may have been sent after the socket joined.
    if (this.delivered.has(message.channel_id) && last !== undefined && message.message_id <= last) return;
    this.delivered.set(message.channel_id, message.message_id);
    this.floors.delete(message.channel_id);
    this.deliver(message, channel);
  }
}
