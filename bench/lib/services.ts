/**
 * The machine's PostgreSQL and Redis, for the scenarios that need them (chat on PostgreSQL, cluster): is
 * each reachable, a fresh database per run (dropped afterwards), and removal of exactly the Redis keys
 * one run's app left behind — other tests share that Redis, so nothing is flushed.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { DEFAULT_REDIS_PREFIX } from '../../packages/server/src/cluster/redis-keys.ts';

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Undefined when PostgreSQL answers at `adminUrl`, else why not. */
export async function postgresProblem(adminUrl: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL is not reachable at ${adminUrl} (${reason(err)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Undefined when Redis answers PING at `url`, else why not. */
export async function redisProblem(url: string): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (err) {
    return `Redis is not reachable at ${url} (${reason(err)})`;
  } finally {
    client.disconnect();
  }
}

/** Creates `parley_bench_<random>` next to the admin database; `drop()` removes it (even with sessions left). */
export async function createDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `parley_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/** A fresh app id, so that a run's Redis keys (`parley:app:{id}:…`) are its own. */
export const runAppId = (prefix: string): string => `${prefix}_${randomBytes(4).toString('hex')}`;

/** Deletes the keys of `appId` (presence entries a cluster run leaves: they carry no TTL); returns how many. */
export async function deleteAppKeys(url: string, appId: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await client.scan(cursor, 'MATCH', `${DEFAULT_REDIS_PREFIX}:app:${appId}:*`, 'COUNT', 500);
      cursor = nextCursor;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    client.disconnect();
  }
}
