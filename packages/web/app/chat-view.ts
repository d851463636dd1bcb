/**
 * The chat view of the demo page: joined channels with unread counts, the open channel's history
 * (paged backwards), live messages, read receipts and file messages.
 */
import { CHAT_ERROR_CODES } from '@parley/protocol';
import type { Client, GroupChannel, Message } from '@parley/sdk';
import { $, describeError, el, formValues } from './dom.ts';

const PAGE = 20;

export class ChatView {
  private readonly channels = new Map<string, GroupChannel>();
  private readonly unread = new Map<string, number>();
  private active: string | undefined;
  private oldest: number | undefined;

  constructor(
    private readonly client: Client,
    private readonly me: string,
  ) {}

  async start(): Promise<void> {
    const c = this.client;
    c.on('group:message_send', (message, channel) => this.received(message, channel));
    c.on('group:message_delete', (message) => document.querySelector(`#messages li[data-id="${message.message_id}"]`)?.remove());
    c.on('group:channel_message_read_event', (channel) => {
      if (channel.channel_id === this.active) void this.showReceipt();
    });
    c.on('group:channel_join', (_channel, user) => {
      if (user.user_id === this.me) void this.refresh();
    });
    c.on('group:channel_leave', (channel, user) => {
      if (user.user_id === this.me) this.dropChannel(channel.channel_id);
    });
    this.wireForms();
    await this.refresh();
  }

  /** Reloads the channel list, unread counts and the open channel (after a reconnect too). */
  async refresh(): Promise<void> {
    const { channels } = await this.client.groupChannel.getJoinedChannelList({ limit: 100, show_last_message: true });
    this.channels.clear();
    for (const ch of channels) this.channels.set(ch.channel_id, ch);
    await Promise.all(channels.map(async (ch) => this.unread.set(ch.channel_id, (await this.client.groupChannel.getUnreadCount(ch.channel_id))[this.me] ?? 0)));
    this.renderChannels();
    if (this.active && this.channels.has(this.active)) await this.open(this.active);
  }

  private renderChannels(): void {
    const list = $('#channels');
    list.replaceChildren();
    for (const ch of this.channels.values()) {
      const count = this.unread.get(ch.channel_id) ?? 0;
      const item = el('li', { className: ch.channel_id === this.active ? 'active' : '' }, el('span', { textContent: ch.name || ch.channel_id }));
      item.dataset.channel = ch.channel_id;
      if (count > 0) item.append(el('span', { className: 'unread', textContent: String(count) }));
      item.addEventListener('click', () => void this.open(ch.channel_id).catch((e: unknown) => this.fail(e)));
      list.append(item);
    }
  }

  private async open(channelId: string): Promise<void> {
    this.active = channelId;
    this.oldest = undefined;
    $('#messages').replaceChildren();
    $('#channel-title').textContent = this.channels.get(channelId)?.name ?? channelId;
    $('#composer').hidden = false;
    await this.loadOlder();
    await this.markRead();
    this.renderChannels();
  }

  private async loadOlder(): Promise<void> {
    const channelId = this.active;
    if (!channelId) return;
    const params = this.oldest === undefined ? { mode: 'prev' as const, limit: PAGE } : { mode: 'prev' as const, limit: PAGE, base_message_id: this.oldest };
    const { messages } = await this.client.groupChannel.getMessageList(channelId, params);
    if (channelId !== this.active) return;
    const sorted = [...messages].sort((a, b) => b.message_id - a.message_id);
    for (const m of sorted) this.show(m, 'top');
    if (sorted.length > 0) this.oldest = sorted[sorted.length - 1]!.message_id;
    $('#older').hidden = messages.length < PAGE;
  }

  private show(message: Message, where: 'top' | 'bottom'): void {
    const list = $('#messages');
    if (list.querySelector(`li[data-id="${message.message_id}"]`)) return;
    const body: Array<Node | string> = [el('span', { className: 'who', textContent: message.user?.name || message.user?.user_id || '' })];
    if (message.type === 'file' && message.file) {
      const { url, name, type } = message.file;
      body.push(type.startsWith('image/') ? el('img', { src: url, alt: name }) : el('a', { href: url, textContent: name, target: '_blank', rel: 'noopener' }));
    } else {
      body.push(el('span', { className: 'text', textContent: message.content ?? '' }));
    }
    const item = el('li', { className: message.user?.user_id === this.me ? 'mine' : '' }, ...body);
    item.dataset.id = String(message.message_id);
    item.dataset.created = String(message.created_at);
    if (where === 'top') list.prepend(item);
    else {
      list.append(item);
      list.scrollTop = list.scrollHeight;
    }
  }

