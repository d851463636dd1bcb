/**
 * Tells when a transaction that inserted into a watched table has committed: what the chat webhook
 * dispatcher needs, to send the outbox rows of a commit right after it and never before (a round run
 * before the commit finds nothing and nothing wakes it again). Done below Kysely, in its driver,
 * where each connection's statements and its COMMIT pass: the services above need not say which
 * commit carried which write. A rolled-back transaction tells nothing; an INSERT outside a
 * transaction tells once it has run.
 */
import type { DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';

type Listener = () => void;

export class CommitWatch {
  /** INSERT prefixes of the watched tables (both engines quote identifiers with "). */
  private readonly inserts = new Map<string, Listener[]>();

  /** Calls `listener` after each commit that inserted into `table`. */
  onInsertCommitted(table: string, listener: Listener): void {
    const prefix = `insert into "${table}"`;
    this.inserts.set(prefix, [...(this.inserts.get(prefix) ?? []), listener]);
  }

  /** The dialect with this watch in its driver. */
  dialect(inner: Dialect): Dialect {
    return {
      createDriver: () => new WatchedDriver(inner.createDriver(), this),
      createQueryCompiler: () => inner.createQueryCompiler(),
      createAdapter: () => inner.createAdapter(),
      createIntrospector: (db) => inner.createIntrospector(db),
    };
  }

  /** The listeners an SQL text calls for once committed. */
  listenersOf(sql: string): Listener[] | undefined {
    if (this.inserts.size === 0 || sql.charCodeAt(0) !== 105 /* i */) return undefined;
    for (const [prefix, listeners] of this.inserts) if (sql.startsWith(prefix)) return listeners;
    return undefined;
  }
}

/** A connection as the driver hands it out: the driver's own, and what its open transaction inserted into watched tables. */
class WatchedConnection implements DatabaseConnection {
  inTransaction = false;
  readonly due = new Set<Listener>();

  constructor(
    readonly inner: DatabaseConnection,
    private readonly watch: CommitWatch,
  ) {}

  async executeQuery<R>(query: Parameters<DatabaseConnection['executeQuery']>[0]): Promise<QueryResult<R>> {
    const result = await this.inner.executeQuery<R>(query);
    const listeners = this.watch.listenersOf(query.sql);
    if (listeners) {
      if (this.inTransaction) for (const l of listeners) this.due.add(l);
      else for (const l of listeners) l();
    }
    return result;
  }

  streamQuery<R>(query: Parameters<DatabaseConnection['streamQuery']>[0], chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class WatchedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly watch: CommitWatch,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new WatchedConnection(await this.inner.acquireConnection(), this.watch);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = connection as WatchedConnection;
    await this.inner.beginTransaction(c.inner, settings);
    c.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as WatchedConnection;
    try {
      await this.inner.commitTransaction(c.inner);
    } finally {
      c.inTransaction = false;
    }
    const due = [...c.due];
    c.due.clear();
    for (const l of due) l();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as WatchedConnection;
    c.inTransaction = false;
    c.due.clear();
    await this.inner.rollbackTransaction(c.inner);
  }

  // Savepoints pass through (an insert rolled back to one still tells at the commit: a wake too many, never one too few).
  savepoint(connection: DatabaseConnection, name: string, compileQuery: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    if (!this.inner.savepoint) throw new Error('the driver has no savepoints');
    return this.inner.savepoint((connection as WatchedConnection).inner, name, compileQuery);
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: Parameters<NonNullable<Driver['rollbackToSavepoint']>>[2]): Promise<void> {
    if (!this.inner.rollbackToSavepoint) throw new Error('the driver has no savepoints');
    return this.inner.rollbackToSavepoint((connection as WatchedConnection).inner, name, compileQuery);
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: Parameters<NonNullable<Driver['releaseSavepoint']>>[2]): Promise<void> {
    if (!this.inner.releaseSavepoint) throw new Error('the driver has no savepoints');
    return this.inner.releaseSavepoint((connection as WatchedConnection).inner, name, compileQuery);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as WatchedConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
