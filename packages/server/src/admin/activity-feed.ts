/**
 * The activity tap's implementation (realtime/activity.ts), and the chat's side of it: the node, the
 * hook clients and the chat event bus report what happens; for an app some console watches, it becomes
 * an ActivityEvent in this node's outbox for that app, sent on the console bus every FLUSH_MS to the
 * nodes serving a console on it.
 *
 * Cost: an unwatched app costs one Set lookup per call. A watched one costs at most SAMPLE_RATE_PER_S
 * events per second per node (a token bucket checked before anything is built); the rest are only
 * counted, and the console says how many it did not see. Payloads are previewed, never copied whole.
 */
import { ACTIVITY_PREVIEW_MAX, type ActivityEvent, type WebhookBody } from '@parley/protocol';
import type { ChatDomainEvent } from '../chat/events.ts';
import type { RealtimeActivity } from '../realtime/activity.ts';
import type { Publication } from '../realtime/broker.ts';
import type { HookResult } from '../realtime/hooks-client.ts';
import { TokenBucket } from '../realtime/rate-limit.ts';
import type { Session } from '../realtime/session.ts';
import { previewJson } from './activity-preview.ts';
import type { ConsoleBus } from './console-bus.ts';

/** Events per second (and burst) one node sends of one watched app; beyond that they are counted as dropped. */
export const SAMPLE_RATE_PER_S = 200;
const SAMPLE_BURST = 200;
const FLUSH_MS = 100;
/** A publish names up to 100 channels; the console shows the first few. */
const CHANNELS_SHOWN = 10;
/** Longest user, detail or other free text an event carries. */
const TEXT_MAX = 200;

interface Outbox {
  bucket: TokenBucket;
  events: ActivityEvent[];
  dropped: number;
}

const clip = (s: string): string => (s.length > TEXT_MAX ? `${s.slice(0, TEXT_MAX)}…` : s);

/** Chat events the debug console shows as moderation (the rest of the chat's traffic is left out, sends aside). */
const MODERATION: ReadonlySet<ChatDomainEvent['type']> = new Set(['message_delete', 'channel_freeze', 'channel_unfreeze', 'channel_ban', 'channel_unban', 'channel_delete', 'tokens_revoked']);

