/** Messages: sending text and files, listing, deletion, meta, and the read/delivery receipts. */
import type { Readable } from 'node:stream';
import { CHAT_LIMITS, type ChatChannel, type ChatMessage, type ChatMessageList, type ChatMeta } from '@parley/protocol';
import { channelView, requireChannel, requireUser, type ChatContext } from './chat-context.ts';
import { banned, channelNotFound, fileTooLarge, frozen, invalid, messageNotFound, notJoined } from './errors.ts';
import { FileTooLargeError } from './file-store.ts';
import { SendRefused, type MessageWithUser, type NewMessageRow, type SendOutcome } from './message.repository.ts';
import { toMessage } from './presenter.ts';
import { checkChannelId, checkMeta, checkUserId, mergeMeta, pageLimit, parseMeta, removeMetaKeys } from './rules.ts';

export interface TextInput {
  type?: string;
  user_id: string;
  content: string;
  meta?: unknown;
}

export interface FileInput {
  user_id: string;
  meta?: unknown;
  /** Optional caption. */
  content?: string;
  filename: string;
  mimetype: string;
  stream: Readable;
  /** True once the upload was cut at the size limit. */
  truncated(): boolean;
}

export interface MessageListParams {
  base_message_id?: number;
  mode?: 'prev' | 'next';
  limit?: number;
  type?: 'text' | 'file';
  content?: string;
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
/** At most `max` UTF-16 units, never half a character: a lone surrogate would be stored as U+FFFD, unlike what the sender was answered. */
const clip = (s: string, max: number): string => {
  const cut = s.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
};
/** Only plain `type/subtype` MIME types are kept; anything else is stored as an opaque binary. */
const SAFE_MIME = /^[a-z0-9][a-z0-9.+-]{0,62}\/[a-z0-9][a-z0-9.+-]{0,126}$/i;

export class MessageService {
  constructor(private readonly ctx: ChatContext) {}

  async sendText(appId: string, channelId: string, input: TextInput): Promise<ChatMessage> {
    if (input.type !== undefined && input.type !== 'text') throw invalid('type must be "text" (files are sent as multipart/form-data)');
    if (typeof input.content !== 'string' || input.content === '' || bytes(input.content) > CHAT_LIMITS.contentMaxBytes) {
      throw invalid(`content must be 1-${CHAT_LIMITS.contentMaxBytes} bytes`);
    }
    const meta = checkMeta(input.meta);
    const sender = await this.checkSender(appId, channelId, input.user_id);
    return this.store(appId, sender, { type: 'text', content: input.content, meta, file: undefined });
  }

  async sendFile(appId: string, channelId: string, input: FileInput): Promise<ChatMessage> {
    const meta = checkMeta(input.meta);
    if (input.content !== undefined && bytes(input.content) > CHAT_LIMITS.contentMaxBytes) throw invalid(`content must be at most ${CHAT_LIMITS.contentMaxBytes} bytes`);
    const sender = await this.checkSender(appId, channelId, input.user_id);
    // Refused before the upload is stored, not only at the write.
    if (await this.ctx.bans.active(appId, channelId, sender.user.user_id, this.ctx.now())) throw banned(sender.user.user_id);
    let saved: { key: string; size: number };
    try {
      saved = await this.ctx.files.save(input.stream, input.truncated);
    } catch (err) {
      if (err instanceof FileTooLargeError) throw fileTooLarge(this.ctx.limits.fileMaxBytes);
      throw err;
    }
    const file = {
      key: saved.key,
      size: saved.size,
      // The name is only ever shown and sent back in Content-Disposition; it never becomes a path.
      name: clip(input.filename || 'file', 255),
      type: SAFE_MIME.test(input.mimetype) ? input.mimetype.toLowerCase() : 'application/octet-stream',
    };
    try {
      return await this.store(appId, sender, { type: 'file', content: input.content, meta, file });
    } catch (err) {
      await this.ctx.files.remove([saved.key]);
      throw err;
    }
  }

  /**
   * Checks what can be checked before the write; the write itself checks the channel, frozen and
   * membership, and a ban (which always ends the membership) where membership is missing.
   */
  private async checkSender(appId: string, channelId: string, userId: unknown) {
    checkChannelId(channelId);
    const id = checkUserId(userId);
    const user = await requireUser(this.ctx, appId, id);
    return { channelId, user };
  }

