/**
 * Typing indicators (DESIGN.md, Typing). A member starts or refreshes its typing state in a channel
 * (`PUT …/typing {typing}` or the socket event `typing`), ends it, or lets it end by itself
 * `ttlMs` after its last refresh; sending a message or its last connection closing ends it too. Each
 * change is announced to the channel's other members as `group:channel_typing (channel,
 * typing_user_ids)`, at most once per `intervalMs` per user and channel: a change inside the interval
 * is announced at its end with the list of that moment (refreshes change nothing and are absorbed; a
 * stop is never lost). The states live in a TypingStore (memory, or Redis in cluster mode), so the
 * list is the cluster's, and any node announces a state that ran out, also one whose node died.
 */
import { CHAT_TYPING, type ChatTypingState } from '@parley/protocol';
import type { Logger } from 'pino';
import { appIdOf, type UserCaller } from './access.ts';
import { access, channelView, type ChatContext } from './chat-context.ts';
import { invalid } from './errors.ts';
import type { ChatEventBus } from './events.ts';
import { KeyedChains } from './keyed-chains.ts';
import { typingKey, type TypingEntry, type TypingStore } from './typing-store.ts';

export interface TypingTiming {
  /** A state ends this long after its last refresh. */
  ttlMs: number;
  /** At most one announcement per user and channel within this. */
  intervalMs: number;
  /** How often this node looks for states that ran out. */
  sweepMs: number;
}

export const DEFAULT_TYPING_TIMING: TypingTiming = { ttlMs: CHAT_TYPING.ttlMs, intervalMs: CHAT_TYPING.intervalMs, sweepMs: 250 };

/** States taken per sweep; more wait for the next one. */
const SWEEP_BATCH = 200;

export class TypingService {
  /** Announcements waiting for the end of their interval, by typingKey. */
  private readonly deferred = new Map<string, NodeJS.Timeout>();
  /** The announcements of each channel: the list is read and emitted in order. */
  private readonly announcements = new KeyedChains();
  /**
   * The changes of each user and channel, applied in the order they came: each awaits a membership
   * query first, and on PostgreSQL those answer in any order (a start overtaking the stop after it
   * would leave the user typing).
   */
  private readonly changes = new KeyedChains();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping = false;
  /** The last sweep failed (Redis down): logged once until one succeeds again. */
  private sweepFailing = false;
  private closed = false;

  constructor(
    private readonly ctx: ChatContext,
    private readonly store: TypingStore,
    private readonly log: Logger,
    private readonly timing: TypingTiming = DEFAULT_TYPING_TIMING,
  ) {}

  /**
   * Starts the sweep for states that ran out, and ends a typing state when its user sends a message,
   * leaves the channel or is banned from it.
   */
  start(bus: ChatEventBus): void {
    bus.on((event) => {
      if (event.type === 'message_send') this.end({ appId: event.appId, channelId: event.channel.channel_id, userId: event.message.user.user_id });
      else if (event.type === 'channel_leave' || event.type === 'channel_ban') this.end({ appId: event.appId, channelId: event.channel.channel_id, userId: event.user.user_id });
    });
    this.sweeper = setInterval(() => void this.sweep(), this.timing.sweepMs);
    this.sweeper.unref();
  }

  /**
   * Starts (or refreshes) or ends the caller's typing state in a channel it is a member of; answers
   * who types there now.
   */
  async set(caller: UserCaller, channelId: string, typing: unknown): Promise<ChatTypingState> {
    const entry = await this.change(caller, channelId, typing);
    return { channel_id: entry.channelId, typing_user_ids: await this.store.typing(entry.appId, entry.channelId, this.ctx.now()) };
  }

  /** The socket event `typing {channel_id, typing}` of a chat connection: set() without the list in answer. */
  async fromSocket(caller: UserCaller, payload: unknown): Promise<void> {
    if (typeof payload !== 'object' || payload === null) throw invalid('typing: expected {channel_id, typing}');
    const { channel_id, typing } = payload as Record<string, unknown>;
    if (typeof channel_id !== 'string') throw invalid('channel_id must be a string');
    await this.change(caller, channel_id, typing);
  }