export class ActivityFeed implements RealtimeActivity {
  private readonly outboxes = new Map<string, Outbox>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: ConsoleBus,
    private readonly nodeId: string,
  ) {}

  watching(appId: string): boolean {
    return this.bus.watched.size !== 0 && this.bus.watched.has(appId);
  }

  session(type: 'connect' | 'disconnect', s: Session): void {
    if (!this.watching(s.appId) || !this.admit(s.appId)) return;
    this.add(s.appId, { at: Date.now(), type, node: this.nodeId, session: s.id, user: clip(s.user), kind: s.kind, transport: s.transport });
  }

  channel(type: 'subscribe' | 'unsubscribe', s: Session, channel: string): void {
    if (!this.watching(s.appId) || !this.admit(s.appId)) return;
    this.add(s.appId, { at: Date.now(), type, node: this.nodeId, session: s.id, user: clip(s.user), kind: s.kind, channel });
  }

  published(appId: string, channels: readonly string[], event: string, data: unknown): void {
    if (!this.watching(appId) || !this.admit(appId)) return;
    const preview = previewJson(data, ACTIVITY_PREVIEW_MAX);
    const shown = channels.length > CHANNELS_SHOWN ? [...channels.slice(0, CHANNELS_SHOWN), `… ${channels.length - CHANNELS_SHOWN} more`] : [...channels];
    this.add(appId, { at: Date.now(), type: 'publish', node: this.nodeId, channels: shown, event, data: preview.text, ...(preview.truncated ? { truncated: true } : {}) });
  }

  webauth(appId: string, user: string, channel: string, result: HookResult): void {
    if (!this.watching(appId) || !this.admit(appId)) return;
    this.add(appId, { at: Date.now(), type: 'webauth', node: this.nodeId, user: clip(user), channel, outcome: result.outcome, status: result.status, ms: Math.round(result.ms) });
  }

  webhook(appId: string, body: WebhookBody, call: Promise<HookResult>): void {
    if (!this.watching(appId)) return;
    void call.then((result) => {
      if (!this.watching(appId) || !this.admit(appId)) return;
      const channel = 'channel' in body.detail ? body.detail.channel : undefined;
      this.add(appId, { at: Date.now(), type: 'webhook', node: this.nodeId, event: body.type, session: body.session, user: clip(body.user), channel, outcome: result.outcome, status: result.status, ms: Math.round(result.ms) });
    });
  }

  /** Chat sends and moderation, from the chat's event bus (subscribed in the composition root). */
  chat(e: ChatDomainEvent): void {
    if (!this.watching(e.appId) || (e.type !== 'message_send' && !MODERATION.has(e.type)) || !this.admit(e.appId)) return;
    const base = { at: Date.now(), node: this.nodeId };
    switch (e.type) {
      case 'message_send': {
        const m = e.message;
        const preview = m.type === 'file' ? { text: `[file] ${m.file?.name ?? ''}`, truncated: false } : previewJson(m.content ?? '', ACTIVITY_PREVIEW_MAX);
        this.add(e.appId, { ...base, type: 'chat_send', event: 'group:message_send', channel: e.channel.channel_id, user: clip(m.user.user_id), data: preview.text, detail: `message ${m.message_id}`, ...(preview.truncated ? { truncated: true } : {}) });
        return;
      }
      case 'message_delete':
        this.add(e.appId, { ...base, type: 'moderation', event: 'group:message_delete', channel: e.channel.channel_id, user: clip(e.message.user.user_id), detail: `message ${e.message.message_id} deleted` });
        return;
      case 'channel_ban':
      case 'channel_unban':
        this.add(e.appId, { ...base, type: 'moderation', event: `group:${e.type}`, channel: e.channel.channel_id, user: clip(e.user.user_id), detail: clip(e.type === 'channel_ban' ? `banned for ${e.ban.seconds} s${e.ban.reason ? `: ${e.ban.reason}` : ''}` : 'unbanned') });
        return;
      case 'tokens_revoked':
        this.add(e.appId, { ...base, type: 'moderation', event: 'tokens_revoked', user: clip(e.userId), detail: 'session tokens revoked' });
        return;
      case 'channel_freeze':
      case 'channel_unfreeze':
      case 'channel_delete':
        this.add(e.appId, { ...base, type: 'moderation', event: `group:${e.type}`, channel: e.channel.channel_id });
    }
  }

  /** Activity is carried by the console bus, which the node hands ADMIN_BUS messages to. */
  received(m: Publication): void {
    this.bus.received(m);
  }

  /** Takes a sample token; when there is none the event is only counted. */
  private admit(appId: string): boolean {
    let box = this.outboxes.get(appId);
    if (!box) this.outboxes.set(appId, (box = { bucket: new TokenBucket(SAMPLE_RATE_PER_S, SAMPLE_BURST), events: [], dropped: 0 }));
    if (!box.bucket.take()) {
      box.dropped++;
      this.scheduleFlush();
      return false;
    }
    return true;
  }

  private add(appId: string, event: ActivityEvent): void {
    this.outboxes.get(appId)?.events.push(event);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
    this.flushTimer.unref();
  }

  private flush(): void {
    this.flushTimer = undefined;
    for (const [appId, box] of this.outboxes) {
      if (box.events.length > 0 || box.dropped > 0) {
        this.bus.publishActivity(appId, { node: this.nodeId, events: box.events, dropped: box.dropped });
        box.events = [];
        box.dropped = 0;
      } else if (!this.watching(appId)) {
        // Quiet and no longer watched: the outbox (and its bucket) goes.
        this.outboxes.delete(appId);
      }
    }
  }

  /** Sends what is waiting (shutdown). */
  close(): void {
    clearTimeout(this.flushTimer);
    this.flush();
  }
}
