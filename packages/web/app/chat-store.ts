/**
 * The demo page's chat state and what changes it: the joined channels with their unread counts, the
 * open channel's history (newest page first, older pages on demand), live events from the SDK, read
 * receipts, and the side panel. Views read it and call its actions; every change notifies them once.
 * Nothing here touches the DOM.
 *
 * Errors belong to the action that failed: the next action that succeeds clears them, so a message of
 * an old failure never sits beside a screen that works.
 */
import { CHAT_ERROR_CODES } from '@parley/protocol';
import type { Client, GroupChannel, Message, User } from '@parley/sdk';
import { codeOf, describeError } from './format.ts';
import { Moderation } from './moderation.ts';

/** Messages per history page. */
export const PAGE = 30;

export interface ChannelEntry {
  channel: GroupChannel;
  /** Messages after my last read. */
  unread: number;
}

export interface History {
  channelId: string;
  /** A new number each time a channel is opened (the view then starts at its newest message). */
  opening: number;
  /** Oldest first. */
  messages: Message[];
  /** Whether older messages exist than the first one loaded. */
  hasOlder: boolean;
  /** Set until the newest page arrived. */
  loading: boolean;
}

/** The panel beside the conversation. */
export type Panel = { kind: 'members' } | null;

/** What the composer of a channel holds: kept when switching channels, and after a failed send. */
export interface Draft {
  content: string;
  file?: File;
  /** Why the last send of this draft failed (the composer offers a retry). */
  failure?: string;
}

type Listener = () => void;

/** Whether a message was sent by `userId`. */
export const sentBy = (message: Message, userId: string): boolean => message.user?.user_id === userId;

export class ChatStore {
  readonly channels = new Map<string, ChannelEntry>();
  activeId: string | undefined;
  history: History | undefined;
  /** Members (not me) whose last read is at or after my latest message in the open channel. */
  readBy: string[] = [];
  /** Members of the open channel, by user id. */
  members = new Map<string, User>();
  panel: Panel = null;
  /** Managers, mutes and reports of the open channel. */
  readonly moderation: Moderation;
  /** A passing outcome ("Reported. Thank you."), announced politely; replaced by the next one. */
  notice = '';
  private readonly drafts = new Map<string, Draft>();
  private openings = 0;
  /** What the last failed action said; cleared by the next success. */
  error = '';
  private readonly listeners = new Set<Listener>();

  constructor(
    readonly client: Client,
    readonly me: string,
  ) {
    this.moderation = new Moderation(this);
  }

