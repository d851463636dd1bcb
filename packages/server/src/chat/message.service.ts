/**
 * Messages: sending text and files, listing, deletion, meta, and the read/delivery receipts. Each call
 * takes its caller (access.ts). A send checks nothing up front: its own transaction refuses a missing
 * or frozen channel and a non-member, and only a refused send asks the sender's role why. A user may
 * change a message (delete it, its meta) when it sent it or manages the channel.
 */
import type { Readable } from 'node:stream';
import { CHAT_LIMITS, type ChatChannel, type ChatMessage, type ChatMessageList, type ChatMeta, type MessageListParams } from '@parley/protocol';
import { actingFor, appIdOf, roleOf, userOf, type Caller, type ChannelAccess } from './access.ts';
import { access, channelView, requireChannel, requireUser, type ChatContext } from './chat-context.ts';
import { banned, channelNotFound, ChatError, fileTooLarge, frozen, invalid, messageNotFound, blocked as blockedError, muted as mutedError, noPermission, notJoined, wordFiltered } from './errors.ts';
import { FileTooLargeError } from './file-store.ts';
import type { ChannelWithRole } from './channel.repository.ts';
import { SendRefused, type AfterSend, type MessageWithUser, type NewMessageRow, type SendOutcome } from './message.repository.ts';
import { deleteEvents, sendEvents, updateEvents } from './outbox-events.ts';
import { toMessage } from './presenter.ts';
import { checkThreadInput, NO_THREAD, threadRefusal, type ThreadInput } from './thread-rules.ts';
import { applyWordFilter } from './word-filter.ts';
import { checkChannelId, checkMeta, checkUserId, mergeMeta, pageLimit, parseMeta, removeMetaKeys } from './rules.ts';

/** A text send as it arrived (the service checks every field). */
export interface TextInput {
  type?: unknown;
  /** The sender named by the backend (a user caller sends as itself). */
  user_id?: unknown;
  content?: unknown;
  meta?: unknown;
  /** Members to mention (thread-rules.ts). */
  mentioned_user_ids?: unknown;
  /** Reply in this top-level message's thread. */
  parent_message_id?: unknown;
}

export interface FileInput {
  /** The sender named by the backend (a user caller sends as itself). */
  user_id: string;
  meta?: unknown;
  /** Optional caption. */
  content?: string;
  /** Members to mention, and the thread to reply in, as the upload's fields gave them (thread-rules.ts). */
  mentioned_user_ids?: unknown;
  parent_message_id?: unknown;
  filename: string;
  mimetype: string;
  stream: Readable;
  /** True once the upload was cut at the size limit. */
  truncated(): boolean;
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
/** At most `max` UTF-16 units, never half a character: a lone surrogate would be stored as U+FFFD, unlike what the sender was answered. */
const clip = (s: string, max: number): string => {
  const cut = s.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
};
/** Only plain `type/subtype` MIME types are kept; anything else is stored as an opaque binary. */
const SAFE_MIME = /^[a-z0-9][a-z0-9.+-]{0,62}\/[a-z0-9][a-z0-9.+-]{0,126}$/i;

type StoredFile = { key: string; size: number; name: string; type: string };
/** How many times a send refused although its sender's role allowed it (a race with a join or an unfreeze) is tried again. */
const SEND_RETRIES = 1;

export class MessageService {
  constructor(private readonly ctx: ChatContext) {}

  async sendText(caller: Caller, channelId: string, input: TextInput): Promise<ChatMessage> {
    let checked: { content: string; meta: ChatMeta; sender: string; thread: ThreadInput };
    try {
      const { content } = input;
      if (input.type !== undefined && input.type !== 'text') throw invalid('type must be "text" (files are sent as multipart/form-data)');
      if (typeof content !== 'string' || content === '' || bytes(content) > CHAT_LIMITS.contentMaxBytes) throw invalid(`content must be 1-${CHAT_LIMITS.contentMaxBytes} bytes`);
      const meta = checkMeta(input.meta);
      checkChannelId(channelId);
      const thread = checkThreadInput(input);
      checked = { content, meta, sender: checkUserId(actingFor(caller, input.user_id)), thread };
    } catch (err) {
      // A user without the right to send learns that, not what else was wrong with its request.
      if (userOf(caller) !== undefined) await access(this.ctx, caller, channelId, 'sender');
      throw err;
    }
    return this.store(caller, channelId, checked.sender, { type: 'text', content: checked.content, meta: checked.meta, file: undefined, thread: checked.thread });
  }

