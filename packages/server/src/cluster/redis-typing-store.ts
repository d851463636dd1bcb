/**
 * Typing states of a cluster, in Redis (chat/typing-store.ts): per channel a sorted set user → expiry,
 * per user one channel → expiry (to end them all at the user's last disconnect), and one sorted set of
 * every state by expiry, from which any node takes the states that ended — atomically, so each is
 * announced once, also when the node that started it died. The right to announce is a key set for the
 * interval (SET NX PX). Each change is one script, so concurrent calls never interleave.
 */
import type { Redis } from 'ioredis';
import { typingEntryOf, typingKey, type TypingEntry, type TypingStore } from '../chat/typing-store.ts';
import type { RedisKeys } from './redis-keys.ts';

/** KEYS channel, user, due; ARGV user, channel, due member, expiry, now, key ttl. 1 when the user was not typing. */
const START = `
local before = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
if (not before) or tonumber(before) <= tonumber(ARGV[5]) then return 1 end
return 0`;

/** KEYS channel, user, due; ARGV user, channel, due member. 1 when the state's end was still to announce. */
const STOP = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return redis.call('ZREM', KEYS[3], ARGV[3])`;

/** KEYS due; ARGV now, max: the due members, removed. */
const TAKE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due`;

export class RedisTypingStore implements TypingStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** How long the per-channel and per-user sets outlive their last change (longer than any state). */
    private readonly keyTtlMs: number,
  ) {}

  async start(e: TypingEntry, expiresAt: number, now: number): Promise<boolean> {
    const k = this.keys;
    const changed = await this.redis.eval(START, 3, k.typingChannel(e.appId, e.channelId), k.typingUser(e.appId, e.userId), k.typingDue, e.userId, e.channelId, typingKey(e), expiresAt, now, this.keyTtlMs);
    return changed === 1;
  }

  async stop(e: TypingEntry): Promise<boolean> {
    const k = this.keys;
    const changed = await this.redis.eval(STOP, 3, k.typingChannel(e.appId, e.channelId), k.typingUser(e.appId, e.userId), k.typingDue, e.userId, e.channelId, typingKey(e));
    return changed === 1;
  }

  async stopAll(appId: string, userId: string): Promise<string[]> {
    const channels = await this.redis.zrange(this.keys.typingUser(appId, userId), 0, -1);
    const ended = await Promise.all(channels.map((channelId) => this.stop({ appId, channelId, userId })));
    return channels.filter((_, i) => ended[i]);
  }

  async typing(appId: string, channelId: string, now: number): Promise<string[]> {
    const users = await this.redis.zrangebyscore(this.keys.typingChannel(appId, channelId), `(${now}`, '+inf');
    return users.sort();
  }

  async takeExpired(now: number, max: number): Promise<TypingEntry[]> {
    const taken = (await this.redis.eval(TAKE, 1, this.keys.typingDue, now, max)) as string[];
    const entries = taken.map(typingEntryOf).filter((e): e is TypingEntry => e !== undefined);
    if (entries.length === 0) return entries;
    // What ended stays in the per-channel and per-user sets until dropped here; readers skip it anyway.
    const cleanup = this.redis.multi();
    for (const e of entries) {
      cleanup.zremrangebyscore(this.keys.typingChannel(e.appId, e.channelId), '-inf', now);
      cleanup.zremrangebyscore(this.keys.typingUser(e.appId, e.userId), '-inf', now);
    }
    await cleanup.exec();
    return entries;
  }

  async claimAnnounce(e: TypingEntry, intervalMs: number): Promise<number> {
    const key = this.keys.typingEmit(e.appId, e.channelId, e.userId);
    if ((await this.redis.set(key, '1', 'PX', intervalMs, 'NX')) === 'OK') return 0;
    const left = await this.redis.pttl(key);
    // Gone meanwhile (-2) or without expiry (-1, never set so): try again at once.
    return left > 0 ? left : 1;
  }
}
