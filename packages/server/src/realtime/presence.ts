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
  close(): Promise<void>;
}

/** Single-node presence: the hub already knows every subscription. */
export class HubPresence implements PresenceStore {
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

  async close(): Promise<void> {}
}
