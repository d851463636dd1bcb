/**
 * Every Redis key and pub/sub channel Parley uses, in one place. All are namespaced per app
 * (`parley:app:{appId}:…`), so two apps on one cluster never share a key.
 */
export const KEY_PREFIX = 'parley';

export const redisKeys = {
  /** Pub/sub channel carrying an app's publications between nodes. */
  publications: (appId: string) => `${KEY_PREFIX}:app:${appId}:pub`,
  /** Pattern matching every app's publication channel. */
  publicationsPattern: `${KEY_PREFIX}:app:*:pub`,
  /** Sorted set: session id → expiry (ms) of its subscription to a channel. */
  presenceExpiry: (appId: string, channel: string) => `${KEY_PREFIX}:app:${appId}:presence:${channel}:exp`,
  /** Hash: session id → user of the channel's subscribers. */
  presenceInfo: (appId: string, channel: string) => `${KEY_PREFIX}:app:${appId}:presence:${channel}:info`,
  /** Prefix of the socket.io adapter's own channels. */
  adapter: `${KEY_PREFIX}:sio`,
};
