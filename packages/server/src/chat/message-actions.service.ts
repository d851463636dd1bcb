/**
 * What members do with a message once it is sent (DESIGN.md, "Chat beyond the seed"): view it, edit
 * its text, react to it, pin it. Each call takes its caller (access.ts): the server API acts for the
 * app (and, for a reaction, for the member it names), the client API as the calling user.
 *
 * - **View** (as Sendbird's "view a message"): one message as the list presents it; members only
 *   through the client API, and a user who blocked its sender does not see it (1005), as in history.
 * - **Edit**: a text message's content, under the rules of a send and the app's word filter (block:
 *   1020, mask: stars). Through the client API only its sender, in a channel it may send to (not frozen,
 *   not muted); the backend may edit any. Sets `edited_at`; members hear `group:message_update`.
 * - **Reactions**: any member adds or takes back its own reaction `key` (1-32 characters), at most 20
 *   distinct keys per message; both idempotent, and only a change is heard, as
 *   `group:message_reaction (message, channel, {key, user_id, operation})`. A muted member still
 *   reacts (a mute stops its sends only); in a frozen channel, as for pins, only managers do.
 * - **Pins**: Sendbird lets operators pin, GitpleLive has no pins. Here any member may pin or unpin
 *   through the client API unless the channel is frozen, where only its managers may (as a frozen
 *   channel leaves only managers speaking); the backend always may. At most 10 pins, newest first;
 *   members hear `group:channel_update (channel)`.
 */
import { changeEvents, reactionEvents, updateEvents } from './outbox-events.ts';
import { CHAT_LIMITS, type ChatChannel, type ChatMessage, type ChatReactionEvent } from '@parley/protocol';
import { actingFor, appIdOf, roleOf, type Caller, type ChannelAccess } from './access.ts';
import { access, channelView, requireUser, type ChatContext } from './chat-context.ts';
import { banned, channelNotFound, frozen, invalid, messageNotFound, noPermission, notJoined, wordFiltered } from './errors.ts';
import type { MessageWithUser } from './message.repository.ts';
import type { PinRepository } from './pin.repository.ts';
import { toMessage } from './presenter.ts';
import type { ReactionRepository } from './reaction.repository.ts';
import { checkUserId } from './rules.ts';
import { applyWordFilter } from './word-filter.ts';

/** An edit as it arrived (the service checks it). */
export interface EditInput {
  content?: unknown;
}

/** A reaction as it arrived: the key, and for the backend the reacting member. */
export interface ReactionInput {
  key?: unknown;
  user_id?: unknown;
}

// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A reaction key: 1-32 characters (code points, so an emoji counts as one), no control characters. */
export function checkReactionKey(key: unknown): string {
  const length = typeof key === 'string' ? [...key].length : 0;
  if (typeof key !== 'string' || length < 1 || length > CHAT_LIMITS.reactionKeyMax || CONTROL.test(key)) {
    throw invalid(`key must be 1-${CHAT_LIMITS.reactionKeyMax} characters without control characters`);
  }
  return key;
}

export class MessageActionService {
  constructor(
    private readonly ctx: ChatContext,
    private readonly reactions: ReactionRepository,
    private readonly pins: PinRepository,
  ) {}

  /** One message, with its reactions. */
  async get(caller: Caller, channelId: string, messageId: number): Promise<ChatMessage> {
    const granted = await access(this.ctx, caller, channelId, 'member');
    const appId = appIdOf(caller);
    const channel = await granted.channel();
    const row = await this.ctx.messages.get(appId, channel.channel_id, messageId);
    if (!row) throw messageNotFound(messageId);
    if (granted.userId !== undefined && row.user_id !== granted.userId && (await this.ctx.blocks.blockedIdsOf(appId, granted.userId)).includes(row.user_id)) throw messageNotFound(messageId);
    return this.present(appId, row);
  }

  /** Replaces a text message's content (its sender, for a user caller); answers the edited message. */
  async edit(caller: Caller, channelId: string, messageId: number, input: EditInput): Promise<ChatMessage> {
    // A user edits where it could send: a member of an unfrozen channel, not muted.
    const granted = await access(this.ctx, caller, channelId, 'sender');
    const appId = appIdOf(caller);
    const { content } = input;
    if (typeof content !== 'string' || content === '' || Buffer.byteLength(content, 'utf8') > CHAT_LIMITS.contentMaxBytes) {
      throw invalid(`content must be 1-${CHAT_LIMITS.contentMaxBytes} bytes`);
    }
    const channel = await granted.channel();
    const view = await channelView(this.ctx, appId, channel);
    const filter = await this.ctx.wordFilter(appId);
    const row = await this.ctx.messages.edit(
      appId,
      channel.channel_id,
      messageId,
      (stored) => {
        if (granted.userId !== undefined && stored.user_id !== granted.userId) throw noPermission('only the sender may edit this message');
        if (stored.type !== 'text') throw invalid('message_id: only text messages can be edited');
        // After the right to edit, so that the filter's words are never probed by someone who could not edit.
        const outcome = applyWordFilter(filter, content);
        if (outcome.refused) throw wordFiltered();
        return outcome.text;
      },
      this.ctx.now(),
      await updateEvents(this.ctx, appId, view),
    );
    if (!row) throw messageNotFound(messageId);
    const message = await this.present(appId, row);
    this.ctx.bus.emit({ type: 'message_update', appId, channel: view, message });
    return message;
  }

