/**
 * The demo page's chat state and what changes it: the joined channels with their unread counts, the
 * open channel's history (newest page first, older pages on demand), live events from the SDK, read
 * receipts, and the side panel. Views read it and call its actions; every change notifies them once.
 * The conversation features keep their state in their own modules (typing.ts, threads.ts, pins.ts,
 * search.ts, moderation.ts); messages that change (edits, reactions, thread counts) are replaced
 * everywhere they show through {@link ChatStore.replaceMessage}. Nothing here touches the DOM.
 *
 * Errors belong to the action that failed: the next action that succeeds clears them, so a message of
 * an old failure never sits beside a screen that works.
 */
import { CHAT_ERROR_CODES } from '@parley/protocol';
import type { Client, GroupChannel, Message, User } from '@parley/sdk';
import { codeOf, describeError } from './format.ts';
import type { PickedMention } from './mentions.ts';
import { Moderation } from './moderation.ts';
import { Pins } from './pins.ts';
import { Search } from './search.ts';
import { Threads } from './threads.ts';
import { Typing } from './typing.ts';

/** Messages per history page. */
export const PAGE = 30;

export interface ChannelEntry {
  channel: GroupChannel;
  /** Messages after my last read. */
  unread: number;
  /** Of those, the ones mentioning me. */
  mentions: number;
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
export type Panel = { kind: 'members' } | { kind: 'thread'; parentId: number } | { kind: 'pins' } | null;

/** What the composer of a channel holds: kept when switching channels, and after a failed send. */
export interface Draft {
  content: string;
  file?: File;
  /** Members picked in the `@` completion (sent as mentions while their `@name` stays in the text). */
  mentions?: PickedMention[];
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
  readonly typing: Typing;
  readonly threads: Threads;
  readonly pins: Pins;
  readonly search: Search;
  /** A message to point at once its channel shows (a search hit). */
  found: { channelId: string; messageId: number } | undefined;
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
    this.typing = new Typing(this);
    this.threads = new Threads(this);
    this.pins = new Pins(this);
    this.search = new Search(this);
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

  /** Unread messages mentioning me over every joined channel. */
  totalMentions(): number {
    let n = 0;
    for (const e of this.channels.values()) n += e.mentions;
    return n;
  }

  /** Wires the SDK's events and loads the channel list. */
  async start(): Promise<void> {
    const c = this.client;
    c.on('group:message_send', (message, channel) => this.received(message, channel));
    c.on('group:message_update', (message, channel) => this.replaceMessage(message, channel));
    c.on('group:message_reaction', (message, channel) => this.replaceMessage(message, channel));
    c.on('group:message_mention', (message, channel) => this.mentioned(message, channel));
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
    this.typing.listen();
    this.threads.listen();
    await this.refresh();
  }

  /** Reloads the channel list with unread counts in one request, and the open channel (after a reconnect too). */
  async refresh(): Promise<void> {
    const { channels } = await this.client.groupChannel.getJoinedChannelList({ limit: 100, show_last_message: true, show_unread: true });
    this.channels.clear();
    for (const channel of channels) this.channels.set(channel.channel_id, entryOf(channel, this.me));
    this.changed();
    if (this.activeId && this.channels.has(this.activeId)) await this.open(this.activeId);
    else if (this.activeId) this.close();
  }

  /** One channel anew (one I was added to, or whose last message went): last message and my unread count, in one request. */
  private async reloadChannel(channelId: string): Promise<void> {
    const channel = await this.client.groupChannel.getChannel(channelId, { show_last_message: true, show_unread: true });
    this.channels.set(channelId, entryOf(channel, this.me));
    this.changed();
  }

  /** Opens a channel at its newest messages and marks it read. */
  async open(channelId: string): Promise<void> {
    const switching = this.activeId !== channelId;
    this.activeId = channelId;
    if (switching) {
      this.panel = null;
      this.threads.close();
      this.notice = '';
      this.found = undefined;
    }
    const opening = ++this.openings;
    this.history = { channelId, opening, messages: [], hasOlder: false, loading: true };
    this.readBy = [];
    this.changed();
    const [{ messages }] = await Promise.all([this.client.groupChannel.getMessageList(channelId, { mode: 'prev', limit: PAGE }), this.loadMembers(channelId)]);
    if (this.history?.opening !== opening) return;
    this.history = { channelId, opening, messages: [...messages].sort((a, b) => a.message_id - b.message_id), hasOlder: messages.length === PAGE, loading: false };
    this.changed();
    await Promise.all([this.markRead(), this.pins.sync()]);
  }

