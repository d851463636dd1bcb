/**
 * Opens the store: SQLite (better-sqlite3, WAL) under DATA_DIR by default, PostgreSQL when DATABASE_URL
 * is set. Everything above this file sees one Kysely<Database> and the `engine` flag, never a driver.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type KyselyConfig, type SqliteDialectConfig } from 'kysely';
import pg from 'pg';
import { addressOf, StartupError } from '../startup-error.ts';
import { CommitWatch } from './commit-watch.ts';
import { prepareDataDir } from './data-dir.ts';
import type { Database } from './schema.ts';
import { migrateToLatest, pendingMigrations } from './migrations.ts';
import { withNamedStatements } from './postgres-named-statements.ts';
import { QueryCounter } from './query-counter.ts';
import { SqliteRowLocksPlugin } from './sqlite-row-locks.ts';
import { withStatementCache } from './sqlite-statement-cache.ts';

export type Engine = 'sqlite' | 'postgres';

export interface Storage {
  db: Kysely<Database>;
  engine: Engine;
  /** Counts (and on demand records) the statements executed: the query budgets' tests read it. */
  queries: QueryCounter;
  /** Tells when a transaction that inserted into a table has committed (the chat webhook outbox). */
  commits: CommitWatch;
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

const SQLITE_FILE = 'parley.sqlite';
const PG_INT8 = 20;
const PG_NUMERIC = 1700;

function logHook(onQuery: StorageOptions['onQuery']): KyselyConfig['log'] {
  if (!onQuery) return undefined;
  return (event) => onQuery(event.queryDurationMillis);
}

/**
 * Transactions that take the write lock at BEGIN: the chat webhook thread (chat/outbox-thread.ts) has a
 * connection of its own to the file, and a deferred transaction that read before another connection
 * wrote could not write any more (SQLITE_BUSY_SNAPSHOT, which no busy wait cures); an immediate one
 * waits its turn (busy_timeout) and then sees the latest commit.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

/**
 * `synchronous`: FULL for the server's own connection — WAL + FULL: a committed transaction survives a
 * crash of the process or the machine, which is what a 201 promises; NORMAL for a thread's connection
 * whose writes may be lost in a machine crash (the webhook marks: what was sent is sent again, which
 * at-least-once allows), as the next FULL commit of the file makes them durable anyway.
 */
function openSqliteFile(path: string, synchronous: 'FULL' | 'NORMAL'): SQLite.Database {
  try {
    const file = new SQLite(path);
    file.pragma('journal_mode = WAL');
    file.pragma(`synchronous = ${synchronous}`);
    file.pragma('foreign_keys = ON');
    file.pragma('busy_timeout = 5000');
    return file;
  } catch (err) {
    throw new StartupError('SQLite database', path, err);
  }
}

function openSqlite(dataDir: string, commits: CommitWatch, log: KyselyConfig['log'], plugins: KyselyConfig['plugins']): Kysely<Database> {
  const file = openSqliteFile(join(prepareDataDir(dataDir), SQLITE_FILE), 'FULL');
  return new Kysely<Database>({ dialect: commits.dialect(new ImmediateSqliteDialect({ database: withStatementCache(file) })), log, plugins });
}

function openPostgres(databaseUrl: string, poolMax: number, commits: CommitWatch, log: KyselyConfig['log'], plugins?: KyselyConfig['plugins']): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolMax,
    // Timestamps and counters are bigint columns; read them as numbers (all fit in 2^53).
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8 || oid === PG_NUMERIC ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle pooled connection that PostgreSQL ends (a restart, pg_terminate_backend, a dropped network)
  // is emitted here, and unheard it would crash the process: the pool has already discarded it and
  // connects anew for the next query; queries under way report their own errors.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: commits.dialect(new PostgresDialect({ pool: withNamedStatements(pool) })), log, plugins });
}

/** Where the store lives, for messages: the SQLite file, or PostgreSQL's host:port/database. */
export function storageAddress(options: Pick<StorageOptions, 'dataDir' | 'databaseUrl'>): string {
  return options.databaseUrl ? addressOf(options.databaseUrl, 5432) : resolve(options.dataDir, SQLITE_FILE);
}

/**
 * One connection with a deadline, before the pool is used: an unreachable server fails the start within
 * seconds with its cause, instead of queries waiting on a pool that never connects.
 */
