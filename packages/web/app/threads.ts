/**
 * Threads on the demo page: the thread panel's parent message and its replies (oldest first, the newest
 * page loaded, older ones on demand), replies arriving live (they go to the panel, never to the
 * channel's list, which the server sends without replies), and the parent's "N replies" from
 * `group:thread_update`.
 */
import type { Message } from '@parley/sdk';
import { PAGE, type ChatStore } from './chat-store.ts';

export interface Thread {
  channelId: string;
  parent: Message;
  /** Oldest first. */
  replies: Message[];
  hasOlder: boolean;
  loading: boolean;
}

export class Threads {
  /** The thread shown in the side panel. */
  open: Thread | undefined;

  constructor(private readonly store: ChatStore) {}

  listen(): void {
    this.store.client.on('group:thread_update', (parent, channel) => this.store.replaceMessage(parent, channel));
  }

  /** Opens the thread of a top-level message in the side panel. */
  async show(parent: Message): Promise<void> {
    const { store } = this;
    const thread: Thread = { channelId: parent.channel_id, parent, replies: [], hasOlder: false, loading: true };
    this.open = thread;
    store.setPanel({ kind: 'thread', parentId: parent.message_id });
    await store.run('Could not load the thread', async () => {
      const { messages } = await store.client.groupChannel.getReplies(parent.channel_id, parent.message_id, { mode: 'prev', limit: PAGE });
      if (this.open !== thread) return;
      this.open = { ...thread, replies: sortById(messages), hasOlder: messages.length === PAGE, loading: false };
      store.changed();
    });
  }

  async loadOlder(): Promise<void> {
    const t = this.open;
    const first = t?.replies[0];
    if (!t || !first) return;
    const { messages } = await this.store.client.groupChannel.getReplies(t.channelId, t.parent.message_id, { mode: 'prev', limit: PAGE, base_message_id: first.message_id });
    if (this.open !== t) return;
    const known = new Set(t.replies.map((m) => m.message_id));
    this.open = { ...t, replies: [...sortById(messages.filter((m) => !known.has(m.message_id))), ...t.replies], hasOlder: messages.length === PAGE };
    this.store.changed();
  }

  close(): void {
    this.open = undefined;
  }

  /** A reply sent or received: into the open thread when it is its own, once. */
  addReply(reply: Message): void {
    const t = this.open;
    if (!t || t.loading || t.channelId !== reply.channel_id || t.parent.message_id !== reply.parent_message_id) return;
    if (t.replies.some((m) => m.message_id === reply.message_id)) return;
    this.open = { ...t, replies: sortById([...t.replies, reply]) };
  }

  /** A message changed (edit, reaction, thread info): the open thread shows the new one. */
  replace(message: Message): void {
    const t = this.open;
    if (!t || t.channelId !== message.channel_id) return;
    if (t.parent.message_id === message.message_id) this.open = { ...t, parent: message };
    else if (t.replies.some((m) => m.message_id === message.message_id)) this.open = { ...t, replies: t.replies.map((m) => (m.message_id === message.message_id ? message : m)) };
  }

  /** A message went: out of the thread; the parent going closes it. */
  remove(channelId: string, messageId: number): boolean {
    const t = this.open;
    if (!t || t.channelId !== channelId) return false;
    if (t.parent.message_id === messageId) {
      this.open = undefined;
      return true;
    }
    this.open = { ...t, replies: t.replies.filter((m) => m.message_id !== messageId) };
    return false;
  }
}

const sortById = (messages: Message[]): Message[] => [...messages].sort((a, b) => a.message_id - b.message_id);
