/** `client.groupChannel.*`: channels, membership, messages, receipts and moderation of the connected user. */
import type {
  Ban,
  BannedList,
  BanRequest,
  ChannelCreate,
  ChannelList,
  ChannelListParams,
  ChannelShowParams,
  ChannelUpdate,
  GroupChannel,
  ManagerList,
  MemberList,
  Message,
  MessageList,
  MessageListParams,
  Meta,
  Mute,
  MutedList,
  MuteRequest,
  PageParams,
  JoinedChannelListParams,
  ReadChannels,
  ReplyListParams,
  UnreadCount,
  SearchResult,
} from './chat-types.ts';
import type { Query, RestClient } from './rest.ts';

/** What a text or a file send may add: mentions, and the thread it replies in. */
export interface SendOptions {
  /** At most 10 members of the channel; each hears `group:message_mention`. */
  mentionedUserIds?: string[];
  /** Reply in the thread of this top-level message of the channel; members hear `group:thread_update`. */
  parentMessageId?: number;
}
export interface TextMessage extends SendOptions {
  type?: 'text';
  content: string;
  meta?: Meta;
}
export interface FileMessage extends SendOptions {
  type: 'file';
  /** A browser File/Blob (or a Node Blob). */
  file: Blob;
  /** File name when `file` is a Blob without one. */
  name?: string;
  meta?: Meta;
}

const q = (params: object | undefined): Query => (params ?? {}) as Query;

/** Sends a typing event over the live connection; undefined when there is none (REST is used then). */
export type TypingSender = (channelId: string, typing: boolean) => Promise<void> | undefined;
/** Options of `searchMessages`. */
export interface MessageSearchOptions {
  /** Only this channel (the connected user must be a member). */
  channelId?: string;
  /** 1-100, default 20. */
  limit?: number;
  /** The `next` of the previous page. */
  next?: string;
}

export class GroupChannelApi {
  constructor(
    private readonly rest: RestClient,
    private readonly typingSocket: TypingSender = () => undefined,
  ) {}

  private path(channelId: string, rest = ''): string {
    return `/group/channels/${encodeURIComponent(channelId)}${rest}`;
  }

  /**
   * The channels the connected user belongs to and the public ones (members and last message only for
   * its own).
   * @example const { channels, next } = await client.groupChannel.getChannelList({ limit: 20 });
   * @example const { channels } = await client.groupChannel.getChannelList({ public: true }); // channels one may join
   */
  getChannelList(params?: ChannelListParams): Promise<ChannelList> {
    return this.rest.get('/group/channels', q(params));
  }

  /**
   * The channels the connected user belongs to; `order` sorts them by latest last message, creation
   * (newest first) or name, `show_unread` adds each member's unread count and the user's own
   * `unread_mention_count`.
   * @example const { channels } = await client.groupChannel.getJoinedChannelList({ show_last_message: true });
   * @example const { channels, next } = await client.groupChannel.getJoinedChannelList({ order: 'latest_last_message', show_unread: true, show_last_message: true });
   */
  getJoinedChannelList(params?: JoinedChannelListParams): Promise<ChannelList> {
    return this.rest.get('/users/me/group/channels', q(params));
  }

  /**
   * A channel the connected user belongs to, or a public one (without the `show_*` extras unless a
   * member); a private channel of others is refused with 3001.
   * @example const ch = await client.groupChannel.getChannel('room_1', { show_unread: true });
   */
  getChannel(channelId: string, params?: ChannelShowParams): Promise<GroupChannel> {
    return this.rest.get(this.path(channelId), q(params));
  }

  /**
   * Creates a channel with the connected user as a member; private unless `is_public`.
   * @example const ch = await client.groupChannel.createChannel({ channel_id: 'alice_bob', name: 'Alice & Bob', members: ['bob'] });
   * @example await client.groupChannel.createChannel({ channel_id: 'lobby', name: 'Lobby', is_public: true });
   */
  createChannel(channel: ChannelCreate): Promise<GroupChannel> {
    return this.rest.post('/group/channels', channel);
  }

  /** Managers only. @example await client.groupChannel.updateChannel('room_1', { name: 'Lobby' }); */
  updateChannel(channelId: string, changes: ChannelUpdate): Promise<GroupChannel> {
    return this.rest.put(this.path(channelId), changes);
  }

  /** Managers only. @example await client.groupChannel.deleteChannel('room_1'); */
  deleteChannel(channelId: string): Promise<void> {
    return this.rest.delete(this.path(channelId));
  }

  /** Joins the connected user to a public channel (a private one: 3001; banned: 1019). @example await client.groupChannel.joinChannel('lobby'); */
  joinChannel(channelId: string): Promise<GroupChannel> {
    return this.rest.put(this.path(channelId, '/join'));
  }

