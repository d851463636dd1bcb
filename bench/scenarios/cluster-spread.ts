/**
 * Scenario 5b, cluster with channels spread over the nodes: each of N nodes (Redis + one fresh
 * PostgreSQL database) hosts C channels whose subscribers all connect to that node, so with per-channel
 * broker subscriptions a node receives from Redis only its own channels' traffic and the nodes share the
 * work instead of each doing all of it. Publications use the fan-out scenario's window on every channel.
 * Each channel's publications go through the next node's API (node k's channels through node k+1's):
 * every node serves 1/N of the API calls, as much as its channels take, and none of what it publishes
 * comes back to it unless it hosts the channel — which the per-node Redis counter then shows. Compared
 * with one node doing one node's share (the same C channels × S subscribers, also on Redis and
 * PostgreSQL, publishing through itself), measured just before in the same run.
 */
import { ClientPool } from '../lib/client-pool.ts';
import { cpuMs, machineCpuMs, sleep } from '../lib/proc.ts';
import { createPublisher } from '../lib/publisher.ts';
import { createDatabase, deleteAppKeys, runAppId } from '../lib/services.ts';
import { BENCH_API_KEY, brokerMessagesReceived, startCluster, type Target } from '../lib/targets.ts';
import type { BenchOptions } from '../options.ts';
import { drive, WARMUP_FIRST_SEQ, type Lane } from './fanout.ts';
import { round } from './run-target.ts';

export interface SpreadNode {
  /** The node's channels: every subscriber of each is connected to this node. */
  channels: string[];
  /** Sessions on the node (its `parley_connections`). */
  sessions: number;
  /** The node (0-based) whose API took the publications to this node's channels. */
  publishedThrough: number;
  /** Publications to this node's channels the API accepted (200) in the measured window. */
  publications: number;
  /** Deliveries its clients counted in the measured window. */
  deliveries: number;
  /** `parley_broker_messages_received_total` after − before the measured window: `publications` if it receives only its own channels. */
  redisReceived: number;
  /** The node's CPU in the measured window, % of one core. */
  cpuPercent: number;
}

export interface SpreadRun {
  nodes: SpreadNode[];
  connected: number;
  publishes: number;
  deliveries: number;
  /** Σ publications × the channel's subscribers − deliveries. */
  missing: number;
  publishErrors: number;
  seconds: number;
  deliveriesPerSecond: number;
  /**
   * In the measured window, % of one core: the load-client processes together, the harness (publisher),
   * the kernel's interrupt work (loopback delivery, in no process), everything else (Redis, PostgreSQL,
   * and whatever else runs on the machine: well above a few %, the run was disturbed), and the whole
   * machine (of all its cores).
   */
  clientsCpuPercent: number;
  harnessCpuPercent: number;
  kernelCpuPercent: number;
  otherCpuPercent: number;
  machineCpuPercent: number;
}

export interface ClusterSpreadResult {
  nodes: number;
  channelsPerNode: number;
  subscribersPerChannel: number;
  cluster: SpreadRun;
  /** One node with one node's share of the cluster's work, same setup. */
  oneNode: SpreadRun;
  /** cluster ÷ one node, in deliveries/s. */
  speedup: number;
  /** Redis keys of the runs' apps removed afterwards. */
  redisKeysDeleted: number;
}

export async function runClusterSpread(opts: BenchOptions): Promise<ClusterSpreadResult> {
  const { nodes, spread } = opts.cluster;
  const db = await createDatabase(opts.chat.postgresAdminUrl);
  try {
    // One node first: it also migrates the fresh database, on which the cluster's nodes then start together.
    const one = await spreadOver(opts, 1, db.url);
    const all = await spreadOver(opts, nodes, db.url);
    return {
      nodes,
      channelsPerNode: spread.channelsPerNode,
      subscribersPerChannel: spread.subscribersPerChannel,
      cluster: all.run,
      oneNode: one.run,
      speedup: round(all.run.deliveriesPerSecond / Math.max(1, one.run.deliveriesPerSecond), 2),
      redisKeysDeleted: one.redisKeysDeleted + all.redisKeysDeleted,
    };
  } finally {
    await db.drop();
  }
}