  private async store(
    appId: string,
    sender: Awaited<ReturnType<MessageService['checkSender']>>,
    body: { type: 'text' | 'file'; content: string | undefined; meta: ChatMeta; file: { key: string; size: number; name: string; type: string } | undefined },
  ): Promise<ChatMessage> {
    const now = this.ctx.now();
    const { user, channelId } = sender;
    const row: NewMessageRow = {
      app_id: appId,
      channel_id: channelId,
      type: body.type,
      user_id: user.user_id,
      content: body.content ?? null,
      file_key: body.file?.key ?? null,
      file_name: body.file?.name ?? null,
      file_type: body.file?.type ?? null,
      file_size: body.file?.size ?? null,
      meta: JSON.stringify(body.meta),
      created_at: now,
      updated_at: now,
    };
    let sent: SendOutcome;
    try {
      sent = await this.ctx.messages.insert(row);
    } catch (err) {
      if (!(err instanceof SendRefused)) throw err;
      if (err.reason === 'missing') throw channelNotFound(channelId);
      if (err.reason === 'frozen') throw frozen(channelId);
      if (err.reason === 'banned') throw banned(user.user_id);
      throw notJoined(user.user_id);
    }
    const stored: MessageWithUser = {
      ...row,
      message_id: sent.messageId,
      user_name: user.name,
      user_profile_url: user.profile_url,
      user_meta: user.meta,
      user_created_at: user.created_at,
      user_updated_at: user.updated_at,
    };
    const message = await this.present(appId, stored);
    // The channel as this send left it: its counters count this message, not later ones.
    const channel = await channelView(this.ctx, appId, sent.channel);
    this.ctx.bus.emit({ type: 'message_send', appId, channel, message });
    return message;
  }

  async list(appId: string, channelId: string, params: MessageListParams): Promise<ChatMessageList> {
    const limit = pageLimit(params.limit);
    if (params.base_message_id !== undefined && (!Number.isInteger(params.base_message_id) || params.base_message_id < 0)) {
      throw invalid('base_message_id must be a non-negative integer');
    }
    if (params.content !== undefined && bytes(params.content) > CHAT_LIMITS.contentMaxBytes) throw invalid(`content must be at most ${CHAT_LIMITS.contentMaxBytes} bytes`);
    await requireChannel(this.ctx, appId, checkChannelId(channelId));
    const rows = await this.ctx.messages.list(appId, channelId, {
      base: params.base_message_id,
      mode: params.mode ?? 'prev',
      limit,
      type: params.type,
      content: params.content,
    });
    const url = await this.ctx.fileUrls.signer(appId);
    return { messages: rows.map((r) => toMessage(r, url)) };
  }

  async get(appId: string, channelId: string, messageId: number): Promise<ChatMessage> {
    return this.present(appId, await this.require(appId, channelId, messageId));
  }

  async delete(appId: string, channelId: string, messageId: number): Promise<ChatMessage> {
    const row = await this.require(appId, channelId, messageId);
    if (!(await this.ctx.messages.delete(appId, channelId, messageId, row.type === 'file'))) throw messageNotFound(messageId);
    if (row.file_key) await this.ctx.files.remove([row.file_key]);
    const message = await this.present(appId, row);
    const channel = await channelView(this.ctx, appId, await requireChannel(this.ctx, appId, channelId));
    this.ctx.bus.emit({ type: 'message_delete', appId, channel, message });
    return message;
  }

  async updateMeta(appId: string, channelId: string, messageId: number, meta: unknown): Promise<ChatMessage> {
    const row = await this.require(appId, channelId, messageId);
    return this.saveMeta(appId, row, mergeMeta(parseMeta(row.meta), checkMeta(meta)));
  }

  async deleteMeta(appId: string, channelId: string, messageId: number, keys: string[] | undefined): Promise<ChatMessage> {
    const row = await this.require(appId, channelId, messageId);
    return this.saveMeta(appId, row, removeMetaKeys(parseMeta(row.meta), keys));
  }

  private async saveMeta(appId: string, row: MessageWithUser, meta: ChatMeta): Promise<ChatMessage> {
    const now = this.ctx.now();
    await this.ctx.messages.updateMeta(appId, row.channel_id, row.message_id, JSON.stringify(meta), now);
    const message = await this.present(appId, { ...row, meta: JSON.stringify(meta), updated_at: now });
    const channel = await channelView(this.ctx, appId, await requireChannel(this.ctx, appId, row.channel_id));
    this.ctx.bus.emit({ type: 'message_update', appId, channel, message });
    return message;
  }

  /** Marks everything in the channel read (or delivered) for `userId`; answers with the receipts. */
  async receipt(appId: string, channelId: string, userId: unknown, kind: 'read' | 'delivered'): Promise<ChatChannel> {
    const id = checkUserId(userId);
    const row = await requireChannel(this.ctx, appId, checkChannelId(channelId));
    await requireUser(this.ctx, appId, id);
    const now = this.ctx.now();
    const marked = kind === 'read' ? await this.ctx.members.markRead(appId, channelId, id, now) : await this.ctx.members.markDelivered(appId, channelId, id, now);
    if (!marked) throw notJoined(id);
    const channel = await channelView(this.ctx, appId, row, { readReceipt: true, deliveryReceipt: true, unread: true });
    this.ctx.bus.emit({ type: kind === 'read' ? 'channel_message_read' : 'channel_message_delivered', appId, channel });
    return channel;
  }

  private async require(appId: string, channelId: string, messageId: number): Promise<MessageWithUser> {
    await requireChannel(this.ctx, appId, checkChannelId(channelId));
    const row = await this.ctx.messages.get(appId, channelId, messageId);
    if (!row) throw messageNotFound(messageId);
    return row;
  }

  /** The wire message; a file's URL is signed afresh at each presentation. */
  private async present(appId: string, row: MessageWithUser): Promise<ChatMessage> {
    return toMessage(row, await this.ctx.fileUrls.signer(appId));
  }
}
