/**
 * Access to the machine's real PostgreSQL and Redis for tests. Outside CI a missing service skips the
 * tests that need it (with the reason printed); under CI=true it fails them.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** True when PostgreSQL answers; under CI a missing server throws instead of returning false. */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (err) {
    if (IN_CI) throw new Error(`PostgreSQL is required under CI and is not reachable at ${POSTGRES_ADMIN_URL}: ${String(err)}`);
    console.warn(`skipping PostgreSQL tests: ${POSTGRES_ADMIN_URL} is not reachable (${String(err)})`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A fresh, empty PostgreSQL database for one test file; `drop()` removes it. Each file gets its own so
 * that files can run side by side.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** True when Redis answers PING; under CI a missing server throws instead of returning false. */
export async function redisAvailable(): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch (err) {
    if (IN_CI) throw new Error(`Redis is required under CI and is not reachable at ${REDIS_URL}: ${String(err)}`);
    console.warn(`skipping Redis tests: ${REDIS_URL} is not reachable (${String(err)})`);
    return false;
  } finally {
    client.disconnect();
  }
}
