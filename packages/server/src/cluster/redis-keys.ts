/**
 * Every Redis key and pub/sub channel Parley uses, in one place. All start with the cluster's prefix
 * (REDIS_PREFIX, `parley` by default) and are namespaced per app (`{prefix}:app:{appId}:…`), so two apps
 * on one cluster never share a key, and two clusters with different prefixes can share one Redis (pub/sub
 * channels ignore Redis database numbers, so a prefix is the only way to keep them apart).
 */
export const DEFAULT_REDIS_PREFIX = 'parley';

export type RedisKeys = ReturnType<typeof redisKeys>;

export function redisKeys(prefix: string = DEFAULT_REDIS_PREFIX) {
  return {
    /** Pub/sub channel carrying the messages of one of an app's channels between the nodes that host it. */
    channel: (appId: string, channel: string) => `${prefix}:app:${appId}:ch:${channel}`,
    /** Sorted set: session id → expiry (ms) of its subscription to a channel. */
    presenceExpiry: (appId: string, channel: string) => `${prefix}:app:${appId}:presence:${channel}:exp`,
    /** Hash: session id → user of the channel's subscribers. */
    presenceInfo: (appId: string, channel: string) => `${prefix}:app:${appId}:presence:${channel}:info`,
    /** Sorted set: user channel → expiry (ms) of its recent move into a channel (see PresenceStore.recordMove). */
    moves: (appId: string, channel: string) => `${prefix}:app:${appId}:moves:${channel}`,
    /** Sorted set: holder → expiry (ms) of the places taken in a slot (sessions of one access URL, of one user). */
    slot: (appId: string, slot: string) => `${prefix}:app:${appId}:slot:${slot}`,
    /** Sorted set: user → expiry (ms) of its typing state in a chat channel. */
    typingChannel: (appId: string, channelId: string) => `${prefix}:app:${appId}:typing:ch:${channelId}`,
    /** Sorted set: chat channel → expiry (ms) of a user's typing state there. */
    typingUser: (appId: string, userId: string) => `${prefix}:app:${appId}:typing:user:${userId}`,
    /** Per user and channel: set while a typing event was sent within the last interval. */
    typingEmit: (appId: string, channelId: string, userId: string) => `${prefix}:app:${appId}:typing:emit:${channelId}:${userId}`,
    /** Sorted set of every app's typing states (`app\nchannel\nuser`) → expiry (ms): what any node may expire. */
    typingDue: `${prefix}:typing:due`,
    /** Prefix of the REST rate limiters' counters. */
    rateLimit: `${prefix}:ratelimit:`,
  };
}