  /**
   * `read` parses the upload's fields and hands over its file stream: a user caller's right to send is
   * checked before, the backend's sender (named in those fields) after; both before the file is stored.
   */
  async sendFile(caller: Caller, channelId: string, read: () => Promise<FileInput>): Promise<ChatMessage> {
    if (userOf(caller) !== undefined) await access(this.ctx, caller, channelId, 'sender');
    const input = await read();
    const meta = checkMeta(input.meta);
    if (input.content !== undefined && bytes(input.content) > CHAT_LIMITS.contentMaxBytes) throw invalid(`content must be at most ${CHAT_LIMITS.contentMaxBytes} bytes`);
    checkChannelId(channelId);
    const thread = checkThreadInput(input);
    const sender = checkUserId(actingFor(caller, input.user_id));
    if (userOf(caller) === undefined) {
      // Refused before the upload is stored, not only at the write; a ban is named first, as ever.
      await requireUser(this.ctx, appIdOf(caller), sender);
      const role = await this.ctx.channels.withRole(appIdOf(caller), channelId, sender, this.ctx.now());
      if (role?.is_banned) throw banned(sender);
      this.backendRefusal(channelId, sender, role);
    }
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
      return await this.store(caller, channelId, sender, { type: 'file', content: input.content, meta, file, thread });
    } catch (err) {
      await this.ctx.files.remove([saved.key]);
      throw err;
    }
  }

  /** The server API's refusal of a sender whose channel role (undefined: no such channel) does not allow the send. */
  private backendRefusal(channelId: string, sender: string, row: ChannelWithRole | undefined): void {
    if (!row) throw channelNotFound(channelId);
    const role = roleOf(row);
    if (role.frozen) throw frozen(channelId);
    if (role.banned) throw banned(sender);
    if (!role.member) throw notJoined(sender);
    if (role.muted) throw mutedError(sender);
  }

  /** Why the send of `sender` was refused, as the caller's API says it; undefined when nothing forbids it (any more). */
  private async refusal(caller: Caller, channelId: string, sender: string): Promise<ChatError | undefined> {
    try {
      if (userOf(caller) !== undefined) {
        await access(this.ctx, caller, channelId, 'sender');
      } else {
        await requireUser(this.ctx, appIdOf(caller), sender);
        this.backendRefusal(channelId, sender, await this.ctx.channels.withRole(appIdOf(caller), channelId, sender, this.ctx.now()));
      }
      if (await this.ctx.blocks.blockedInOneToOne(appIdOf(caller), channelId, sender)) return blockedError();
      return undefined;
    } catch (err) {
      if (err instanceof ChatError) return err;
      throw err;
    }
  }

  private async store(
    caller: Caller,
    channelId: string,
    sender: string,
    body: { type: 'text' | 'file'; content: string | undefined; meta: ChatMeta; file: StoredFile | undefined; thread: ThreadInput },
  ): Promise<ChatMessage> {
    const appId = appIdOf(caller);
    const content = body.content === undefined ? undefined : await this.filtered(caller, channelId, sender, body.content);
    const now = this.ctx.now();
    const row: NewMessageRow = {
      app_id: appId,
      channel_id: channelId,
      type: body.type,
      user_id: sender,
      content: content ?? null,
      file_key: body.file?.key ?? null,
      file_name: body.file?.name ?? null,
      file_type: body.file?.type ?? null,
      file_size: body.file?.size ?? null,
      meta: JSON.stringify(body.meta),
      created_at: now,
      updated_at: now,
      edited_at: null,
      parent_message_id: body.thread.parentId ?? null,
      mentioned_user_ids: JSON.stringify(body.thread.mentioned),
    };
    const events = await sendEvents(this.ctx, appId, row);
    const sent = await this.insert(caller, row, events?.also);
    const url = await this.ctx.fileUrls.signer(appId);
    const shown = events?.presented(sent);
    const message = shown?.message ?? toMessage({ ...row, ...NO_THREAD, message_id: sent.messageId, ...sent.sender }, url);
    // The channel as this send left it: its counters count this message, not later ones.
    const channel = shown?.channel ?? (await channelView(this.ctx, appId, sent.channel));
    this.ctx.bus.emit({ type: 'message_send', appId, channel, message });
    if (sent.parent) this.ctx.bus.emit({ type: 'thread_update', appId, channel, message: toMessage(sent.parent, url) });
    if (sent.mentioned.length > 0) this.ctx.bus.emit({ type: 'message_mention', appId, channel, message, userIds: sent.mentioned });
    return message;
  }

