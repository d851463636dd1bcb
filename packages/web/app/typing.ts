/**
 * Typing indicators on the demo page: who else is typing in each channel (from
 * `group:channel_typing`, which the server ends by itself 5 s after a typer's last refresh), and my own
 * state while I compose — started as the draft gets text, refreshed while typing goes on, ended when the
 * draft empties or the composer goes away (a send ends it on the server).
 */
import type { ChatStore } from './chat-store.ts';
import { typingLine } from './format.ts';

/** A refresh of my typing state at most this often (the server's state lasts 5 s after the last one). */
const REFRESH_MS = 2_000;

export class Typing {
  /** Channel id → the other members typing there now, by user id. */
  private readonly typers = new Map<string, string[]>();
  /** Channel id → when I last told the server I type there. */
  private readonly mine = new Map<string, number>();

  constructor(private readonly store: ChatStore) {}

  listen(): void {
    this.store.client.on('group:channel_typing', (channel, userIds) => {
      this.typers.set(
        channel.channel_id,
        userIds.filter((id) => id !== this.store.me),
      );
      this.store.changed();
    });
  }

  /** "alice is typing…", "alice and bob are typing…", or nothing, for a channel. */
  line(channelId: string): string {
    const ids = this.typers.get(channelId) ?? [];
    return typingLine(ids.map((id) => this.store.nameOfId(id)));
  }

  /** The draft of a channel changed: typing while it has text, not when it is empty. */
  composing(channelId: string, content: string): void {
    if (content.trim() === '') {
      this.stop(channelId);
      return;
    }
    const last = this.mine.get(channelId);
    if (last !== undefined && Date.now() - last < REFRESH_MS) return;
    this.mine.set(channelId, Date.now());
    this.store.client.groupChannel.startTyping(channelId).catch(() => this.mine.delete(channelId));
  }

  /** Ends my typing state (draft emptied, composer closed). */
  stop(channelId: string): void {
    if (!this.mine.delete(channelId)) return;
    this.store.client.groupChannel.endTyping(channelId).catch(() => undefined);
  }

  /** A message went out: the server ended my typing state. */
  sent(channelId: string): void {
    this.mine.delete(channelId);
  }
}
