/**
 * The realtime node: the one core both faces ride. Transports (socket.io v4, legacy 0.9) open sessions
 * on it — RTCS clients of access URLs, and chat connections, which the server subscribes to their user's
 * internal channels (internal-channels.ts) — run channel commands and report disconnects; the Service
 * API and the chat bridge publish through it; control messages move a user's sessions between channels
 * or end them, cluster-wide. A publish goes node → broker → the hub of every node hosting one of its
 * channels → its local sessions.
 */
import {
  channelKind,
  commandRefusal,
  isMemberListed,
  needsAuthorisation,
  readChannelCommand,
  RTCS_CHANNEL_EVENT,
  type AccessGrant,
  type ChannelResult,
  type ChannelResultType,
  type MemberMap,
  type PresenceNotice,
} from '@parley/protocol';
import type { Logger } from 'pino';
import type { App, AppService } from '../apps/app.service.ts';
import { ADMIN_BUS, NO_ACTIVITY, type RealtimeActivity } from './activity.ts';
import { ACCESS_URL_NOT_VALID, AccessError, claimedApp, verifyAccess, type AccessParams } from './access-url.ts';
import { isControl, newMessageId, type Broker, type Control, type ControlMessage } from './broker.ts';
import { BrokerSubscriptions } from './broker-subscriptions.ts';
import type { Hub } from './hub.ts';
import { FLOOD_REASON, InboundGate, type FloodPolicy, type FloodTarget, type InboundLimits } from './inbound-gate.ts';
import { tracksPresence, userChannel } from './internal-channels.ts';
import { NO_OBSERVER, type RealtimeObserver } from './observer.ts';
import type { OutboundLimits } from './outbound-limits.ts';
import { Payload } from './payload.ts';
import type { PresenceStore } from './presence.ts';
import { newPublicSessionId, Session, type SessionInit } from './session.ts';
import type { WebAuth } from './webauth.ts';
import type { Webhooks } from './webhooks.ts';

/** How long publications to a channel also reach the sessions just moved into it (see recordMove). */
const MOVE_GRACE_MS = 5_000;

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
  /** The operator console's debug stream (activity.ts). */
  activity?: RealtimeActivity;
  /** How long a channel stays subscribed at the broker after its last local subscriber left. */
  unsubscribeLingerMs?: number;
}

interface SessionState {
  app: App;
  /** Subscribes under way, by channel; made on the first (most sessions never need one after connect). */
  pending?: Map<string, Promise<void>>;
  /** InternalSessionSpec.closed of a chat session. */
  onClosed?: () => void;
}

/** A client whose access URL checked out. */
export interface VerifiedAccess {
  app: App;
  grant: AccessGrant;
  /** The URL's signature `s`, lower-case: sessions are counted per URL by it. */
  signature: string;
}

export type OpenSessionInit = Omit<SessionInit, 'kind' | 'id' | 'appId' | 'user' | 'via' | 'granted'>;

/** A chat connection, verified by the chat: its app, its user, and the internal channels it starts in. */
export interface InternalSessionSpec {
  app: App;
  user: string;
  /** Read after the session is on its user's channel, so no membership change in between is missed. */
  channels(): Promise<string[]>;
  /** Users whose publications this session must not receive (chat blocks), read at the same point. */
  blocked?(): Promise<string[]>;
  /** Called once the session is gone, its presence removed (the chat ends the user's typing states). */
  closed?(): void;
}

export class RealtimeNode {
  readonly nodeId: string;
  readonly observer: RealtimeObserver;
  readonly activity: RealtimeActivity;
  private readonly state = new WeakMap<Session, SessionState>();
  private readonly subscriptions: BrokerSubscriptions;
  private readonly floodPolicy: FloodPolicy;

