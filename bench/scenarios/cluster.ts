/**
 * Scenario 5, cluster: the fan-out scenario over several Parley nodes in cluster mode (one Redis, one
 * fresh PostgreSQL database), subscribers spread evenly over the nodes, every publication through node
 * 1's `/v2/event` API, so that most deliveries cross Redis. Compared with one node measured the same way
 * (the fan-out scenario's Parley figure from the same run, or measured here when that scenario did not run).
 * The run has its own app id, and only that app's Redis keys are deleted afterwards.
 */
import { ClientPool } from '../lib/client-pool.ts';
import { sleep } from '../lib/proc.ts';
import { createDatabase, deleteAppKeys, runAppId, type BenchDatabase } from '../lib/services.ts';
import { startCluster, type Target } from '../lib/targets.ts';
import type { BenchOptions } from '../options.ts';
import { measureFanout, runFanout, type FanoutResult } from './fanout.ts';

export interface ClusterResult {
  nodes: number;
  subscribers: number;
  /** Subscribers connected to each node, in node order. */
  perNode: number[];
  run: FanoutResult;
  /** The single-node fan-out to the same number of subscribers (SQLite, no Redis). */
  oneNode: { deliveriesPerSecond: number; source: 'fan-out scenario' | 'measured here' };
  /** Redis keys of the run's app removed afterwards. */
  redisKeysDeleted: number;
}

export async function runCluster(opts: BenchOptions, subscribers: number, oneNode?: FanoutResult): Promise<ClusterResult> {
  const { nodes: count, redisUrl } = opts.cluster;
  const single = oneNode ?? (await runFanout(opts, 'parley', subscribers));
  const appId = runAppId('bench');
  let db: BenchDatabase | undefined;
  const nodes: Target[] = [];
  // One load process per node (or a multiple of the node count), so that the subscribers spread evenly.
  const pool = ClientPool.start(count * Math.max(1, Math.ceil(opts.clientProcesses / count)));
  let result: Omit<ClusterResult, 'redisKeysDeleted'>;
  let redisKeysDeleted = 0;
  try {
    db = await createDatabase(opts.chat.postgresAdminUrl);
    nodes.push(...(await startCluster(count, { appId, redisUrl, databaseUrl: db.url })));
    const nodeOf = (processIndex: number) => nodes[processIndex % count]!;
    const run = await measureFanout(opts, subscribers, pool, nodes[0]!, (i) => nodeOf(i).connectSpec(`cluster-${i}`, opts.client));
    const perNode = await Promise.all(nodes.map((n) => n.sessions()));
    result = {
      nodes: count,
      subscribers,
      perNode,
      run,
      oneNode: { deliveriesPerSecond: single.deliveriesPerSecond, source: oneNode ? 'fan-out scenario' : 'measured here' },
    };
  } finally {
    await pool.close();
    await Promise.all(nodes.map((n) => n.stop()));
    // After the nodes stopped: a live node would re-assert its presence entries at the next heartbeat.
    redisKeysDeleted = await deleteAppKeys(redisUrl, appId);
    await db?.drop();
    await sleep(500);
  }
  return { ...result, redisKeysDeleted };
}