/** Starts `count` nodes with an app of their own, measures, stops them and removes that app's Redis keys. */
async function spreadOver(opts: BenchOptions, count: number, databaseUrl: string): Promise<{ run: SpreadRun; redisKeysDeleted: number }> {
  const { redisUrl } = opts.cluster;
  const appId = runAppId('spread');
  // The cluster: the same load processes per node (at least one); one node: as many as the fan-out scenario.
  const processes = count === 1 ? opts.clientProcesses : count * Math.max(1, Math.ceil(opts.clientProcesses / count));
  let nodes: Target[] = [];
  const pool = ClientPool.start(processes);
  let run: SpreadRun;
  let redisKeysDeleted = 0;
  try {
    nodes = await startCluster(count, { appId, redisUrl, databaseUrl });
    run = await measureSpread(opts, nodes, pool);
  } finally {
    await pool.close();
    await Promise.all(nodes.map((n) => n.stop()));
    // After the nodes stopped: a live node would re-assert its presence entries at the next heartbeat.
    redisKeysDeleted = await deleteAppKeys(redisUrl, appId);
    await sleep(500);
  }
  return { run, redisKeysDeleted };
}

async function measureSpread(opts: BenchOptions, nodes: Target[], pool: ClientPool): Promise<SpreadRun> {
  const { channelsPerNode, subscribersPerChannel } = opts.cluster.spread;
  const n = nodes.length;
  const channelsOf = (node: number) => Array.from({ length: channelsPerNode }, (_, c) => `spread-${node}-${c}`);
  // Load process i connects to node i mod n, its subscribers spread over that node's channels.
  const conn = await pool.connect(
    n * channelsPerNode * subscribersPerChannel,
    (i) => nodes[i % n]!.connectSpec(`spread-${i}`, opts.client),
    (i) => channelsOf(i % n),
    { trackCompletion: true },
  );
  if (conn.failed > 0) throw new Error(`${conn.failed} subscribers failed to connect: ${conn.firstError}`);
  const publishers = nodes.map((node) => createPublisher(node.baseUrl, node.appId, BENCH_API_KEY));
  try {
    // The fan-out window per node: at most `inflight` deliveries on their way to one node's subscribers.
    const perNode = channelsPerNode * subscribersPerChannel;
    const window = Math.max(2, Math.round(opts.fanout.inflight / perNode));
    const lanes: (Lane & { node: number })[] = nodes.flatMap((_, k) => channelsOf(k).map((channel) => ({ channel, node: k, publisher: publishers[(k + 1) % n]!, window })));
    await drive(pool, lanes, opts, opts.fanout.warmupSeconds, WARMUP_FIRST_SEQ);
    pool.reset();
    const before = await Promise.all(nodes.map(brokerMessagesReceived));
    const cpuBefore = { nodes: nodes.map((node) => cpuMs(node.pid)), clients: sum(pool.pids.map(cpuMs)), harness: process.cpuUsage(), machine: machineCpuMs() };
    const run = await drive(pool, lanes, opts, opts.fanout.seconds, 0);
    const wallMs = run.seconds * 1000;
    const percent = (ms: number) => round((ms / wallMs) * 100);
    const nodeMs = nodes.map((node, k) => cpuMs(node.pid) - cpuBefore.nodes[k]!);
    const clientsMs = sum(pool.pids.map(cpuMs)) - cpuBefore.clients;
    const harnessUsage = process.cpuUsage(cpuBefore.harness);
    const harnessMs = (harnessUsage.user + harnessUsage.system) / 1000;
    const machine = machineCpuMs();
    const machineMs = machine.busy - cpuBefore.machine.busy;
    const kernelMs = machine.interrupts - cpuBefore.machine.interrupts;
    const after = await Promise.all(nodes.map(brokerMessagesReceived));
    const stats = await pool.stats();
    const sessions = await Promise.all(nodes.map((node) => node.sessions()));
    const expected = sum(lanes.map((lane, k) => run.published[k]! * (conn.subscribers[lane.channel] ?? 0)));
    const published = sum(run.published);
    return {
      nodes: nodes.map((_, k) => ({
        channels: channelsOf(k),
        sessions: sessions[k]!,
        publishedThrough: (k + 1) % n,
        publications: sum(lanes.map((lane, j) => (lane.node === k ? run.accepted[j]! : 0))),
        deliveries: sum(stats.receivedBy.filter((_, i) => i % n === k)),
        redisReceived: after[k]! - before[k]!,
        cpuPercent: percent(nodeMs[k]!),
      })),
      connected: conn.ok,
      publishes: published,
      deliveries: stats.received,
      missing: Math.max(0, expected - stats.received),
      publishErrors: run.errors,
      seconds: round(run.seconds, 3),
      deliveriesPerSecond: round(stats.received / run.seconds),
      clientsCpuPercent: percent(clientsMs),
      harnessCpuPercent: percent(harnessMs),
      kernelCpuPercent: percent(kernelMs),
      otherCpuPercent: percent(Math.max(0, machineMs - kernelMs - sum(nodeMs) - clientsMs - harnessMs)),
      machineCpuPercent: percent(machineMs),
    };
  } finally {
    for (const publisher of publishers) publisher.close();
  }
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