export async function probePostgres(databaseUrl: string, timeoutMs = 10_000): Promise<{ version: string; hasSchema: boolean }> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string; apps: string | null }>("select current_setting('server_version') as version, to_regclass('apps')::text as apps");
    return { version: rows[0]!.version, hasSchema: rows[0]!.apps !== null };
  } catch (err) {
    throw new StartupError('PostgreSQL', addressOf(databaseUrl, 5432), err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Whether the configured store already holds a Parley database (the CLI warns before creating one). */
export async function storageExists(options: Pick<StorageOptions, 'dataDir' | 'databaseUrl'>): Promise<boolean> {
  if (options.databaseUrl) return (await probePostgres(options.databaseUrl)).hasSchema;
  return existsSync(resolve(options.dataDir, SQLITE_FILE));
}

export interface StorageReport {
  engine: Engine;
  address: string;
  /** PostgreSQL's server version. */
  serverVersion?: string;
  /** False: no Parley database there yet (the first start creates it). */
  exists: boolean;
  apps?: number;
  /** Migrations the next start applies. */
  pending?: string[];
}

/** Looks at the configured store without changing it (`parley check`). Unreachable: a StartupError. */
export async function inspectStorage(options: Pick<StorageOptions, 'dataDir' | 'databaseUrl'>): Promise<StorageReport> {
  const address = storageAddress(options);
  let db: Kysely<Database>;
  let report: StorageReport;
  if (options.databaseUrl) {
    const probe = await probePostgres(options.databaseUrl);
    report = { engine: 'postgres', address, serverVersion: probe.version, exists: probe.hasSchema };
    if (!probe.hasSchema) return report;
    db = openPostgres(options.databaseUrl, 1, new CommitWatch(), undefined);
  } else {
    report = { engine: 'sqlite', address, exists: existsSync(address) };
    if (!report.exists) return report;
    try {
      db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(address, { fileMustExist: true }) }) });
    } catch (err) {
      throw new StartupError('SQLite database', address, err);
    }
  }
  try {
    const row = await db.selectFrom('apps').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { ...report, apps: Number(row.n), pending: await pendingMigrations(db as Kysely<unknown>) };
  } catch (err) {
    throw new StartupError(report.engine === 'postgres' ? 'PostgreSQL' : 'SQLite database', address, err);
  } finally {
    await db.destroy();
  }
}

/** Where a worker thread finds the store the server opened (openStorage): the same options. */
export type StorageAddress = Pick<StorageOptions, 'dataDir' | 'databaseUrl'>;

/**
 * A worker thread's own connection to the store the server's thread opened and migrated (openStorage
 * ran first): a PostgreSQL pool of `poolMax`, or a second connection to the SQLite file (WAL lets its
 * reads run beside the server's writes; its own writes wait for the write lock).
 */
export function openThreadStorage(address: StorageAddress, poolMax: number): Kysely<Database> {
  if (address.databaseUrl) return openPostgres(address.databaseUrl, poolMax, new CommitWatch(), undefined);
  const file = openSqliteFile(resolve(address.dataDir, SQLITE_FILE), 'NORMAL');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(file) }), plugins: [new SqliteRowLocksPlugin()] });
}

/** Opens the configured engine and runs the migrations. Failures are StartupErrors naming the part. */
export async function openStorage(options: StorageOptions): Promise<Storage> {
  const engine: Engine = options.databaseUrl ? 'postgres' : 'sqlite';
  const log = logHook(options.onQuery);
  const queries = new QueryCounter();
  if (options.databaseUrl) await probePostgres(options.databaseUrl);
  const commits = new CommitWatch();
  const db = options.databaseUrl ? openPostgres(options.databaseUrl, options.poolMax ?? 10, commits, log, [queries]) : openSqlite(options.dataDir, commits, log, [queries, new SqliteRowLocksPlugin()]);
  try {
    await migrateToLatest(db as Kysely<unknown>);
  } catch (err) {
    await db.destroy();
    throw new StartupError(engine === 'postgres' ? 'PostgreSQL' : 'SQLite database', storageAddress(options), err);
  }
  return {
    db,
    engine,
    queries,
    commits,
    async ping() {
      await db.selectFrom('apps').select('id').limit(1).execute();
    },
    async close() {
      await db.destroy();
    },
  };
}
