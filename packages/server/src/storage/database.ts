/**
 * Opens the store: SQLite (better-sqlite3, WAL) under DATA_DIR by default, PostgreSQL when DATABASE_URL
 * is set. Everything above this file sees one Kysely<Database> and the `engine` flag, never a driver.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type KyselyConfig } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { migrateToLatest } from './migrations.ts';
import { withStatementCache } from './sqlite-statement-cache.ts';

export type Engine = 'sqlite' | 'postgres';

export interface Storage {
  db: Kysely<Database>;
  engine: Engine;
  /** Answers when the store can serve a query (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StorageOptions {
  dataDir: string;
  databaseUrl?: string;
  /** PostgreSQL pool size. */
  poolMax?: number;
  /** Called with each query's duration (metrics). */
  onQuery?: (ms: number) => void;
}

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

function logHook(onQuery: StorageOptions['onQuery']): KyselyConfig['log'] {
  if (!onQuery) return undefined;
  return (event) => onQuery(event.queryDurationMillis);
}

function openSqlite(dataDir: string, log: KyselyConfig['log']): Kysely<Database> {
  mkdirSync(dataDir, { recursive: true });
  const file = new SQLite(join(dataDir, 'parley.sqlite'));
  // WAL + synchronous=FULL: a committed transaction survives a crash of the process or the machine,
  // which is what a 201 promises.
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = FULL');
  file.pragma('foreign_keys = ON');
  file.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(file) }), log });
}

function openPostgres(databaseUrl: string, poolMax: number, log: KyselyConfig['log']): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolMax,
    // Timestamps and counters are bigint columns; read them as numbers (all fit in 2^53).
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8 || oid === PG_NUMERIC ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
}

/** Opens the configured engine and runs the migrations. */
export async function openStorage(options: StorageOptions): Promise<Storage> {
  const engine: Engine = options.databaseUrl ? 'postgres' : 'sqlite';
  const log = logHook(options.onQuery);
  const db = options.databaseUrl ? openPostgres(options.databaseUrl, options.poolMax ?? 10, log) : openSqlite(options.dataDir, log);
  try {
    await migrateToLatest(db as Kysely<unknown>);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return {
    db,
    engine,
    async ping() {
      await db.selectFrom('apps').select('id').limit(1).execute();
    },
    async close() {
      await db.destroy();
    },
  };
}