  /** @example await client.groupChannel.leaveChannel('room_1'); */
  leaveChannel(channelId: string): Promise<GroupChannel> {
    return this.rest.put(this.path(channelId, '/leave'));
  }

  /** @example const { members } = await client.groupChannel.getMemberList('room_1'); */
  getMemberList(channelId: string, params?: PageParams): Promise<MemberList> {
    return this.rest.get(this.path(channelId, '/members'), q(params));
  }

  /** User ids of members with a live connection. @example const online = await client.groupChannel.getOnlineMemberList('room_1'); */
  getOnlineMemberList(channelId: string): Promise<string[]> {
    return this.rest.get(this.path(channelId, '/online_members'));
  }

  /** Managers only. @example await client.groupChannel.addManager('room_1', 'bob'); */
  addManager(channelId: string, userId: string): Promise<GroupChannel> {
    return this.rest.post(this.path(channelId, '/managers'), { manager: userId });
  }

  /** Managers only. @example await client.groupChannel.removeManager('room_1', 'bob'); */
  removeManager(channelId: string, userId: string): Promise<GroupChannel> {
    return this.rest.delete(this.path(channelId, '/managers'), { manager: userId });
  }

  /** Managers only (GitpleLive SDK 1.1's name of addManager). @example await client.groupChannel.registerManager('room_1', 'bob'); */
  registerManager(channelId: string, userId: string): Promise<GroupChannel> {
    return this.addManager(channelId, userId);
  }

  /** Managers only (GitpleLive SDK 1.1's name of removeManager). @example await client.groupChannel.deleteManager('room_1', 'bob'); */
  deleteManager(channelId: string, userId: string): Promise<GroupChannel> {
    return this.removeManager(channelId, userId);
  }

  /** The channel's managers, in user id order. @example const { managers, next } = await client.groupChannel.getManagerList('room_1'); */
  getManagerList(channelId: string, params?: PageParams): Promise<ManagerList> {
    return this.rest.get(this.path(channelId, '/managers'), q(params));
  }

  /**
   * Tells the channel's other members the connected user is typing (`group:channel_typing`). Call it
   * again while typing goes on: the state ends by itself 5 s after the last call. Over the live
   * connection when there is one, else through the client API.
   * @example input.addEventListener('input', () => client.groupChannel.startTyping('room_1'));
   */
  startTyping(channelId: string): Promise<void> {
    return this.typing(channelId, true);
  }

  /**
   * Ends the connected user's typing state at once (sending a message ends it too).
   * @example input.addEventListener('blur', () => client.groupChannel.endTyping('room_1'));
   */
  endTyping(channelId: string): Promise<void> {
    return this.typing(channelId, false);
  }

  private async typing(channelId: string, typing: boolean): Promise<void> {
    const sent = this.typingSocket(channelId, typing);
    if (sent) return sent;
    await this.rest.put(this.path(channelId, '/typing'), { typing });
  }

  /**
   * Sends a text or a file message as the connected user, optionally mentioning members or replying
   * in a thread.
   * @example await client.groupChannel.sendMessage('room_1', { content: 'hello' });
   * @example await client.groupChannel.sendMessage('room_1', { type: 'file', file: input.files[0] });
   * @example await client.groupChannel.sendMessage('room_1', { content: '@bob look', mentionedUserIds: ['bob'] });
   * @example await client.groupChannel.sendMessage('room_1', { content: 'agreed', parentMessageId: 42 });
   */
  sendMessage(channelId: string, message: TextMessage | FileMessage): Promise<Message> {
    const { mentionedUserIds, parentMessageId } = message;
    if (message.type !== 'file') {
      return this.rest.post(this.path(channelId, '/messages'), { type: 'text', content: message.content, meta: message.meta, mentioned_user_ids: mentionedUserIds, parent_message_id: parentMessageId });
    }
    const form = new FormData();
    form.set('type', 'file');
    if (message.meta) form.set('meta', JSON.stringify(message.meta));
    if (mentionedUserIds) form.set('mentioned_user_ids', JSON.stringify(mentionedUserIds));
    if (parentMessageId !== undefined) form.set('parent_message_id', String(parentMessageId));
    const name = message.name ?? (message.file as Blob & { name?: string }).name ?? 'file';
    form.set('file', message.file, name);
    return this.rest.post(this.path(channelId, '/messages'), form);
  }

  /** Newest first page, then older ones. @example const { messages } = await client.groupChannel.getMessageList('room_1', { mode: 'prev', base_message_id: 40, limit: 20 }); */
  getMessageList(channelId: string, params?: MessageListParams): Promise<MessageList> {
    return this.rest.get(this.path(channelId, '/messages'), q(params));
  }

