/**
 * The realtime node: the one place where RTCS semantics live. Transports (socket.io v4, legacy 0.9) call
 * it to open sessions, run channel commands and report disconnects; the Service API calls it to publish
 * and to ask who is where. A publish goes node → broker → every node's hub → its local sessions.
 */
import {
  channelKind,
  channelNameProblem,
  isMemberListed,
  needsAuthorisation,
  RTCS_CHANNEL_EVENT,
  type AccessGrant,
  type ChannelResult,
  type ChannelResultType,
  type MemberMap,
  type PresenceNotice,
} from '@parley/protocol';
import type { Logger } from 'pino';
import type { App, AppService } from '../apps/app.service.ts';
import { ACCESS_URL_NOT_VALID, AccessError, claimedApp, verifyAccess, type AccessParams } from './access-url.ts';
import type { Broker } from './broker.ts';
import type { Hub } from './hub.ts';
import { NO_OBSERVER, type RealtimeObserver } from './observer.ts';
import type { OutboundLimits } from './outbound-limits.ts';
import type { PresenceStore } from './presence.ts';
import { FLOOD_REASON, InboundGate, type InboundLimits } from './inbound-gate.ts';
import { newPublicSessionId, Session, type SessionInit } from './session.ts';
import type { WebAuth } from './webauth.ts';
import type { Webhooks } from './webhooks.ts';

export interface RealtimeLimits extends InboundLimits, OutboundLimits {
  subscriptionsPerSession: number;
  /** A presence_/member_ subscribe lists the members only while the channel has at most this many sessions. */
  presenceMembersMax: number;
}

export const DEFAULT_REALTIME_LIMITS: RealtimeLimits = {
  subscriptionsPerSession: 100,
  eventsPerSecond: 50,
  eventsBurst: 200,
  floodDisconnectAfter: 100,
  outboundMax: 1000,
  outboundMaxBytes: 4 * 1024 * 1024,
  presenceMembersMax: 100,
};

export interface RealtimeNodeDeps {
  nodeId: string;
  hub: Hub;
  broker: Broker;
  presence: PresenceStore;
  apps: AppService;
  webauth: WebAuth;
  webhooks: Webhooks;
  accessUrlTtlS: number;
  limits: RealtimeLimits;
  log: Logger;
  observer?: RealtimeObserver;
}

interface SessionState {
  app: App;
  pending: Map<string, Promise<void>>;
}

/** A client whose access URL checked out. */
export interface VerifiedAccess {
  app: App;
  grant: AccessGrant;
  /** The URL's signature `s`, lower-case: sessions are counted per URL by it. */
  signature: string;
}

export type OpenSessionInit = Omit<SessionInit, 'id' | 'appId' | 'user' | 'via' | 'granted'>;

export class RealtimeNode {
  readonly nodeId: string;
  readonly observer: RealtimeObserver;
  private readonly state = new WeakMap<Session, SessionState>();

  constructor(private readonly deps: RealtimeNodeDeps) {
    this.nodeId = deps.nodeId;
    const observer = (this.observer = deps.observer ?? NO_OBSERVER);
    deps.broker.onPublication((p) => {
      observer.delivered(deps.hub.deliver(p.appId, p.channels, p.event, p.data, p.exceptSession));
    });
  }

  /** Checks a connecting client's access parameters; throws AccessError with the reason to show it. */
  async verifyConnection(params: AccessParams): Promise<VerifiedAccess> {
    const appId = claimedApp(params);
    const app = await this.deps.apps.get(appId);
    if (!app) throw new AccessError(ACCESS_URL_NOT_VALID);
    const grant = verifyAccess(params, app, this.deps.accessUrlTtlS, Date.now());
    // Verified above: a string, and the one thing that tells this URL from every other.
    return { app, grant, signature: String(params.s).toLowerCase() };
  }

