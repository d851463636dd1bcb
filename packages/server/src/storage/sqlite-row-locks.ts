/**
 * Repositories take row locks with Kysely's `forUpdate()` (a read-modify-write inside a transaction:
 * PostgreSQL holds the selected rows until commit). SQLite has no `FOR UPDATE` and needs none: it runs
 * one write transaction at a time (here one connection, its transactions in turn), and across
 * processes WAL refuses a write on a stale read with SQLITE_BUSY rather than losing an update. This
 * plugin of the SQLite storage drops the clause of a top-level SELECT (the only place the repositories
 * lock), so both engines share one query code.
 */
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

const ROW_LOCKS = new Set<string | undefined>(['ForUpdate', 'ForNoKeyUpdate', 'ForShare', 'ForKeyShare', 'NoWait', 'SkipLocked']);

export class SqliteRowLocksPlugin implements KyselyPlugin {
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (node.kind !== 'SelectQueryNode' || !node.endModifiers?.some((m) => ROW_LOCKS.has(m.modifier))) return node;
    const endModifiers = node.endModifiers.filter((m) => !ROW_LOCKS.has(m.modifier));
    return { ...node, endModifiers: endModifiers.length > 0 ? endModifiers : undefined };
  }

  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}