  /** Tells the views that something changed (the feature modules call it too). */
  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs an action; its failure becomes the page's error, its success clears an older one. */
  async run<T>(what: string, action: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await action();
      this.succeeded();
      return result;
    } catch (err) {
      this.failed(what, err);
      return undefined;
    }
  }

  succeeded(): void {
    if (this.error === '') return;
    this.error = '';
    this.changed();
  }

  failed(what: string, err: unknown): void {
    this.error = `${what}: ${describeError(err)}`;
    this.notice = '';
    this.changed();
  }

  tell(notice: string): void {
    this.notice = notice;
    this.changed();
  }

  /** Joined channels, newest activity first. */
  channelList(): ChannelEntry[] {
    const at = (e: ChannelEntry) => e.channel.last_message?.created_at ?? e.channel.created_at;
    return [...this.channels.values()].sort((a, b) => at(b) - at(a) || a.channel.channel_id.localeCompare(b.channel.channel_id));
  }

  /** Unread messages over every joined channel (the page's title shows it). */
  totalUnread(): number {
    let n = 0;
    for (const e of this.channels.values()) n += e.unread;
    return n;
  }

  /** Wires the SDK's events and loads the channel list. */
  async start(): Promise<void> {
    const c = this.client;
    c.on('group:message_send', (message, channel) => this.received(message, channel));
    c.on('group:message_update', (message, channel) => this.replaced(message, channel));
    c.on('group:message_delete', (message, channel) => this.removed(message.message_id, channel.channel_id));
    c.on('group:channel_update', (channel) => this.channelChanged(channel));
    c.on('group:channel_message_read_event', (channel) => {
      if (channel.channel_id === this.activeId) void this.loadReceipt();
    });
    c.on('group:channel_join', (channel, user) => {
      if (user.user_id === this.me) void this.run(`Could not load ${channel.channel_id}`, () => this.reloadChannel(channel.channel_id));
      else if (channel.channel_id === this.activeId) this.addMember(user);
    });
    c.on('group:channel_leave', (channel, user) => {
      if (user.user_id === this.me) this.drop(channel.channel_id);
      else if (channel.channel_id === this.activeId) this.removeMember(user.user_id);
    });
    c.on('group:channel_ban', (channel, user) => {
      if (user.user_id === this.me) this.drop(channel.channel_id);
    });
    c.on('group:channel_delete', (channel) => this.drop(channel.channel_id));
    this.moderation.listen();
    await this.refresh();
  }

  /** Reloads the channel list with unread counts in one request, and the open channel (after a reconnect too). */
  async refresh(): Promise<void> {
    const { channels } = await this.client.groupChannel.getJoinedChannelList({ limit: 100, show_last_message: true, show_unread: true });
    this.channels.clear();
    for (const channel of channels) this.channels.set(channel.channel_id, { channel, unread: channel.unread?.[this.me] ?? 0 });
    this.changed();
    if (this.activeId && this.channels.has(this.activeId)) await this.open(this.activeId);
    else if (this.activeId) this.close();
  }

  /** One channel anew (one I was added to, or whose last message went): last message and my unread count, in one request. */
  private async reloadChannel(channelId: string): Promise<void> {
    const channel = await this.client.groupChannel.getChannel(channelId, { show_last_message: true, show_unread: true });
    this.channels.set(channelId, { channel, unread: channel.unread?.[this.me] ?? 0 });
    this.changed();
  }

  /** Opens a channel at its newest messages and marks it read. */
  async open(channelId: string): Promise<void> {
    const switching = this.activeId !== channelId;
    this.activeId = channelId;
    if (switching) {
      this.panel = null;
      this.notice = '';
    }
    const opening = ++this.openings;
    this.history = { channelId, opening, messages: [], hasOlder: false, loading: true };
    this.readBy = [];
    this.changed();
    const [{ messages }] = await Promise.all([this.client.groupChannel.getMessageList(channelId, { mode: 'prev', limit: PAGE }), this.loadMembers(channelId)]);
    if (this.history?.opening !== opening) return;
    this.history = { channelId, opening, messages: [...messages].sort((a, b) => a.message_id - b.message_id), hasOlder: messages.length === PAGE, loading: false };
    this.changed();
    await this.markRead();
  }

  close(): void {
    this.activeId = undefined;
    this.history = undefined;
    this.panel = null;
    this.members.clear();
    this.changed();
  }

  async loadOlder(): Promise<void> {
    const h = this.history;
    const first = h?.messages[0];
    if (!h || !first) return;
    const { messages } = await this.client.groupChannel.getMessageList(h.channelId, { mode: 'prev', limit: PAGE, base_message_id: first.message_id });
    if (this.history !== h) return;
    const known = new Set(h.messages.map((m) => m.message_id));
    const older = messages.filter((m) => !known.has(m.message_id)).sort((a, b) => a.message_id - b.message_id);
    this.history = { ...h, messages: [...older, ...h.messages], hasOlder: messages.length === PAGE };
    this.changed();
  }

  /** Members and managers in one request; a manager also gets who is muted. */
  private async loadMembers(channelId: string): Promise<void> {
    const { members = [], managers = [] } = await this.client.groupChannel.getChannel(channelId, { show_members: true, show_managers: true });
    if (this.activeId !== channelId) return;
    this.members = new Map(members.map((u) => [u.user_id, u]));
    await this.moderation.opened(channelId, managers);
  }

  private addMember(user: User): void {
    this.members.set(user.user_id, user);
    this.changed();
  }

  private removeMember(userId: string): void {
    this.members.delete(userId);
    this.changed();
  }

  /** A member's name as shown (their user id when they set none). */
  nameOf(user: User | undefined): string {
    if (!user) return '';
    return this.members.get(user.user_id)?.name || user.name || user.user_id;
  }

  async markRead(): Promise<void> {
    const channelId = this.activeId;
    if (!channelId) return;
    await this.client.groupChannel.readMessage(channelId);
    const entry = this.channels.get(channelId);
    if (entry) entry.unread = 0;
    this.changed();
    await this.loadReceipt();
  }

  /** "Read by …": members whose last read is at or after my latest message. */
  async loadReceipt(): Promise<void> {
    const h = this.history;
    if (!h) return;
    const mine = [...h.messages].reverse().find((m) => sentBy(m, this.me));
    if (!mine) {
      this.readBy = [];
      this.changed();
      return;
    }
    const receipt = await this.client.groupChannel.getReadReceipt(h.channelId);
    if (this.history?.channelId !== h.channelId) return;
    this.readBy = Object.entries(receipt)
      .filter(([user, at]) => user !== this.me && at >= mine.created_at)
      .map(([user]) => user)
      .sort();
    this.changed();
  }

  draft(channelId: string): Draft {
    return this.drafts.get(channelId) ?? { content: '' };
  }

  setDraft(channelId: string, draft: Draft): void {
    if (draft.content === '' && !draft.file && !draft.failure) this.drafts.delete(channelId);
    else this.drafts.set(channelId, draft);
    this.changed();
  }

  /** Adds `@user_id ` to the end of a channel's draft. */
  insertMention(channelId: string, userId: string): void {
    const draft = this.draft(channelId);
    const sep = draft.content === '' || /\s$/.test(draft.content) ? '' : ' ';
    this.setDraft(channelId, { ...draft, content: `${draft.content}${sep}@${userId} ` });
  }

  /**
   * Sends what the composer holds; resolves once the server took it (the composer keeps the draft
   * until then, and after a failure, with a retry). Text typed beside a file goes out as its caption.
   */
  async send(channelId: string, draft: Draft): Promise<Message> {
    const api = this.client.groupChannel;
    const content = draft.content.trim();
    let sent: Message;
    if (draft.file) {
      sent = await api.sendMessage(channelId, { type: 'file', file: draft.file });
      this.addToHistory(sent);
      // The SDK's file send takes no caption yet: the text follows as its own message. The file is
      // gone from the draft once sent, so a retry sends the text only.
      this.setDraft(channelId, { ...this.draft(channelId), file: undefined });
      if (content !== '') sent = await api.sendMessage(channelId, { content });
    } else {
      sent = await api.sendMessage(channelId, { content });
    }
    // Shown at once (the live event may come later, after a reconnection's catch-up).
    this.addToHistory(sent);
    this.succeeded();
    this.changed();
    return sent;
  }

  async deleteMessage(message: Message): Promise<void> {
    await this.run('Could not delete the message', async () => {
      await this.client.groupChannel.deleteMessage(message.channel_id, message.message_id);
      this.removed(message.message_id, message.channel_id);
    });
  }

  /**
   * Creates the channel; when the id is taken, joins it (or just opens it when already a member). Only
   * public channels may be joined: a private one of others says so.
   */
  async createOrJoin(channelId: string, members: string[], isPublic: boolean): Promise<boolean> {
    const api = this.client.groupChannel;
    const done = await this.run(`Could not open ${channelId}`, async () => {
      try {
        await api.createChannel({ channel_id: channelId, name: channelId, members, is_public: isPublic });
      } catch (err) {
        if (codeOf(err) !== CHAT_ERROR_CODES.duplicateId) throw err;
        try {
          await api.joinChannel(channelId);
        } catch (joinErr) {
          const code = codeOf(joinErr);
          if (code === CHAT_ERROR_CODES.noPermission) throw new Error(`${channelId} is a private channel: only its members can open it`);
          if (code !== CHAT_ERROR_CODES.alreadyJoined) throw joinErr;
        }
      }
      await this.refresh();
      await this.open(channelId);
      return true;
    });
    return done === true;
  }

  async leave(channelId: string): Promise<void> {
    await this.run('Could not leave the channel', async () => {
      await this.client.groupChannel.leaveChannel(channelId);
      this.drop(channelId);
    });
  }

  setPanel(panel: Panel): void {
    this.panel = panel;
    this.changed();
  }

  private received(message: Message, channel: GroupChannel): void {
    const entry = this.channels.get(channel.channel_id);
    if (entry) entry.channel = { ...entry.channel, ...channel, last_message: message };
    else this.channels.set(channel.channel_id, { channel: { ...channel, last_message: message }, unread: 0 });
    const mine = sentBy(message, this.me);
    const h = this.history;
    if (h && h.channelId === channel.channel_id) {
      this.addToHistory(message);
      if (mine) void this.loadReceipt();
      else if (document.visibilityState === 'visible') void this.markRead().catch((err: unknown) => this.failed('Could not mark the channel read', err));
      else this.channels.get(channel.channel_id)!.unread += 1;
    } else if (!mine) {
      this.channels.get(channel.channel_id)!.unread += 1;
    }
    this.changed();
  }

  /** Puts a message of the open channel in its place (by id), once. */
  private addToHistory(message: Message): void {
    const h = this.history;
    if (!h || h.loading || h.channelId !== message.channel_id || h.messages.some((m) => m.message_id === message.message_id)) return;
    const at = h.messages.findIndex((m) => m.message_id > message.message_id);
    const messages = [...h.messages];
    messages.splice(at === -1 ? messages.length : at, 0, message);
    this.history = { ...h, messages };
  }

  /** Marks the open channel read when the page comes back into view with unread messages. */
  visible(): void {
    const entry = this.activeId ? this.channels.get(this.activeId) : undefined;
    if (entry && entry.unread > 0) void this.markRead().catch((err: unknown) => this.failed('Could not mark the channel read', err));
  }

  /** Takes a blocked person's messages out of the open conversation (the server leaves them out of history). */
  hideMessagesOf(userId: string): void {
    const h = this.history;
    if (h) this.history = { ...h, messages: h.messages.filter((m) => !sentBy(m, userId)) };
    this.changed();
  }

  private replaced(message: Message, channel: GroupChannel): void {
    this.channelChanged(channel);
    const h = this.history;
    if (h?.channelId === channel.channel_id) this.history = { ...h, messages: h.messages.map((m) => (m.message_id === message.message_id ? message : m)) };
    this.changed();
  }

  private removed(messageId: number, channelId: string): void {
    const h = this.history;
    if (h?.channelId === channelId && h.messages.some((m) => m.message_id === messageId)) {
      this.history = { ...h, messages: h.messages.filter((m) => m.message_id !== messageId) };
    }
    const entry = this.channels.get(channelId);
    if (entry?.channel.last_message?.message_id === messageId) {
      // The list's preview showed the deleted message: the one before it now, from the history when open.
      if (this.history?.channelId === channelId) entry.channel = { ...entry.channel, last_message: this.history.messages[this.history.messages.length - 1] ?? null };
      else void this.run(`Could not load ${channelId}`, () => this.reloadChannel(channelId));
    }
    this.changed();
  }

  private channelChanged(channel: GroupChannel): void {
    const entry = this.channels.get(channel.channel_id);
    if (!entry) return;
    // Events carry the channel without the caller's extras (last message, unread): keep those.
    entry.channel = { ...entry.channel, ...channel, last_message: entry.channel.last_message };
    this.changed();
  }

  private drop(channelId: string): void {
    this.channels.delete(channelId);
    if (this.activeId === channelId) this.close();
    else this.changed();
  }
}
