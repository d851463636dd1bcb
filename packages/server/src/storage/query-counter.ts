/**
 * A Kysely plugin that counts the statements the database executed and, while a recording is open,
 * notes each one as "<kind> <table>" (`select chat_users`, `update chat_channels`, `raw savepoint`).
 * Installed on every Storage, so that a test can hold a request's queries against its budget on the
 * real engines. A transaction's BEGIN and COMMIT are issued by the driver, below any plugin, and are
 * not counted.
 *
 * @example const rec = storage.queries.record(); await send(); rec.stop() // ['select chat_users', 'update chat_channels', …]
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { KyselyPlugin, OperationNode, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

/** Set while background work runs (uncounted()): a worker's poll is no request's cost. */
const BACKGROUND = new AsyncLocalStorage<true>();

/**
 * Runs a worker's round (export jobs, the chat webhook dispatcher) outside every recording: what it
 * executes — its polls included, whenever they happen to fall — is left out of a request's count.
 */
export function uncounted<T>(work: () => Promise<T>): Promise<T> {
  return BACKGROUND.run(true, work);
}

/** Most statements one recording keeps: a recording left open never grows without bound. */
const RECORDING_MAX = 10_000;

export interface QueryRecording {
  /** The statements executed since the recording started, in order. */
  readonly queries: readonly string[];
  /** Ends the recording and answers what it holds. */
  stop(): string[];
}

type Named = OperationNode & { table?: OperationNode; identifier?: { name?: string }; node?: OperationNode };

/** The table a FROM, INTO or UPDATE names, through its alias. */
function tableName(node: OperationNode | undefined): string {
  let n = node as Named | undefined;
  while (n && n.kind === 'AliasNode') n = n.node as Named | undefined;
  if (n?.kind === 'TableNode') return (n.table as Named | undefined)?.identifier?.name ?? '?';
  return '?';
}

/**
 * "select chat_users", "update chat_channels", "raw savepoint send"; a statement WITH data-modifying
 * parts names them in order: "with update chat_channels, update chat_members, insert chat_messages".
 */
function describe(node: RootOperationNode): string {
  const parts = 'with' in node && node.with ? node.with.expressions.map((cte) => cte.expression).filter((q) => q.kind !== 'SelectQueryNode') : [];
  if (parts.length > 0) return `with ${parts.map((q) => describe(q as RootOperationNode)).join(', ')}`;
  switch (node.kind) {
    case 'SelectQueryNode':
      return `select ${tableName(node.from?.froms[0])}`;
    case 'InsertQueryNode':
      return `insert ${tableName(node.into)}`;
    case 'UpdateQueryNode':
      return `update ${tableName(node.table)}`;
    case 'DeleteQueryNode':
      return `delete ${tableName(node.from.froms[0])}`;
    case 'RawNode':
      return `raw ${node.sqlFragments.join('?').trim().split(/\s+/).slice(0, 2).join(' ')}`;
    default:
      return node.kind;
  }
}

export class QueryCounter implements KyselyPlugin {
  private total = 0;
  private readonly pending = new WeakMap<object, string>();
  private readonly recordings = new Set<string[]>();

  /** Statements executed since the storage was opened. */
  get executed(): number {
    return this.total;
  }

  /** Starts noting every statement executed from now on (by any request) until `stop()`. */
  record(): QueryRecording {
    const queries: string[] = [];
    this.recordings.add(queries);
    return {
      queries,
      stop: () => {
        this.recordings.delete(queries);
        return [...queries];
      },
    };
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.recordings.size > 0 && BACKGROUND.getStore() !== true) this.pending.set(args.queryId, describe(args.node));
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.total++;
    // Noted when it began under a recording and not as background work.
    const what = this.pending.get(args.queryId);
    if (what !== undefined) {
      this.pending.delete(args.queryId);
      for (const r of this.recordings) if (r.length < RECORDING_MAX) r.push(what);
    }
    return args.result;
  }
}