  /** Registers a verified client and joins the channels its access URL granted. */
  async open(app: App, grant: AccessGrant, init: OpenSessionInit): Promise<Session> {
    const session = new Session({ ...init, id: newPublicSessionId(), appId: app.id, user: grant.user, via: grant.via, granted: grant.channels });
    this.state.set(session, { app, pending: new Map() });
    this.deps.hub.add(session);
    this.deps.webhooks.notify(app, 'connect', session);
    for (const channel of grant.channels) await this.command(session, { command: 'subscribe', name: channel });
    return session;
  }

  /** Handles one `rtcs:channel` payload from a client. Never throws: every outcome is an answer. */
  async command(session: Session, payload: unknown): Promise<void> {
    try {
      await this.runCommand(session, payload);
    } catch (err) {
      // Presence or broker trouble (Redis down in cluster mode): the client gets an error, not silence.
      this.deps.log.warn({ err, session: session.id }, 'channel command failed');
      const p = (payload ?? {}) as { command?: unknown; name?: unknown };
      const type = p.command === 'unsubscribe' ? 'unsubscribe_error' : 'subscribe_error';
      this.reply(session, type, typeof p.name === 'string' ? p.name : '', 'temporarily unavailable, try again');
    }
  }

  private async runCommand(session: Session, payload: unknown): Promise<void> {
    const st = this.state.get(session);
    if (!st || session.closed) return;
    const p = (payload && typeof payload === 'object' ? payload : {}) as { command?: unknown; name?: unknown };
    const name = typeof p.name === 'string' ? p.name : '';
    const command = p.command === 'unsubscribe' ? 'unsubscribe' : 'subscribe';
    if (p.command !== 'subscribe' && p.command !== 'unsubscribe') {
      this.reply(session, 'subscribe_error', name, 'command must be "subscribe" or "unsubscribe"');
      return;
    }
    const problem = channelNameProblem(p.name);
    if (problem) {
      this.reply(session, `${command}_error`, name, problem);
      return;
    }
    if (command === 'subscribe') await this.subscribe(session, name);
    else await this.unsubscribe(session, name);
  }

  /**
   * A flood gate for one client connection (transports make one per connection and run every inbound
   * packet through it). Past the limit the client is logged once, counted, and cut with FLOOD_REASON.
   */
  inboundGate(context: () => Record<string, unknown>, cut: (reason: string) => void): InboundGate {
    return new InboundGate(this.deps.limits, () => {
      this.deps.log.warn(context(), 'client disconnected for flooding');
      this.observer.dropped('flood');
      cut(FLOOD_REASON);
    });
  }

  /** Answers an `rtcs:channel` command that the session's flood gate refused, so the client knows. */
  refuseCommand(session: Session, payload: unknown): void {
    if (session.closed) return;
    const p = (payload && typeof payload === 'object' ? payload : {}) as { command?: unknown; name?: unknown };
    const type = p.command === 'unsubscribe' ? 'unsubscribe_error' : 'subscribe_error';
    this.reply(session, type, typeof p.name === 'string' ? p.name : '', 'too many requests: slow down');
  }

  private async subscribe(session: Session, channel: string): Promise<void> {
    const st = this.state.get(session)!;
    const running = st.pending.get(channel);
    if (running) {
      // A second command for the same channel answers after the first has settled, from the outcome.
      await running;
      if (session.channels.has(channel)) await this.replySubscribed(session, channel);
      else this.reply(session, 'subscribe_error', channel, 'not subscribed: the earlier request was refused');
      return;
    }
    const work = this.doSubscribe(session, st, channel);
    st.pending.set(channel, work);
    try {
      await work;
    } finally {
      st.pending.delete(channel);
    }
  }