  constructor(private readonly deps: RealtimeNodeDeps) {
    this.nodeId = deps.nodeId;
    const observer = (this.observer = deps.observer ?? NO_OBSERVER);
    const activity = (this.activity = deps.activity ?? NO_ACTIVITY);
    this.floodPolicy = { limits: deps.limits, flooded: (target) => this.flooded(target) };
    this.subscriptions = new BrokerSubscriptions(deps.broker, (appId, channel) => deps.hub.count(appId, channel), deps.unsubscribeLingerMs);
    deps.broker.onMessage((m) => {
      if (isControl(m)) this.apply(m);
      else if (m.appId === ADMIN_BUS) activity.received(m);
      else observer.delivered(deps.hub.deliver(m.appId, m.channels, m.event, m.payload, m.exceptSession, m.from, m.exceptUser));
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
    const session = new Session({ ...init, kind: 'rtcs', id: newPublicSessionId(), appId: app.id, user: grant.user, via: grant.via, granted: grant.channels });
    this.state.set(session, { app });
    this.deps.hub.add(session);
    this.activity.session('connect', session);
    this.deps.webhooks.notify(app, 'connect', session);
    for (const channel of grant.channels) await this.command(session, { command: 'subscribe', name: channel });
    return session;
  }

  /**
   * Registers a chat connection: on its user's channel first, then on the channels `spec` names. A
   * chat session sends no RTCS webhooks and takes no commands; the server moves it between channels.
   */
  async openInternal(spec: InternalSessionSpec, init: OpenSessionInit): Promise<Session> {
    const session = new Session({ ...init, kind: 'chat', id: newPublicSessionId(), appId: spec.app.id, user: spec.user, via: 'chat', granted: [] });
    this.state.set(session, { app: spec.app, onClosed: spec.closed });
    this.deps.hub.add(session);
    this.activity.session('connect', session);
    try {
      await this.join(session, userChannel(spec.user));
      // Side by side: each is one broker subscription (a round trip) on the channel's first local member.
      const [channels, blocked] = await Promise.all([spec.channels(), spec.blocked?.() ?? []]);
      if (blocked.length > 0) session.blocks = new Set(blocked);
      await Promise.all(channels.map((channel) => this.join(session, channel)));
    } catch (err) {
      // Half open (the bus or the database failed): nothing of it may stay behind.
      await this.closed(session);
      throw err;
    }
    return session;
  }

  /** Handles one `rtcs:channel` payload from a client. Never throws: every outcome is an answer. */
  async command(session: Session, payload: unknown): Promise<void> {
    try {
      await this.runCommand(session, payload);
    } catch (err) {
      // Presence or broker trouble (Redis down in cluster mode): the client gets an error, not silence.
      this.deps.log.warn({ err, session: session.id }, 'channel command failed');
      this.answer(session, commandRefusal(payload, 'temporarily unavailable, try again'));
    }
  }

  private async runCommand(session: Session, payload: unknown): Promise<void> {
    const st = this.state.get(session);
    if (!st || session.closed || session.kind !== 'rtcs') return;
    // Parsed with the protocol's ChannelCommand schema; a refusal says why in the name rule's words.
    const read = readChannelCommand(payload);
    if ('refusal' in read) {
      this.answer(session, read.refusal);
      return;
    }
    const { command, name } = read.command;
    if (command === 'subscribe') await this.subscribe(session, name);
    else await this.unsubscribe(session, name);
  }

  /**
   * A flood gate for one client connection (transports make one per connection and run every inbound
   * packet through it). Past the limit the client is logged once, counted, and cut with FLOOD_REASON.
   */
  inboundGate(target: FloodTarget): InboundGate {
    return new InboundGate(this.floodPolicy, target);
  }

  /** What is done with a flooding client, whatever its transport: logged once, counted, cut off. */
  private flooded(target: FloodTarget): void {
    this.deps.log.warn(target.floodContext(), 'client disconnected for flooding');
    this.observer.dropped('flood');
    target.cutOff(FLOOD_REASON);
  }

  /** Answers an `rtcs:channel` command that the session's flood gate refused, so the client knows. */
  refuseCommand(session: Session, payload: unknown): void {
    if (session.closed) return;
    this.answer(session, commandRefusal(payload, 'too many requests: slow down'));
  }

  private async subscribe(session: Session, channel: string): Promise<void> {
    const st = this.state.get(session)!;
    const running = st.pending?.get(channel);
    if (running) {
      // A second command for the same channel answers after the first has settled, from the outcome.
      await running;
      if (session.channels.has(channel)) await this.replySubscribed(session, channel);
      else this.reply(session, 'subscribe_error', channel, 'not subscribed: the earlier request was refused');
      return;
    }
    const work = this.doSubscribe(session, st, channel);
    const pending = (st.pending ??= new Map());
    pending.set(channel, work);
    try {
      await work;
    } finally {
      pending.delete(channel);
      if (pending.size === 0 && st.pending === pending) st.pending = undefined;
    }
  }

  private async doSubscribe(session: Session, st: SessionState, channel: string): Promise<void> {
    const { webauth, webhooks, limits } = this.deps;
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
    await this.join(session, channel);
    await this.replySubscribed(session, channel);
    this.activity.channel('subscribe', session, channel);
    if (channelKind(channel) === 'presence') await this.notify(session, 'member_join', channel);
    webhooks.notify(st.app, 'subscribe', session, channel);
  }

  private async unsubscribe(session: Session, channel: string): Promise<void> {
    const st = this.state.get(session)!;
    await st.pending?.get(channel);
    if (!(await this.leave(session, channel))) {
      this.reply(session, 'unsubscribe_error', channel, 'not subscribed to this channel');
      return;
    }
    this.reply(session, 'unsubscribe_success', channel, 'unsubscribed');
    this.activity.channel('unsubscribe', session, channel);
    await this.announceLeave(session, channel);
    this.deps.webhooks.notify(st.app, 'unsubscribe', session, channel);
  }

  /** Called by the transport once the client is gone, whatever the cause. */
  async closed(session: Session): Promise<void> {
    const st = this.state.get(session);
    if (!st || session.closed) return;
    session.closed = true;
    this.activity.session('disconnect', session);
    const left = this.deps.hub.remove(session);
    for (const channel of left) {
      this.subscriptions.release(session.appId, channel);
      try {
        if (tracksPresence(channel)) await this.deps.presence.remove(session.appId, channel, session.id);
        await this.announceLeave(session, channel);
      } catch (err) {
        // Cluster presence entries expire by themselves; the leave notice is lost with the bus.
        this.deps.log.warn({ err, session: session.id, channel }, 'presence leave failed');
      }
    }
    if (session.kind === 'rtcs') this.deps.webhooks.notify(st.app, 'disconnect', session);
    st.onClosed?.();
  }

  /**
   * Publishes `event(data)` (an RTCS publication: the client gets the bare data) to every session of
   * the app subscribed to any of `channels`, on every node. `dataJson`: `data` as JSON, when the caller
   * made it already (the API measures it), so that it is not serialised again.
   */
  async publish(appId: string, channels: string[], event: string, data: unknown, dataJson?: string): Promise<void> {
    const payload = dataJson === undefined ? Payload.of([data]) : Payload.fromJson(`[${dataJson}]`);
    await this.deps.broker.publish({ id: newMessageId(), appId, channels, event, payload });
    this.observer.published(channels.length);
    this.activity.published(appId, channels, event, data);
  }

  /**
   * Publishes `event(...args)` on internal channels (a chat event); each session receives it once, also
   * one moved into a listed channel a moment ago whose node may not have subscribed yet. `exceptUser`:
   * a chat user whose sessions must not receive it.
   */
  async publishInternal(appId: string, channels: string[], event: string, args: unknown[], from?: string, exceptUser?: string): Promise<void> {
    const moved = await this.deps.presence.recentMoves(appId, channels);
    await this.deps.broker.publish({
      id: newMessageId(),
      appId,
      channels: moved.length > 0 ? [...new Set([...channels, ...moved])] : channels,
      event,
      payload: Payload.of(args),
      ...(from === undefined ? {} : { from }),
      ...(exceptUser === undefined ? {} : { exceptUser }),
    });
  }

  /** Acts on every session subscribed to `channel`, on every node, after what was published there before. */
  async control(appId: string, channel: string, control: Control): Promise<void> {
    if (control.op === 'join' || control.op === 'leave') await this.deps.presence.recordMove(appId, control.channel, channel, control.op === 'join' ? MOVE_GRACE_MS : 0);
    await this.deps.broker.publish({ id: newMessageId(), appId, channel, control });
  }

  /** Which of these users have a live chat connection, cluster-wide. */
  async online(appId: string, userIds: readonly string[]): Promise<string[]> {
    const flags = await Promise.all(userIds.map((u) => this.deps.presence.occupied(appId, userChannel(u))));
    return userIds.filter((_, i) => flags[i]);
  }

  /** Subscribes a session: the hub, the broker (awaited on the channel's first local subscriber), presence. */
  private async join(session: Session, channel: string): Promise<void> {
    if (!this.deps.hub.join(session, channel)) return;
    try {
      await this.subscriptions.acquire(session.appId, channel);
      if (tracksPresence(channel)) await this.deps.presence.add(session.appId, channel, session.id, session.user);
    } catch (err) {
      this.deps.hub.leave(session, channel);
      this.subscriptions.release(session.appId, channel);
      throw err;
    }
  }

  /** Unsubscribes a session; false when it was not subscribed. */
  private async leave(session: Session, channel: string): Promise<boolean> {
    if (!this.deps.hub.leave(session, channel)) return false;
    this.subscriptions.release(session.appId, channel);
    if (tracksPresence(channel)) await this.deps.presence.remove(session.appId, channel, session.id);
    return true;
  }

  /** A control message reached this node: it acts on the local sessions subscribed to its channel. */
  private apply(m: ControlMessage): void {
    for (const session of this.deps.hub.subscribers(m.appId, m.channel)) {
      this.act(session, m.channel, m.control).catch((err: unknown) => this.deps.log.warn({ err, session: session.id, control: m.control.op }, 'control message failed'));
    }
  }

  private async act(session: Session, channel: string, control: Control): Promise<void> {
    switch (control.op) {
      case 'join':
        return this.join(session, control.channel);
      case 'leave':
        await this.leave(session, control.channel);
        return;
      case 'drop':
        await this.leave(session, channel);
        return;
      case 'close':
        if (control.session === undefined || control.session === session.id) session.close(control.reason, 'kick');
        return;
      case 'block':
        (session.blocks ??= new Set()).add(control.user);
        return;
      case 'unblock':
        session.blocks?.delete(control.user);
    }
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
    this.subscriptions.clear();
  }

  private async announceLeave(session: Session, channel: string): Promise<void> {
    if (channelKind(channel) === 'presence') await this.notify(session, 'member_leave', channel);
  }

  /** A presence notice about `session` to the channel's other sessions, on every node. */
  private async notify(session: Session, type: PresenceNotice['type'], channel: string): Promise<void> {
    const notice: PresenceNotice = { type, name: channel, message: '', info: { session: session.id, user: session.user } };
    await this.deps.broker.publish({ id: newMessageId(), appId: session.appId, channels: [channel], event: RTCS_CHANNEL_EVENT, payload: Payload.of([notice]), exceptSession: session.id });
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
    this.answer(session, { type, name, message });
  }

  private answer(session: Session, result: ChannelResult): void {
    session.send(RTCS_CHANNEL_EVENT, result);
  }
}