  /**
   * The text as the app's word filter lets it through (masked), or 1020 when it blocks it — unless the
   * sender may not send here at all, which is said first (a refusal must not reveal the filter's words
   * to someone who could not have posted).
   */
  private async filtered(caller: Caller, channelId: string, sender: string, text: string): Promise<string> {
    const outcome = applyWordFilter(await this.ctx.wordFilter(appIdOf(caller)), text);
    if (!outcome.refused) return outcome.text;
    throw (await this.refusal(caller, channelId, sender)) ?? wordFiltered();
  }

  /** Stores the message; a refused send is answered with what the sender's role forbids. */
  private async insert(caller: Caller, row: NewMessageRow, also: AfterSend | undefined): Promise<SendOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.ctx.messages.insert(row, also);
      } catch (err) {
        if (!(err instanceof SendRefused)) throw err;
        const why = (await this.refusal(caller, row.channel_id, row.user_id)) ?? (await threadRefusal(this.ctx, row));
        if (why) throw why;
        if (attempt >= SEND_RETRIES) throw notJoined(row.user_id);
      }
    }
  }

  async list(caller: Caller, channelId: string, params: MessageListParams): Promise<ChatMessageList> {
    const granted = await access(this.ctx, caller, channelId, 'member');
    const appId = appIdOf(caller);
    const limit = pageLimit(params.limit);
    if (params.base_message_id !== undefined && (!Number.isInteger(params.base_message_id) || params.base_message_id < 0)) {
      throw invalid('base_message_id must be a non-negative integer');
    }
    if (params.content !== undefined && bytes(params.content) > CHAT_LIMITS.contentMaxBytes) throw invalid(`content must be at most ${CHAT_LIMITS.contentMaxBytes} bytes`);
    const row = await granted.channel();
    const rows = await this.ctx.messages.list(appId, row.channel_id, {
      base: params.base_message_id,
      mode: params.mode ?? 'prev',
      limit,
      type: params.type,
      content: params.content,
      viewer: userOf(caller),
      includeReplies: params.include_replies === true,
    });
    const url = await this.ctx.fileUrls.signer(appId);
    return { messages: rows.map((r) => toMessage(r, url)) };
  }

  /** Its sender or a manager, for a user caller. */
  async delete(caller: Caller, channelId: string, messageId: number): Promise<ChatMessage> {
    const granted = await access(this.ctx, caller, channelId, 'member');
    const appId = appIdOf(caller);
    const row = await this.require(granted, messageId);
    mayChange(granted, row);
    const parentId = row.parent_message_id === null ? null : Number(row.parent_message_id);
    const message = await this.present(appId, row);
    const deleted = await this.ctx.messages.delete(appId, row.channel_id, messageId, row.type === 'file', parentId, await deleteEvents(this.ctx, appId, message));
    if (!deleted) throw messageNotFound(messageId);
    if (row.file_key) await this.ctx.files.remove([row.file_key]);
    const channel = await channelView(this.ctx, appId, await requireChannel(this.ctx, appId, row.channel_id));
    this.ctx.bus.emit({ type: 'message_delete', appId, channel, message });
    // Its pin went with it (DESIGN.md, Pins).
    if (deleted.unpinned) this.ctx.bus.emit({ type: 'channel_update', appId, channel });
    // A deleted reply leaves its thread one shorter (its repliers stay as they were).
    const parent = parentId === null ? undefined : await this.ctx.messages.get(appId, row.channel_id, parentId);
    if (parent) this.ctx.bus.emit({ type: 'thread_update', appId, channel, message: await this.present(appId, parent) });
    return message;
  }

  /** Sets the given meta keys, keeping the others (its sender or a manager, for a user caller). */
  async updateMeta(caller: Caller, channelId: string, messageId: number, meta: unknown): Promise<ChatMessage> {
    return this.changeMeta(caller, channelId, messageId, (current) => mergeMeta(current, checkMeta(meta)));
  }

  /** Removes the listed meta keys, all without a list (its sender or a manager, for a user caller). */
  async deleteMeta(caller: Caller, channelId: string, messageId: number, keys: string[] | undefined): Promise<ChatMessage> {
    return this.changeMeta(caller, channelId, messageId, (current) => removeMetaKeys(current, keys));
  }

  /** Reads, changes and stores the meta in one transaction, so that concurrent changes never undo one another. */
  private async changeMeta(caller: Caller, channelId: string, messageId: number, change: (meta: ChatMeta) => ChatMeta): Promise<ChatMessage> {
    const granted = await access(this.ctx, caller, channelId, 'member');
    const appId = appIdOf(caller);
    const channel = await granted.channel();
    const view = await channelView(this.ctx, appId, channel);
    const row = await this.ctx.messages.changeMeta(
      appId,
      channel.channel_id,
      messageId,
      (stored) => {
        mayChange(granted, stored);
        return JSON.stringify(change(parseMeta(stored.meta)));
      },
      this.ctx.now(),
      await updateEvents(this.ctx, appId, view),
    );
    if (!row) throw messageNotFound(messageId);
    const message = await this.present(appId, row);
    this.ctx.bus.emit({ type: 'message_update', appId, channel: view, message });
    return message;
  }

  /** Marks everything in the channel read (or delivered) for the user (a user caller: itself); answers with the receipts. */
  async receipt(caller: Caller, channelId: string, userId: unknown, kind: 'read' | 'delivered'): Promise<ChatChannel> {
    const granted = await access(this.ctx, caller, channelId, 'member');
    const appId = appIdOf(caller);
    const id = checkUserId(actingFor(caller, userId));
    const row = await granted.channel();
    // A user caller was just found by its token; the backend names a user that must exist.
    if (granted.userId === undefined) await requireUser(this.ctx, appId, id);
    const now = this.ctx.now();
    const marked = kind === 'read' ? await this.ctx.members.markRead(appId, row.channel_id, id, now) : await this.ctx.members.markDelivered(appId, row.channel_id, id, now);
    if (!marked) throw notJoined(id);
    const channel = await channelView(this.ctx, appId, row, { readReceipt: true, deliveryReceipt: true, unread: true });
    this.ctx.bus.emit({ type: kind === 'read' ? 'channel_message_read' : 'channel_message_delivered', appId, channel });
    return channel;
  }

  /** The message with its sender; 1003 when the channel does not exist, 1005 when the message does not. */
  private async require(granted: ChannelAccess, messageId: number): Promise<MessageWithUser> {
    const channel = await granted.channel();
    const row = await this.ctx.messages.get(channel.app_id, channel.channel_id, messageId);
    if (!row) throw messageNotFound(messageId);
    return row;
  }

  /** The wire message; a file's URL is signed afresh at each presentation. */
  private async present(appId: string, row: MessageWithUser): Promise<ChatMessage> {
    return toMessage(row, await this.ctx.fileUrls.signer(appId));
  }
}

/** A user changes a message only when it sent it or manages the channel; the backend always may. */
function mayChange(granted: ChannelAccess, message: MessageWithUser): void {
  if (granted.userId === undefined || message.user_id === granted.userId || granted.role?.manager) return;
  throw noPermission('only the sender or a manager may change this message');
}