  private async change(caller: UserCaller, channelId: string, typing: unknown): Promise<TypingEntry> {
    if (typeof typing !== 'boolean') throw invalid('typing must be true or false');
    return this.changes.run(typingKey({ appId: appIdOf(caller), channelId, userId: caller.userId }), () => this.apply(caller, channelId, typing));
  }

  private async apply(caller: UserCaller, channelId: string, typing: boolean): Promise<TypingEntry> {
    const row = await (await access(this.ctx, caller, channelId, 'member')).channel();
    const entry = { appId: appIdOf(caller), channelId: row.channel_id, userId: caller.userId };
    const now = this.ctx.now();
    const changed = typing ? await this.store.start(entry, now + this.timing.ttlMs, now) : await this.store.stop(entry);
    if (changed) void this.announce(entry);
    return entry;
  }

  /** The user's last chat connection closed (cluster-wide): its typing states end. */
  async disconnected(appId: string, userId: string): Promise<void> {
    // After close() (shutdown) the stores are going away; the states end by themselves.
    if (this.closed || (await this.ctx.online.online(appId, [userId])).length > 0 || this.closed) return;
    for (const channelId of await this.store.stopAll(appId, userId)) void this.announce({ appId, channelId, userId });
  }

  /** Stops the sweep and the announcements still waiting (shutdown). */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const timer of this.deferred.values()) clearTimeout(timer);
    this.deferred.clear();
  }

  /** Resolves once every change and announcement started so far is done. */
  async idle(): Promise<void> {
    while (this.changes.size > 0 || this.announcements.size > 0) await Promise.all([this.changes.idle(), this.announcements.idle()]);
  }

  private end(entry: TypingEntry): void {
    this.store.stop(entry).then(
      (changed) => {
        if (changed) void this.announce(entry);
      },
      (err: unknown) => this.log.warn({ err }, 'ending a typing state failed'),
    );
  }

  private async sweep(): Promise<void> {
    if (this.sweeping || this.closed) return;
    this.sweeping = true;
    try {
      for (const entry of await this.store.takeExpired(this.ctx.now(), SWEEP_BATCH)) void this.announce(entry);
      if (this.sweepFailing) this.log.info('typing expiry sweep works again');
      this.sweepFailing = false;
    } catch (err) {
      if (!this.sweepFailing) this.log.warn({ err }, 'typing expiry sweep failed; retrying');
      this.sweepFailing = true;
    } finally {
      this.sweeping = false;
    }
  }

  /** Announces a change of `entry` now, or at the end of its interval when one was announced within it. */
  private async announce(entry: TypingEntry): Promise<void> {
    const key = typingKey(entry);
    if (this.closed || this.deferred.has(key)) return;
    try {
      const wait = await this.store.claimAnnounce(entry, this.timing.intervalMs, this.ctx.now());
      if (wait > 0) {
        if (this.deferred.has(key)) return;
        const timer = setTimeout(() => {
          this.deferred.delete(key);
          void this.announce(entry);
        }, wait);
        timer.unref();
        this.deferred.set(key, timer);
        return;
      }
      await this.emit(entry);
    } catch (err) {
      this.log.warn({ err, channel: entry.channelId }, 'typing announcement failed');
    }
  }

  /** Reads who types now and emits it, after the channel's earlier announcements. */
  private emit(entry: TypingEntry): Promise<void> {
    const { appId, channelId, userId } = entry;
    return this.announcements
      .run(`${appId}\n${channelId}`, async () => {
        const row = await this.ctx.channels.get(appId, channelId);
        // A channel deleted meanwhile has nobody left to tell.
        if (!row) return;
        const [typingUserIds, channel] = await Promise.all([this.store.typing(appId, channelId, this.ctx.now()), channelView(this.ctx, appId, row)]);
        this.ctx.bus.emit({ type: 'channel_typing', appId, channel, user: userId, typingUserIds });
      })
      .catch((err: unknown) => this.log.warn({ err, channel: channelId }, 'typing announcement failed'));
  }
}
