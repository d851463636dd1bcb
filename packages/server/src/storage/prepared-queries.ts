/**
 * Hot queries built and compiled once, then run with new values. Kysely otherwise rebuilds a query's
 * operation tree and compiles it to SQL on every call, which on a short statement costs more than
 * SQLite takes to run it (the chat webhook outbox writes and reads one per event). A query is built
 * from placeholders standing for its values; each run puts the values where the placeholders landed
 * in the compiled parameters, so the builder may use them anywhere Kysely takes a value. The plugins
 * still see every run: QueryCounter notes it for the query budgets, and what they rewrite (SQLite's
 * row locks) was rewritten at the compile.
 *
 * @example
 * const prepared = new PreparedQueries();
 * prepared.run(db, 'user', [appId, userId], ([a, u]) => db.selectFrom('chat_users').selectAll().where('app_id', '=', a).where('user_id', '=', u));
 */
import { createQueryId, type Compilable, type CompiledQuery, type QueryExecutor } from 'kysely';
import { nameStatement } from './postgres-named-statements.ts';

/** A value's place in the query being compiled. */
class Placeholder {
  constructor(readonly index: number) {}
}

interface Prepared {
  query: CompiledQuery;
  /** For each compiled parameter, the index of the value it takes, or -1 for a constant of the query. */
  from: readonly number[];
}

/**
 * `values` padded to a power of two with its last value, for an `in (…)` list: a value named twice
 * matches once, and a handful of statement shapes serve every count (each shape is compiled here,
 * prepared by SQLite and planned by PostgreSQL once).
 * @example paddedList(['a', 'b', 'c']) // ['a', 'b', 'c', 'c']
 */
export function paddedList<T>(values: readonly T[]): T[] {
  if (values.length === 0) return [];
  const size = 2 ** Math.ceil(Math.log2(values.length));
  return Array.from({ length: size }, (_, i) => values[Math.min(i, values.length - 1)]!);
}

/** Shapes kept per instance: queries whose shape depends on a count (rows, ids) have one per count. */
const MAX_SHAPES = 256;

export class PreparedQueries {
  private readonly shapes = new Map<string, Prepared>();

  /**
   * Runs the query `build` makes, compiled once per `shape` (a name that changes whenever the SQL
   * would: one per row count, say), with `values` in place of the placeholders it was built with, on
   * `db` or a transaction of it. Every `db` given to one instance must be of one engine.
   */
  async run<R>(db: { getExecutor(): QueryExecutor }, shape: string, values: readonly unknown[], build: (placeholders: readonly unknown[]) => Compilable<R>): Promise<R[]> {
    const { query, from } = this.prepared(shape, values.length, build);
    const parameters = query.parameters.map((constant, i) => (from[i]! >= 0 ? values[from[i]!] : constant));
    const executor = db.getExecutor();
    const queryId = createQueryId();
    executor.transformQuery(query.query, queryId);
    const result = await executor.executeQuery<R>({ query: query.query, queryId, sql: query.sql, parameters });
    return result.rows;
  }

  /**
   * An INSERT of `rows`, each given by `columns`, compiled once per `shape`, column list and row count:
   * `build` gets the rows as placeholders and answers the query (`db.insertInto(table).values(rows)`).
   */
  insert<Row extends Record<string, unknown>>(db: { getExecutor(): QueryExecutor }, shape: string, columns: readonly (keyof Row & string)[], rows: readonly Row[], build: (rows: Row[]) => Compilable<unknown>): Promise<unknown[]> {
    const values = rows.flatMap((row) => columns.map((c) => row[c]));
    return this.run(db, `${shape} (${columns.join(',')}) × ${rows.length}`, values, (v) =>
      build(rows.map((_, r) => Object.fromEntries(columns.map((c, i) => [c, v[r * columns.length + i]])) as Row)),
    );
  }

  private prepared(shape: string, count: number, build: (placeholders: readonly unknown[]) => Compilable<unknown>): Prepared {
    const known = this.shapes.get(shape);
    if (known) return known;
    const query = build(Array.from({ length: count }, (_, i) => new Placeholder(i))).compile();
    const from = query.parameters.map((p) => (p instanceof Placeholder ? p.index : -1));
    // Every value must have landed in the parameters, or a run would silently keep a placeholder's.
    if (new Set(from.filter((i) => i >= 0)).size !== count) throw new Error(`prepared query ${shape}: ${count} values, not all of them parameters`);
    if (this.shapes.size >= MAX_SHAPES) this.shapes.delete(this.shapes.keys().next().value!);
    nameStatement(query.sql);
    const prepared = { query, from };
    this.shapes.set(shape, prepared);
    return prepared;
  }
}