  private async doSubscribe(session: Session, st: SessionState, channel: string): Promise<void> {
    const { hub, presence, broker, webauth, webhooks, limits } = this.deps;
    if (session.channels.has(channel)) {
      await this.replySubscribed(session, channel);
      return;
    }
    if (session.channels.size >= limits.subscriptionsPerSession) {
      this.reply(session, 'subscribe_error', channel, `subscription limit of ${limits.subscriptionsPerSession} channels reached`);
      return;
    }
    if (needsAuthorisation(channel) && !session.granted.has(channel)) {
      const decision = await webauth.authorize(st.app, session.user, channel);
      if (!decision.allowed) {
        this.reply(session, 'subscribe_error', channel, decision.reason);
        return;
      }
    }
    if (session.closed) return;
    hub.join(session, channel);
    await presence.add(session.appId, channel, session.id, session.user);
    await this.replySubscribed(session, channel);
    if (channelKind(channel) === 'presence') {
      await broker.publish({
        appId: session.appId,
        channels: [channel],
        event: RTCS_CHANNEL_EVENT,
        data: this.notice('member_join', channel, session),
        exceptSession: session.id,
      });
    }
    webhooks.notify(st.app, 'subscribe', session, channel);
  }

  private async unsubscribe(session: Session, channel: string): Promise<void> {
    const st = this.state.get(session)!;
    await st.pending.get(channel);
    if (!this.deps.hub.leave(session, channel)) {
      this.reply(session, 'unsubscribe_error', channel, 'not subscribed to this channel');
      return;
    }
    await this.deps.presence.remove(session.appId, channel, session.id);
    this.reply(session, 'unsubscribe_success', channel, 'unsubscribed');
    await this.announceLeave(session, channel);
    this.deps.webhooks.notify(st.app, 'unsubscribe', session, channel);
  }

  /** Called by the transport once the client is gone, whatever the cause. */
  async closed(session: Session): Promise<void> {
    const st = this.state.get(session);
    if (!st || session.closed) return;
    session.closed = true;
    const left = this.deps.hub.remove(session);
    for (const channel of left) {
      try {
        await this.deps.presence.remove(session.appId, channel, session.id);
        await this.announceLeave(session, channel);
      } catch (err) {
        // Cluster presence entries expire by themselves; the leave notice is lost with the bus.
        this.deps.log.warn({ err, session: session.id, channel }, 'presence leave failed');
      }
    }
    this.deps.webhooks.notify(st.app, 'disconnect', session);
  }

  /** Publishes to every session of the app subscribed to any of `channels`, on every node. */
  async publish(appId: string, channels: string[], event: string, data: unknown): Promise<void> {
    await this.deps.broker.publish({ appId, channels, event, data });
    this.observer.published(channels.length);
  }

  members(appId: string, channel: string): Promise<MemberMap> {
    return this.deps.presence.members(appId, channel);
  }

  count(appId: string, channel: string): Promise<number> {
    return this.deps.presence.count(appId, channel);
  }

  occupied(appId: string, channel: string): Promise<boolean> {
    return this.deps.presence.occupied(appId, channel);
  }

  /** Disconnects every local session with a reason (shutdown). */
  disconnectAll(reason: string): void {
    for (const session of this.deps.hub.allSessions()) session.close(reason, 'reconnect');
  }

  private async announceLeave(session: Session, channel: string): Promise<void> {
    if (channelKind(channel) !== 'presence') return;
    await this.deps.broker.publish({
      appId: session.appId,
      channels: [channel],
      event: RTCS_CHANNEL_EVENT,
      data: this.notice('member_leave', channel, session),
      exceptSession: session.id,
    });
  }

  private async replySubscribed(session: Session, channel: string): Promise<void> {
    const result: ChannelResult = { type: 'subscribe_success', name: channel, message: 'subscribed' };
    if (isMemberListed(channel)) {
      const { presence, limits } = this.deps;
      // The count first: a large channel's member map would make every join cost as much as the channel.
      result.count = await presence.count(session.appId, channel);
      if (result.count <= limits.presenceMembersMax) result.members = await presence.members(session.appId, channel);
    }
    session.send(RTCS_CHANNEL_EVENT, result);
  }

  private reply(session: Session, type: ChannelResultType, name: string, message: string): void {
    const result: ChannelResult = { type, name, message };
    session.send(RTCS_CHANNEL_EVENT, result);
  }

  private notice(type: PresenceNotice['type'], channel: string, session: Session): PresenceNotice {
    return { type, name: channel, message: '', info: { session: session.id, user: session.user } };
  }
}
