/**
 * The hub owns this node's sessions and their channel subscriptions, per app, independent of any
 * transport's rooms. It delivers a publication to its local subscribers: each session once, even when
 * subscribed to several of the listed channels, and grouped by writer so each transport encodes once.
 */
import type { MemberMap } from '@parley/protocol';
import type { Payload } from './payload.ts';
import type { Session, SessionWriter } from './session.ts';

type ChannelMap = Map<string, Map<string, Session>>;

export class Hub {
  private readonly apps = new Map<string, ChannelMap>();
  private readonly sessions = new Map<string, Session>();

  get sessionCount(): number {
    return this.sessions.size;
  }

  get subscriptionCount(): number {
    let n = 0;
    for (const channels of this.apps.values()) for (const subs of channels.values()) n += subs.size;
    return n;
  }

  add(session: Session): void {
    this.sessions.set(session.id, session);
  }

  get(sessionId: string): Session | undefined {
    return this.sessions.get(sessionId);
  }

  /** Removes the session and all its subscriptions; returns the channels it was in. */
  remove(session: Session): string[] {
    const left = [...session.channels];
    for (const channel of left) this.leave(session, channel);
    this.sessions.delete(session.id);
    return left;
  }

  /** Subscribes; false when the session already was subscribed. */
  join(session: Session, channel: string): boolean {
    if (session.channels.has(channel)) return false;
    let channels = this.apps.get(session.appId);
    if (!channels) this.apps.set(session.appId, (channels = new Map()));
    let subs = channels.get(channel);
    if (!subs) channels.set(channel, (subs = new Map()));
    subs.set(session.id, session);
    session.channels.add(channel);
    return true;
  }

  /** Unsubscribes; false when the session was not subscribed. */
  leave(session: Session, channel: string): boolean {
    if (!session.channels.delete(channel)) return false;
    const channels = this.apps.get(session.appId);
    const subs = channels?.get(channel);
    if (subs) {
      subs.delete(session.id);
      if (subs.size === 0) channels!.delete(channel);
      if (channels!.size === 0) this.apps.delete(session.appId);
    }
    return true;
  }

  /** Local subscribers of a channel: session id → user. */
  members(appId: string, channel: string): MemberMap {
    const out: MemberMap = {};
    const subs = this.apps.get(appId)?.get(channel);
    if (subs) for (const [id, s] of subs) out[id] = s.user;
    return out;
  }

  count(appId: string, channel: string): number {
    return this.apps.get(appId)?.get(channel)?.size ?? 0;
  }

  /** This node's subscribers of a channel (control messages act on them). */
  subscribers(appId: string, channel: string): Session[] {
    return [...(this.apps.get(appId)?.get(channel)?.values() ?? [])];
  }

  allSessions(): Session[] {
    return [...this.sessions.values()];
  }

  /**
   * Delivers `event(...payload)` to every local session of `appId` subscribed to any of `channels`,
   * except `exceptSession` and the sessions of `exceptUser`. Returns the number of sessions written to.
   */
  deliver(appId: string, channels: readonly string[], event: string, payload: Payload, exceptSession?: string, from?: string, exceptUser?: string): number {
    const byChannel = this.apps.get(appId);
    if (!byChannel) return 0;
    if (channels.length === 1) {
      const subs = byChannel.get(channels[0]!);
      if (!subs) return 0;
      return this.write(subs.values(), subs.size, event, payload, exceptSession, from, exceptUser);
    }
    const targets = new Map<string, Session>();
    for (const channel of channels) {
      const subs = byChannel.get(channel);
      if (subs) for (const [id, s] of subs) targets.set(id, s);
    }
    return this.write(targets.values(), targets.size, event, payload, exceptSession, from, exceptUser);
  }

  private write(sessions: Iterable<Session>, size: number, event: string, payload: Payload, except?: string, from?: string, exceptUser?: string): number {
    if (size === 0) return 0;
    // Most publications go to sessions of one transport; group only when they do not.
    const groups = new Map<SessionWriter, Session[]>();
    let n = 0;
    for (const s of sessions) {
      if (s.id === except || s.closed || (from !== undefined && s.blocks?.has(from)) || (exceptUser !== undefined && s.user === exceptUser)) continue;
      let group = groups.get(s.writer);
      if (!group) groups.set(s.writer, (group = []));
      group.push(s);
      n++;
    }
    for (const [writer, group] of groups) writer.deliver(group, event, payload);
    return n;
  }
}