  /**
   * The replies in the thread of a top-level message, oldest first, paged as getMessageList (the
   * channel's list leaves replies out unless `include_replies`).
   * @example const { messages } = await client.groupChannel.getReplies('room_1', 42, { limit: 20 });
   * @example const older = await client.groupChannel.getReplies('room_1', 42, { mode: 'prev', base_message_id: messages[0].message_id });
   */
  getReplies(channelId: string, parentMessageId: number, params?: ReplyListParams): Promise<MessageList> {
    return this.rest.get(this.path(channelId, `/messages/${parentMessageId}/replies`), q(params));
  }

  /**
   * Messages of the connected user's channels whose text contains `query` (1-100 characters; English
   * letters in any case, Korean words of any length), newest first, each with its `channel`; messages
   * of users it blocked are left out. Page on with `next` until it is null.
   * @example
   * const { messages, next } = await client.groupChannel.searchMessages('안녕', { limit: 20 });
   * for (const hit of messages) console.log(hit.channel.name, hit.user.name, hit.content);
   * const more = next ? await client.groupChannel.searchMessages('안녕', { next }) : undefined;
   */
  searchMessages(query: string, options: MessageSearchOptions = {}): Promise<SearchResult> {
    return this.rest.get('/messages/search', { query, channel_id: options.channelId, limit: options.limit, next: options.next });
  }

  /** The sender or a manager. @example await client.groupChannel.deleteMessage('room_1', 42); */
  deleteMessage(channelId: string, messageId: number): Promise<void> {
    return this.rest.delete(this.path(channelId, `/messages/${messageId}`));
  }

  /** The sender or a manager; members see `group:message_update`. @example await client.groupChannel.updateMessageMeta('room_1', 42, { pinned: 'yes' }); */
  updateMessageMeta(channelId: string, messageId: number, meta: Meta): Promise<Message> {
    return this.rest.put(this.path(channelId, `/messages/${messageId}/meta`), { meta });
  }

  /** @example await client.groupChannel.deleteMessageMeta('room_1', 42, ['pinned']); */
  deleteMessageMeta(channelId: string, messageId: number, keys?: string[]): Promise<Message> {
    return this.rest.delete(this.path(channelId, `/messages/${messageId}/meta`), keys ? { keys } : undefined);
  }

  /** One message with its reactions (members). @example const message = await client.groupChannel.getMessage('room_1', 42); */
  getMessage(channelId: string, messageId: number): Promise<Message> {
    return this.rest.get(this.path(channelId, `/messages/${messageId}`));
  }

  /**
   * Replaces the content of a text message the connected user sent (the rules and word filter of a
   * send; a frozen channel or a mute refuses it); sets `edited_at`, members see `group:message_update`.
   * Another member's message is refused with 3001.
   * @example const edited = await client.groupChannel.updateMessage('room_1', 42, 'hello, Bob'); // edited.edited_at
   */
  updateMessage(channelId: string, messageId: number, content: string): Promise<Message> {
    return this.rest.put(this.path(channelId, `/messages/${messageId}`), { content });
  }

  /** The same as {@link updateMessage}. @example await client.groupChannel.editMessage('room_1', 42, 'fixed a typo'); */
  editMessage(channelId: string, messageId: number, content: string): Promise<Message> {
    return this.updateMessage(channelId, messageId, content);
  }

  /**
   * Adds the connected user's reaction `key` (1-32 characters; at most 20 distinct keys per message;
   * in a frozen channel managers only); adding it twice changes nothing. Resolves with the message and its `reactions`; members see
   * `group:message_reaction (message, channel, {key, user_id, operation: 'add'})`.
   * @example const { reactions } = await client.groupChannel.addReaction('room_1', 42, '👍');
   */
  addReaction(channelId: string, messageId: number, key: string): Promise<Message> {
    return this.rest.put(this.path(channelId, `/messages/${messageId}/reactions`), { key });
  }

  /**
   * Takes back the connected user's reaction `key` (nothing to take back changes nothing); members see
   * `group:message_reaction` with `operation: 'delete'`.
   * @example await client.groupChannel.removeReaction('room_1', 42, '👍');
   */
  removeReaction(channelId: string, messageId: number, key: string): Promise<Message> {
    return this.rest.delete(this.path(channelId, `/messages/${messageId}/reactions/${encodeURIComponent(key)}`));
  }

  /**
   * Pins a message first in the channel's `pinned_message_ids` (at most 10; any member, in a frozen
   * channel only managers); resolves with the channel, members see `group:channel_update`.
   * @example const { pinned_message_ids } = await client.groupChannel.pinMessage('room_1', 42);
   */
  pinMessage(channelId: string, messageId: number): Promise<GroupChannel> {
    return this.rest.put(this.path(channelId, `/messages/${messageId}/pin`));
  }