  private received(message: Message, channel: GroupChannel): void {
    if (!this.channels.has(channel.channel_id)) {
      this.channels.set(channel.channel_id, channel);
    }
    if (channel.channel_id === this.active) {
      this.show(message, 'bottom');
      if (message.user?.user_id !== this.me) void this.markRead();
      else void this.showReceipt();
    } else if (message.user?.user_id !== this.me) {
      this.unread.set(channel.channel_id, (this.unread.get(channel.channel_id) ?? 0) + 1);
    }
    this.renderChannels();
  }

  private async markRead(): Promise<void> {
    if (!this.active) return;
    await this.client.groupChannel.readMessage(this.active);
    this.unread.set(this.active, 0);
    await this.showReceipt();
  }

  /** "Read by …" under the conversation: members whose last read is at or after my latest message. */
  private async showReceipt(): Promise<void> {
    const channelId = this.active;
    if (!channelId) return;
    const mine = [...document.querySelectorAll<HTMLElement>('#messages li.mine')].pop();
    const receipt = await this.client.groupChannel.getReadReceipt(channelId);
    if (channelId !== this.active) return;
    const sentAt = Number(mine?.dataset.created ?? Infinity);
    const readers = Object.entries(receipt)
      .filter(([user, at]) => user !== this.me && at >= sentAt)
      .map(([user]) => user)
      .sort();
    $('#receipt').textContent = mine && readers.length > 0 ? `Read by ${readers.join(', ')}` : '';
  }

  private dropChannel(channelId: string): void {
    this.channels.delete(channelId);
    if (this.active === channelId) {
      this.active = undefined;
      $('#messages').replaceChildren();
      $('#composer').hidden = true;
    }
    this.renderChannels();
  }

  private fail(err: unknown): void {
    $('#chat-error').textContent = describeError(err);
  }

  /**
   * Creates the channel; when the id is taken, joins it (or just opens it when already a member). Only
   * public channels may be joined: a private one of others says so.
   */
  private async createOrJoin(channelId: string, members: string[], isPublic: boolean): Promise<string> {
    const api = this.client.groupChannel;
    try {
      return (await api.createChannel({ channel_id: channelId, name: channelId, members, is_public: isPublic })).channel_id;
    } catch (err) {
      if ((err as { code?: number }).code !== CHAT_ERROR_CODES.duplicateId) throw err;
    }
    try {
      await api.joinChannel(channelId);
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === CHAT_ERROR_CODES.noPermission) throw new Error(`${channelId} is a private channel: only its members can open it`);
      if (code !== CHAT_ERROR_CODES.alreadyJoined) throw err;
    }
    return channelId;
  }

  private wireForms(): void {
    $('#older').addEventListener('click', () => void this.loadOlder().catch((e: unknown) => this.fail(e)));
    const composer = $<HTMLFormElement>('#composer');
    composer.addEventListener('submit', (e) => {
      e.preventDefault();
      const channelId = this.active;
      const fileInput = composer.elements.namedItem('file') as HTMLInputElement;
      const file = fileInput.files?.[0];
      const content = formValues(composer).content ?? '';
      if (!channelId || (!file && !content)) return;
      const sending = file
        ? this.client.groupChannel.sendMessage(channelId, { type: 'file', file })
        : this.client.groupChannel.sendMessage(channelId, { content });
      composer.reset();
      sending.catch((err: unknown) => this.fail(err));
    });
    const create = $<HTMLFormElement>('#new-channel');
    create.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = formValues(create);
      const channelId = v.channel_id ?? '';
      const members = (v.members ?? '').split(',').map((m) => m.trim()).filter(Boolean);
      this.createOrJoin(channelId, members, v.is_public === 'yes')
        .then(async (id) => {
          create.reset();
          await this.refresh();
          await this.open(id);
        })
        .catch((err: unknown) => this.fail(err));
    });
  }
}
