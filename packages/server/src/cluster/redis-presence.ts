/**
 * Cluster-wide presence in Redis. Each subscription is a member of a per-channel sorted set scored by
 * its expiry, plus the user in a per-channel hash. Every node re-asserts its live subscriptions each
 * heartbeat; the entries of a node that died are not renewed and drop out after `ttlMs` — counts heal
 * by themselves within ttlMs, and after a Redis restart the next heartbeat restores every live entry.
 * The keys themselves expire `ttlMs` after their last renewal, so a cluster that stopped altogether
 * leaves nothing behind in Redis.
 */
import type { MemberMap } from '@parley/protocol';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Hub } from '../realtime/hub.ts';
import type { PresenceStore } from '../realtime/presence.ts';
import type { RedisKeys } from './redis-keys.ts';

export interface RedisPresenceOptions {
  /** How long an entry lives without renewal. */
  ttlMs: number;
  /** How often this node renews its entries (well under ttlMs). */
  heartbeatMs: number;
}

export const DEFAULT_PRESENCE_TIMING: RedisPresenceOptions = { ttlMs: 30_000, heartbeatMs: 10_000 };

// Drops expired entries from both structures, then returns the live session → user pairs.
const MEMBERS_SCRIPT = `
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
  redis.call('HDEL', KEYS[2], unpack(expired))
end
return redis.call('HGETALL', KEYS[2])
`;

export class RedisPresence implements PresenceStore {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly hub: Hub,
    private readonly log: Logger,
    private readonly keys: RedisKeys,
    private readonly options: RedisPresenceOptions = DEFAULT_PRESENCE_TIMING,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.heartbeat().catch((err: unknown) => this.log.warn({ err }, 'presence heartbeat failed; retrying next beat'));
    }, this.options.heartbeatMs);
    this.timer.unref();
  }

  /** Renews (or re-creates) every local subscription's entry. */
  async heartbeat(): Promise<void> {
    const expiry = Date.now() + this.options.ttlMs;
    const pipeline = this.redis.pipeline();
    const keys = new Set<string>();
    for (const session of this.hub.allSessions()) {
      for (const channel of session.channels) {
        const exp = this.keys.presenceExpiry(session.appId, channel);
        const info = this.keys.presenceInfo(session.appId, channel);
        pipeline.zadd(exp, expiry, session.id);
        pipeline.hset(info, session.id, session.user);
        keys.add(exp).add(info);
      }
    }
    for (const key of keys) pipeline.pexpire(key, this.options.ttlMs);
    if (keys.size > 0) await pipeline.exec();
  }

  async add(appId: string, channel: string, sessionId: string, user: string): Promise<void> {
    const exp = this.keys.presenceExpiry(appId, channel);
    const info = this.keys.presenceInfo(appId, channel);
    await this.redis
      .multi()
      .hset(info, sessionId, user)
      .zadd(exp, Date.now() + this.options.ttlMs, sessionId)
      .pexpire(info, this.options.ttlMs)
      .pexpire(exp, this.options.ttlMs)
      .exec();
  }

  async remove(appId: string, channel: string, sessionId: string): Promise<void> {
    await this.redis.multi().zrem(this.keys.presenceExpiry(appId, channel), sessionId).hdel(this.keys.presenceInfo(appId, channel), sessionId).exec();
  }

  async members(appId: string, channel: string): Promise<MemberMap> {
    const flat = (await this.redis.eval(MEMBERS_SCRIPT, 2, this.keys.presenceExpiry(appId, channel), this.keys.presenceInfo(appId, channel), Date.now())) as string[];
    const out: MemberMap = {};
    for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
    return out;
  }

  async count(appId: string, channel: string): Promise<number> {
    return this.redis.zcount(this.keys.presenceExpiry(appId, channel), `(${Date.now()}`, '+inf');
  }

  async occupied(appId: string, channel: string): Promise<boolean> {
    return (await this.count(appId, channel)) > 0;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }
}
