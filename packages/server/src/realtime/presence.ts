/**
 * Who is subscribed where, for the exists / sessions / count APIs and the member map of a presence
 * subscribe. A single node answers from its hub; cluster mode keeps the same facts in Redis.
 */
import type { MemberMap } from '@parley/protocol';
import type { Hub } from './hub.ts';

export interface PresenceStore {
  /** Records a subscription (after the hub has it). */
  add(appId: string, channel: string, sessionId: string, user: string): Promise<void>;
  /** Forgets a subscription (after the hub has dropped it). */
  remove(appId: string, channel: string, sessionId: string): Promise<void>;
  members(appId: string, channel: string): Promise<MemberMap>;
  count(appId: string, channel: string): Promise<number>;
  occupied(appId: string, channel: string): Promise<boolean>;
  /**
   * Takes one of `max` places named `slot` (e.g. one access URL's sessions) for `holder`, across the
   * cluster; false when all are taken. The places of a node that died free themselves.
   */
  claim(appId: string, slot: string, holder: string, max: number): Promise<boolean>;
  release(appId: string, slot: string, holder: string): Promise<void>;
  /**
   * Remembers for `graceMs` that the sessions on `via` (a user's channel) were moved into `channel` by a
   * control message. Until their nodes have subscribed to `channel` they would miss its traffic, so
   * publications to `channel` also go to `via` meanwhile (recentMoves). A `graceMs` of 0 forgets the
   * move at once (the sessions were moved out again).
   */
  recordMove(appId: string, channel: string, via: string, graceMs: number): Promise<void>;
  /** The `via` channels moved into any of `channels` within their grace period. */
  recentMoves(appId: string, channels: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

/** Single-node presence: the hub already knows every subscription; places are counted here. */
export class HubPresence implements PresenceStore {
  private readonly slots = new Map<string, Set<string>>();

  constructor(private readonly hub: Hub) {}

  async add(): Promise<void> {}
  async remove(): Promise<void> {}

  async members(appId: string, channel: string): Promise<MemberMap> {
    return this.hub.members(appId, channel);
  }

  async count(appId: string, channel: string): Promise<number> {
    return this.hub.count(appId, channel);
  }

  async occupied(appId: string, channel: string): Promise<boolean> {
    return this.hub.count(appId, channel) > 0;
  }

  async claim(appId: string, slot: string, holder: string, max: number): Promise<boolean> {
    const key = `${appId}\n${slot}`;
    let holders = this.slots.get(key);
    if (!holders) this.slots.set(key, (holders = new Set()));
    if (holders.has(holder)) return true;
    if (holders.size >= max) return false;
    holders.add(holder);
    return true;
  }

  async release(appId: string, slot: string, holder: string): Promise<void> {
    const key = `${appId}\n${slot}`;
    const holders = this.slots.get(key);
    if (holders?.delete(holder) && holders.size === 0) this.slots.delete(key);
  }

  /** One node subscribes in the same turn as it moves a session: there is no gap to cover. */
  async recordMove(): Promise<void> {}

  async recentMoves(): Promise<string[]> {
    return [];
  }

  async close(): Promise<void> {}
}
