/**
 * Cluster-wide presence in Redis. Each subscription is a member of a per-channel sorted set scored by
 * its expiry, plus the user in a per-channel hash. Every node re-asserts its live subscriptions each
 * heartbeat; the entries of a node that died are not renewed and drop out after `ttlMs` — counts heal
 * by themselves within ttlMs, and after a Redis restart the next heartbeat restores every live entry.
 * The keys themselves expire `ttlMs` after their last renewal, so a cluster that stopped altogether
 * leaves nothing behind in Redis. Places (claim/release) live the same way: a sorted set of holders
 * scored by expiry per slot, renewed by the heartbeat of the node holding them.
 */
import type { MemberMap } from '@parley/protocol';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Hub } from '../realtime/hub.ts';
import { tracksPresence } from '../realtime/internal-channels.ts';
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

// Frees expired places, then takes one for ARGV[3] unless ARGV[4] are taken; 1 = taken (or already held).
const CLAIM_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

/** The commands defineCommand adds (EVALSHA: each script is sent to Redis once, then named by its hash). */
interface PresenceCommands {
  parleyClaim(key: string, now: number, expiry: number, holder: string, max: number, ttlMs: number): Promise<number>;
  parleyMembers(expiryKey: string, infoKey: string, now: number): Promise<string[]>;
}

export class RedisPresence implements PresenceStore {
  private timer: NodeJS.Timeout | undefined;
  /** The same client, seen with the commands defineCommand added to it. */
  private readonly commands: PresenceCommands;
  /** Places this node holds, by slot key: renewed every heartbeat. */
  private readonly held = new Map<string, Set<string>>();

  constructor(
    private readonly redis: Redis,
    private readonly hub: Hub,
    private readonly log: Logger,
    private readonly keys: RedisKeys,
    private readonly options: RedisPresenceOptions = DEFAULT_PRESENCE_TIMING,
  ) {
    this.commands = redis as unknown as PresenceCommands;
    redis.defineCommand('parleyClaim', { numberOfKeys: 1, lua: CLAIM_SCRIPT });
    redis.defineCommand('parleyMembers', { numberOfKeys: 2, lua: MEMBERS_SCRIPT });
  }

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
        if (!tracksPresence(channel)) continue;
        const exp = this.keys.presenceExpiry(session.appId, channel);
        const info = this.keys.presenceInfo(session.appId, channel);
        pipeline.zadd(exp, expiry, session.id);
        pipeline.hset(info, session.id, session.user);
        keys.add(exp).add(info);
      }
    }
    for (const [slot, holders] of this.held) {
      for (const holder of holders) pipeline.zadd(slot, expiry, holder);
      keys.add(slot);
    }
    for (const key of keys) pipeline.pexpire(key, this.options.ttlMs);
    if (keys.size > 0) await pipeline.exec();
  }

  async claim(appId: string, slot: string, holder: string, max: number): Promise<boolean> {
    const key = this.keys.slot(appId, slot);
    const now = Date.now();
    const taken = await this.commands.parleyClaim(key, now, now + this.options.ttlMs, holder, max, this.options.ttlMs);
    if (taken !== 1) return false;
    let holders = this.held.get(key);
    if (!holders) this.held.set(key, (holders = new Set()));
    holders.add(holder);
    return true;
  }

  async release(appId: string, slot: string, holder: string): Promise<void> {
    const key = this.keys.slot(appId, slot);
    const holders = this.held.get(key);
    if (holders?.delete(holder) && holders.size === 0) this.held.delete(key);
    await this.redis.zrem(key, holder);
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
    const flat = await this.commands.parleyMembers(this.keys.presenceExpiry(appId, channel), this.keys.presenceInfo(appId, channel), Date.now());
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

  async recordMove(appId: string, channel: string, via: string, graceMs: number): Promise<void> {
    const key = this.keys.moves(appId, channel);
    if (graceMs <= 0) await this.redis.zrem(key, via);
    else await this.redis.multi().zadd(key, Date.now() + graceMs, via).pexpire(key, graceMs).exec();
  }

  async recentMoves(appId: string, channels: readonly string[]): Promise<string[]> {
    const pipeline = this.redis.pipeline();
    const now = Date.now();
    for (const channel of channels) pipeline.zrangebyscore(this.keys.moves(appId, channel), `(${now}`, '+inf');
    const results = (await pipeline.exec()) ?? [];
    const moved = new Set<string>();
    for (const [err, value] of results) {
      if (err) throw err;
      for (const via of value as string[]) moved.add(via);
    }
    return [...moved];
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }
}
