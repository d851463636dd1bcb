/**
 * A thread's replies (DESIGN.md, Threads): `GET …/messages/{mid}/replies`, paged exactly as the message
 * list. Replies are sent through the message service (a send with `parent_message_id`).
 */
import type { ChatMessageList, ReplyListParams } from '@parley/protocol';
import { appIdOf, userOf, type Caller } from './access.ts';
import { access, type ChatContext } from './chat-context.ts';
import { invalid, messageNotFound } from './errors.ts';
import { toMessage } from './presenter.ts';
import { pageLimit } from './rules.ts';

export class ThreadService {
  constructor(private readonly ctx: ChatContext) {}

  /** The replies to a top-level message of the channel, oldest first (members only, for a user caller). */
  async replies(caller: Caller, channelId: string, messageId: number, params: ReplyListParams): Promise<ChatMessageList> {
    const granted = await access(this.ctx, caller, channelId, 'member');
    const appId = appIdOf(caller);
    const limit = pageLimit(params.limit);
    if (params.base_message_id !== undefined && (!Number.isInteger(params.base_message_id) || params.base_message_id < 0)) {
      throw invalid('base_message_id must be a non-negative integer');
    }
    const channel = await granted.channel();
    const parent = await this.ctx.messages.get(appId, channel.channel_id, messageId);
    if (!parent) throw messageNotFound(messageId);
    if (parent.parent_message_id !== null) throw invalid(`message_id: message ${messageId} is a reply, and threads are one level deep`);
    const rows = await this.ctx.messages.list(appId, channel.channel_id, {
      base: params.base_message_id,
      mode: params.mode ?? 'prev',
      limit,
      viewer: userOf(caller),
      parent: messageId,
    });
    const url = await this.ctx.fileUrls.signer(appId);
    return { messages: rows.map((r) => toMessage(r, url)) };
  }
}
