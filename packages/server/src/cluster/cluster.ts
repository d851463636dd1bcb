/**
 * Cluster mode (REDIS_URL): the only place that creates Redis clients — one Redis bus of two
 * connections (commands and pub/sub) per node. It yields the realtime broker and presence store; RTCS
 * and chat alike ride them, as hub sessions on channels.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { Hub } from '../realtime/hub.ts';
import { addressOf, StartupError } from '../startup-error.ts';
import { RedisBroker } from './redis-broker.ts';
import { redisKeys, type RedisKeys } from './redis-keys.ts';
import { DEFAULT_PRESENCE_TIMING, RedisPresence, type RedisPresenceOptions } from './redis-presence.ts';
import { RedisTypingStore } from './redis-typing-store.ts';

export interface Cluster {
  broker: RedisBroker;
  presence: RedisPresence;
  /** Chat typing states, cluster-wide. */
  typing: RedisTypingStore;
  /** A command connection for shared counters (rate limits). */
  redis: Redis;
  /** This cluster's key names (REDIS_PREFIX). */
  keys: RedisKeys;
  /** Throws while Redis does not answer (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** Overrides of the presence timing (tests use short ones). */
  timing?: Partial<RedisPresenceOptions>;
  /** Called for each message this node receives from Redis (per-node ingress metric). */
  received?: () => void;
}

export async function openCluster(redisUrl: string, prefix: string, hub: Hub, log: Logger, options: ClusterOptions = {}): Promise<Cluster> {
  const keys = redisKeys(prefix);
  const connection: RedisOptions = {
    lazyConnect: true,
    // Fail commands at once while disconnected, so API calls answer 503 instead of hanging.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  };
  const clients = [new Redis(redisUrl, connection), new Redis(redisUrl, connection)];
  const [pub, sub] = clients as [Redis, Redis];
  let started = false;
  let firstError: Error | undefined;
  for (const [i, client] of clients.entries()) {
    let down = false;
    client.on('error', (err: Error) => {
      firstError ??= err;
      if (started && !down) log.warn({ err: err.message, client: i }, 'redis connection error; reconnecting');
      down = true;
    });
    client.on('ready', () => {
      if (down && started) log.info({ client: i }, 'redis connection restored');
      down = false;
    });
  }
  try {
    await Promise.all(clients.map((c) => c.connect()));
  } catch (err) {
    // connect() only says "Connection is closed."; the error event before it has the cause.
    for (const c of clients) c.disconnect();
    throw new StartupError('Redis', addressOf(redisUrl, 6379), firstError ?? err);
  }
  started = true;

  const broker = new RedisBroker(pub, sub, log, keys, options.received);
  const presence = new RedisPresence(pub, hub, log, keys, { ...DEFAULT_PRESENCE_TIMING, ...options.timing });
  presence.start();

  return {
    broker,
    presence,
    // The per-channel and per-user sets outlive any typing state (CHAT_TYPING.ttlMs) by far.
    typing: new RedisTypingStore(pub, keys, 60_000),
    redis: pub,
    keys,
    async ping() {
      await pub.ping();
    },
    async close() {
      await presence.close();
      await broker.close();
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}

/** One connection with a deadline, no retries (`parley check`): the server's version, or a StartupError. */
export async function probeRedis(redisUrl: string, timeoutMs = 5000): Promise<{ version: string }> {
  const client = new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  let firstError: Error | undefined;
  client.on('error', (err: Error) => (firstError ??= err));
  try {
    await client.connect();
    const info = await client.info('server');
    return { version: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown' };
  } catch (err) {
    throw new StartupError('Redis', addressOf(redisUrl, 6379), firstError ?? err);
  } finally {
    client.disconnect();
  }
}