  close(): void {
    this.activeId = undefined;
    this.history = undefined;
    this.panel = null;
    this.threads.close();
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

  /** A member's name by user id (the id itself when not a known member). */
  nameOfId(userId: string): string {
    return this.members.get(userId)?.name || userId;
  }

  async markRead(): Promise<void> {
    const channelId = this.activeId;
    if (!channelId) return;
    await this.client.groupChannel.readMessage(channelId);
    const entry = this.channels.get(channelId);
    if (entry) {
      entry.unread = 0;
      entry.mentions = 0;
    }
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
   * `draftKey` is where the draft is kept (a thread's composer has its own); `options` carry the
   * thread replied in and the members mentioned.
   */
  async send(channelId: string, draft: Draft, options: { draftKey?: string; parentMessageId?: number; mentionedUserIds?: string[] } = {}): Promise<Message> {
    const api = this.client.groupChannel;
    const content = draft.content.trim();
    const key = options.draftKey ?? channelId;
    const parentMessageId = options.parentMessageId;
    const mentionedUserIds = options.mentionedUserIds?.length ? options.mentionedUserIds : undefined;
    let sent: Message;
    if (draft.file) {
      sent = await api.sendMessage(channelId, { type: 'file', file: draft.file, parentMessageId });
      this.shown(sent);
      // The SDK's file send takes no caption yet: the text follows as its own message. The file is
      // gone from the draft once sent, so a retry sends the text only.
      this.setDraft(key, { ...this.draft(key), file: undefined });
      if (content !== '') sent = await api.sendMessage(channelId, { content, parentMessageId, mentionedUserIds });
    } else {
      sent = await api.sendMessage(channelId, { content, parentMessageId, mentionedUserIds });
    }
    this.typing.sent(channelId);
    // Shown at once (the live event may come later, after a reconnection's catch-up).
    this.shown(sent);
    this.succeeded();
    this.changed();
    return sent;
  }

  /** A message I sent or received goes where it shows: a reply to its open thread, else the history. */
  private shown(message: Message): void {
    if (message.parent_message_id !== undefined) this.threads.addReply(message);
    else this.addToHistory(message);
  }

  /** Replaces the text of my message (Enter in its editor); resolves true once saved. */
  async editMessage(message: Message, content: string): Promise<boolean> {
    const done = await this.run('Could not edit the message', async () => {
      const edited = await this.client.groupChannel.updateMessage(message.channel_id, message.message_id, content);
      this.replaceMessage(edited);
      return true;
    });
    return done === true;
  }

  /** Adds my reaction `key`, or takes it back when I reacted with it. */
  async toggleReaction(message: Message, key: string): Promise<void> {
    const api = this.client.groupChannel;
    const mine = message.reactions.some((r) => r.key === key && r.user_ids.includes(this.me));
    await this.run('Could not react', async () => {
      const updated = mine ? await api.removeReaction(message.channel_id, message.message_id, key) : await api.addReaction(message.channel_id, message.message_id, key);
      this.replaceMessage(updated);
    });
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
    if (panel?.kind !== 'thread') this.threads.close();
    this.panel = panel;
    this.changed();
  }

  private received(message: Message, channel: GroupChannel): void {
    const entry = this.channels.get(channel.channel_id);
    if (entry) entry.channel = { ...entry.channel, ...channel, last_message: message };
    else this.channels.set(channel.channel_id, { channel: { ...channel, last_message: message }, unread: 0, mentions: 0 });
    const mine = sentBy(message, this.me);
    const h = this.history;
    if (h && h.channelId === channel.channel_id) {
      this.shown(message);
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

  /** A message changed (edit, reaction, thread info): the new one wherever it shows. */
  replaceMessage(message: Message, channel?: GroupChannel): void {
    if (channel) this.channelChanged(channel);
    const h = this.history;
    if (h?.channelId === message.channel_id) this.history = { ...h, messages: h.messages.map((m) => (m.message_id === message.message_id ? message : m)) };
    this.threads.replace(message);
    this.pins.replace(message);
    const entry = this.channels.get(message.channel_id);
    if (entry?.channel.last_message?.message_id === message.message_id) entry.channel = { ...entry.channel, last_message: message };
    this.changed();
  }

  /** A message mentions me (`group:message_mention`): the channel's badge, unless I am reading it now. */
  private mentioned(message: Message, channel: GroupChannel): void {
    const reading = this.activeId === channel.channel_id && document.visibilityState === 'visible';
    const entry = this.channels.get(channel.channel_id);
    if (!entry || reading || sentBy(message, this.me)) return;
    entry.mentions += 1;
    this.changed();
  }

  private removed(messageId: number, channelId: string): void {
    if (this.threads.remove(channelId, messageId) && this.panel?.kind === 'thread') this.panel = null;
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

  /** The channel anew (an event or an answer); the pins of the open one follow. */
  channelChanged(channel: GroupChannel): void {
    const entry = this.channels.get(channel.channel_id);
    if (!entry) return;
    const pinsBefore = entry.channel.pinned_message_ids.join();
    // Events carry the channel without the caller's extras (last message, unread): keep those.
    entry.channel = { ...entry.channel, ...channel, last_message: entry.channel.last_message, unread_mention_count: entry.channel.unread_mention_count };
    if (channel.channel_id === this.activeId && channel.pinned_message_ids.join() !== pinsBefore) void this.run('Could not load the pinned messages', () => this.pins.sync());
    this.changed();
  }

  private drop(channelId: string): void {
    this.channels.delete(channelId);
    if (this.activeId === channelId) this.close();
    else this.changed();
  }
}

/** A listed channel with my unread counts. */
const entryOf = (channel: GroupChannel, me: string): ChannelEntry => ({ channel, unread: channel.unread?.[me] ?? 0, mentions: channel.unread_mention_count ?? 0 });