  /** Adds the reaction of the caller (the backend: of the member `user_id`); answers the message. */
  addReaction(caller: Caller, channelId: string, messageId: number, input: ReactionInput): Promise<ChatMessage> {
    return this.react(caller, channelId, messageId, input, 'add');
  }

  /** Takes back the reaction of the caller (the backend: of the member `user_id`); answers the message. */
  removeReaction(caller: Caller, channelId: string, messageId: number, input: ReactionInput): Promise<ChatMessage> {
    return this.react(caller, channelId, messageId, input, 'delete');
  }

  private async react(caller: Caller, channelId: string, messageId: number, input: ReactionInput, operation: ChatReactionEvent['operation']): Promise<ChatMessage> {
    const granted = await access(this.ctx, caller, channelId, 'member');
    refuseFrozen(granted, channelId);
    const appId = appIdOf(caller);
    const userId = checkUserId(actingFor(caller, input.user_id));
    const key = checkReactionKey(input.key);
    const channel = await granted.channel();
    const now = this.ctx.now();
    if (granted.userId === undefined) {
      // The backend names a member: it must exist, belong to the channel and not be banned from it.
      await requireUser(this.ctx, appId, userId);
      const role = await this.ctx.channels.withRole(appId, channel.channel_id, userId, now);
      if (!role) throw channelNotFound(channelId);
      if (roleOf(role).banned) throw banned(userId);
      if (!roleOf(role).member) throw notJoined(userId);
    }
    const reaction: ChatReactionEvent = { key, user_id: userId, operation };
    const view = await channelView(this.ctx, appId, channel);
    const hook = await reactionEvents(this.ctx, appId, view, messageId, reaction);
    const change =
      operation === 'add'
        ? await this.reactions.add(appId, channel.channel_id, messageId, key, userId, CHAT_LIMITS.reactionKeysMax, now, hook)
        : await this.reactions.remove(appId, channel.channel_id, messageId, key, userId, now, hook);
    if (change === 'missing') throw messageNotFound(messageId);
    if (change === 'limit') throw invalid(`key: a message carries at most ${CHAT_LIMITS.reactionKeysMax} distinct reactions`);
    const row = await this.ctx.messages.get(appId, channel.channel_id, messageId);
    if (!row) throw messageNotFound(messageId);
    const message = await this.present(appId, row);
    if (change === 'changed') {
      this.ctx.bus.emit({ type: 'message_reaction', appId, channel: view, message, reaction });
    }
    return message;
  }

  /** Pins the message first among the channel's pins (at most 10); answers the channel. */
  pin(caller: Caller, channelId: string, messageId: number): Promise<ChatChannel> {
    return this.changePin(caller, channelId, messageId, true);
  }

  /** Unpins the message; answers the channel. */
  unpin(caller: Caller, channelId: string, messageId: number): Promise<ChatChannel> {
    return this.changePin(caller, channelId, messageId, false);
  }

  private async changePin(caller: Caller, channelId: string, messageId: number, pinned: boolean): Promise<ChatChannel> {
    const granted = await access(this.ctx, caller, channelId, 'member');
    refuseFrozen(granted, channelId);
    const appId = appIdOf(caller);
    const channel = await granted.channel();
    const now = this.ctx.now();
    const hook = await changeEvents(this.ctx, appId, 'group:channel_update');
    const outcome = pinned
      ? await this.pins.pin(appId, channel.channel_id, messageId, CHAT_LIMITS.pinnedMessagesMax, now, hook)
      : await this.pins.unpin(appId, channel.channel_id, messageId, now, hook);
    if (outcome.result === 'no_channel') throw channelNotFound(channelId);
    if (outcome.result === 'missing') throw messageNotFound(messageId);
    if (outcome.result === 'limit') throw invalid(`message_id: at most ${CHAT_LIMITS.pinnedMessagesMax} messages may be pinned in a channel`);
    const view = await channelView(this.ctx, appId, outcome.channel);
    if (outcome.result === 'changed') this.ctx.bus.emit({ type: 'channel_update', appId, channel: view });
    return view;
  }

  /** The wire message; a file's URL is signed afresh at each presentation. */
  private async present(appId: string, row: MessageWithUser): Promise<ChatMessage> {
    return toMessage(row, await this.ctx.fileUrls.signer(appId));
  }
}

/** A frozen channel leaves reacting and pinning to its managers, for a user caller (the backend always may). */
function refuseFrozen(granted: ChannelAccess, channelId: string): void {
  if (granted.role?.frozen && !granted.role.manager) throw frozen(channelId);
}