  /** Unpins a message (as pinMessage: members, managers in a frozen channel). @example await client.groupChannel.unpinMessage('room_1', 42); */
  unpinMessage(channelId: string, messageId: number): Promise<GroupChannel> {
    return this.rest.delete(this.path(channelId, `/messages/${messageId}/pin`));
  }

  /** Marks everything in the channel read by the connected user. @example await client.groupChannel.readMessage('room_1'); */
  readMessage(channelId: string): Promise<GroupChannel> {
    return this.rest.put(this.path(channelId, '/messages/read'));
  }

  /** Marks everything in the channel delivered to the connected user. @example await client.groupChannel.deliveredMessage('room_1'); */
  deliveredMessage(channelId: string): Promise<GroupChannel> {
    return this.rest.put(this.path(channelId, '/messages/delivered'));
  }

  /** `{user_id: ms}` of each member's last read. @example const receipt = await client.groupChannel.getReadReceipt('room_1'); */
  async getReadReceipt(channelId: string): Promise<Record<string, number>> {
    return (await this.getChannel(channelId, { show_read_receipt: true })).read_receipt ?? {};
  }

  /** `{user_id: ms}` of each member's last delivery. @example const receipt = await client.groupChannel.getDeliveryReceipt('room_1'); */
  async getDeliveryReceipt(channelId: string): Promise<Record<string, number>> {
    return (await this.getChannel(channelId, { show_delivery_receipt: true })).delivery_receipt ?? {};
  }

  /** `{user_id: n}` unread counts of the members. @example const unread = await client.groupChannel.getUnreadCount('room_1'); */
  async getUnreadCount(channelId: string): Promise<Record<string, number>> {
    return (await this.getChannel(channelId, { show_unread: true })).unread ?? {};
  }

  /**
   * The connected user's unread totals over all its channels: messages, channels holding any, mentions.
   * @example const { unread_message_count, unread_mention_count } = await client.groupChannel.getTotalUnread();
   */
  getTotalUnread(): Promise<UnreadCount> {
    return this.rest.get('/users/me/unread');
  }

  /**
   * Marks every channel of the connected user read; each one's members hear
   * `group:channel_message_read_event`. Answers the channels marked.
   * @example await client.groupChannel.markAllRead();
   */
  markAllRead(): Promise<ReadChannels> {
    return this.rest.put('/users/me/read_all');
  }

  /**
   * Marks up to 100 of the connected user's channels read (one it does not belong to: 1008, none marked).
   * @example await client.groupChannel.markRead(['room_1', 'room_2']);
   */
  markRead(channelIds: string[]): Promise<ReadChannels> {
    return this.rest.put('/users/me/read', { channel_ids: channelIds });
  }

  /** Managers only; a frozen channel refuses sends (1009). @example await client.groupChannel.freeze('room_1'); */
  freeze(channelId: string): Promise<GroupChannel> {
    return this.rest.put(this.path(channelId, '/freeze'), { freeze: true });
  }

  /** Managers only. @example await client.groupChannel.unfreeze('room_1'); */
  unfreeze(channelId: string): Promise<GroupChannel> {
    return this.rest.put(this.path(channelId, '/freeze'), { freeze: false });
  }

  /** Managers only. @example await client.groupChannel.ban('room_1', { user_id: 'mallory', seconds: 600, reason: 'spam' }); */
  ban(channelId: string, ban: BanRequest): Promise<Ban> {
    return this.rest.post(this.path(channelId, '/ban'), ban);
  }

  /** Managers only. @example await client.groupChannel.unban('room_1', 'mallory'); */
  unban(channelId: string, userId: string): Promise<void> {
    return this.rest.delete(this.path(channelId, `/ban/${encodeURIComponent(userId)}`));
  }

  /** Managers only. @example const { banned } = await client.groupChannel.getBannedList('room_1'); */
  getBannedList(channelId: string, params?: PageParams): Promise<BannedList> {
    return this.rest.get(this.path(channelId, '/banned_list'), q(params));
  }

  /**
   * Managers only: the member stays and reads, but its sends are refused (1021) for `seconds`; members
   * hear `group:channel_mute`. @example await client.groupChannel.muteUser('room_1', { user_id: 'mallory', seconds: 300 });
   */
  muteUser(channelId: string, mute: MuteRequest): Promise<Mute> {
    return this.rest.post(this.path(channelId, '/mute'), mute);
  }

  /** Managers only. @example await client.groupChannel.unmuteUser('room_1', 'mallory'); */
  unmuteUser(channelId: string, userId: string): Promise<Mute> {
    return this.rest.delete(this.path(channelId, `/mute/${encodeURIComponent(userId)}`));
  }

  /** Managers only. @example const { muted } = await client.groupChannel.getMutedList('room_1'); */
  getMutedList(channelId: string, params?: PageParams): Promise<MutedList> {
    return this.rest.get(this.path(channelId, '/muted_list'), q(params));
  }
}
