/**
 * Pinned messages of the open channel on the demo page: the channel's `pinned_message_ids` (newest pin
 * first, kept current by `group:channel_update`) with each message loaded once, and pinning and
 * unpinning from the message menu or the pins panel.
 */
import type { Message } from '@parley/sdk';
import type { ChatStore } from './chat-store.ts';

export class Pins {
  /** Loaded pinned messages of the open channel, by id. */
  private readonly loaded = new Map<number, Message>();
  private channelId: string | undefined;

  constructor(private readonly store: ChatStore) {}

  /** The open channel's pinned ids, newest pin first. */
  ids(): number[] {
    const id = this.store.activeId;
    return (id ? this.store.channels.get(id)?.channel.pinned_message_ids : undefined) ?? [];
  }

  isPinned(message: Message): boolean {
    return message.channel_id === this.store.activeId && this.ids().includes(message.message_id);
  }

  /** The pinned messages loaded so far, newest pin first. */
  messages(): Message[] {
    return this.ids().flatMap((id) => this.loaded.get(id) ?? []);
  }

  /** Loads the pinned messages not yet known (after opening a channel, or a change of its pins). */
  async sync(): Promise<void> {
    const channelId = this.store.activeId;
    if (channelId !== this.channelId) {
      this.loaded.clear();
      this.channelId = channelId;
    }
    if (!channelId) return;
    const known = new Map((this.store.history?.channelId === channelId ? this.store.history.messages : []).map((m) => [m.message_id, m]));
    const missing: number[] = [];
    for (const id of this.ids()) {
      if (this.loaded.has(id)) continue;
      const m = known.get(id);
      if (m) this.loaded.set(id, m);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const got = await Promise.all(missing.map((id) => this.store.client.groupChannel.getMessage(channelId, id).catch(() => undefined)));
      if (this.channelId !== channelId) return;
      for (const m of got) if (m) this.loaded.set(m.message_id, m);
    }
    this.store.changed();
  }

  /** A pinned message changed (edit, reaction): the newer one. */
  replace(message: Message): void {
    if (message.channel_id === this.channelId && this.loaded.has(message.message_id)) this.loaded.set(message.message_id, message);
  }

  async pin(message: Message): Promise<void> {
    await this.store.run('Could not pin the message', async () => {
      const channel = await this.store.client.groupChannel.pinMessage(message.channel_id, message.message_id);
      this.loaded.set(message.message_id, message);
      this.store.channelChanged(channel);
      this.store.tell('Pinned.');
    });
  }

  async unpin(message: Message): Promise<void> {
    await this.store.run('Could not unpin the message', async () => {
      const channel = await this.store.client.groupChannel.unpinMessage(message.channel_id, message.message_id);
      this.store.channelChanged(channel);
      this.store.tell('Unpinned.');
    });
  }
}
