/**
 * The console's overview, cluster-wide. While some console shows it (the console bus knows), every
 * node samples its own figures once a second — sessions by kind and transport, subscriptions, channels,
 * and its metric counters, whose differences give the rates — and publishes them on the bus; the nodes
 * serving an overview keep the latest of each node and add them up. Nobody watching: no sampling.
 */
import type { AdminOverview, ConnectionCounts, HookCounts, NodeStats } from '@parley/protocol';
import type { Logger } from 'pino';
import type { MetricTotals, Metrics } from '../observability/metrics.ts';
import type { Hub } from '../realtime/hub.ts';
import type { ConsoleBus } from './console-bus.ts';

export const SAMPLE_MS = 1_000;
/** A node whose figures are older than this is gone (or cut off) and left out. */
const STALE_MS = 5 * SAMPLE_MS;

export interface OverviewDeps {
  bus: ConsoleBus;
  hub: Hub;
  metrics: Metrics;
  nodeId: string;
  version: string;
  cluster: boolean;
  log: Logger;
}

const perSecond = (now: number, before: number, ms: number): number => (ms > 0 ? Math.max(0, Math.round(((now - before) * 1000) / ms)) : 0);

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number | undefined>>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + (n ?? 0);
}

export class ClusterOverview {
  private readonly startedAt = Date.now();
  private readonly nodes = new Map<string, NodeStats>();
  private previous: { at: number; totals: MetricTotals } | undefined;
  private latest: NodeStats | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: OverviewDeps) {
    deps.bus.onStats((stats) => {
      if (stats && typeof stats.node === 'string' && stats.node !== deps.nodeId) this.nodes.set(stats.node, stats);
    });
    deps.bus.onChange(() => this.schedule());
  }

  /** Every live node's figures and their sums; keeps the overview watched for a while. */
  async overview(): Promise<AdminOverview> {
    await this.deps.bus.watchOverview();
    this.latest ??= await this.sample();
    const now = Date.now();
    const nodes = [this.latest];
    for (const [id, stats] of this.nodes) {
      if (now - stats.at > STALE_MS) this.nodes.delete(id);
      else nodes.push(stats);
    }
    nodes.sort((a, b) => a.node.localeCompare(b.node));
    return { at: now, node: this.deps.nodeId, cluster: this.deps.cluster, nodes, sum: sumOf(nodes) };
  }

  /** Stops sampling (shutdown). */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.deps.bus.overviewWatched && !this.timer) {
      this.timer = setInterval(() => {
        this.sample().then(
          (stats) => {
            this.latest = stats;
            this.deps.bus.publishStats(stats);
          },
          (err: unknown) => this.deps.log.warn({ err }, 'console overview: sampling failed'),
        );
      }, SAMPLE_MS);
      this.timer.unref();
    } else if (!this.deps.bus.overviewWatched && this.timer) {
      this.close();
      this.latest = undefined;
    }
  }

  /** This node's figures now; rates over the time since the previous sample. */
  private async sample(): Promise<NodeStats> {
    const { hub, metrics, nodeId, version } = this.deps;
    const at = Date.now();
    const totals = await metrics.totals();
    const connections: ConnectionCounts = { rtcs: {}, chat: {} };
    const channels = new Set<string>();
    for (const s of hub.allSessions()) {
      const byTransport = connections[s.kind];
      byTransport[s.transport] = (byTransport[s.transport] ?? 0) + 1;
      for (const channel of s.channels) channels.add(`${s.appId}\n${channel}`);
    }
    const before = this.previous;
    const ms = before ? at - before.at : 0;
    this.previous = { at, totals };
    return {
      node: nodeId,
      version,
      at,
      startedAt: this.startedAt,
      connections,
      subscriptions: hub.subscriptionCount,
      channels: channels.size,
      rates: {
        publishes: before ? perSecond(totals.publishes, before.totals.publishes, ms) : 0,
        deliveries: before ? perSecond(totals.deliveries, before.totals.deliveries, ms) : 0,
        chatSends: before ? perSecond(totals.chatSends, before.totals.chatSends, ms) : 0,
      },
      totals: {
        publishes: totals.publishes,
        deliveries: totals.deliveries,
        chatSends: totals.chatSends,
        slowConsumerDrops: totals.drops.slow_consumer,
        floodDrops: totals.drops.flood,
        webhooks: totals.hooks.webhook as HookCounts,
        webauth: totals.hooks.webauth as HookCounts,
      },
    };
  }
}

function sumOf(nodes: readonly NodeStats[]): AdminOverview['sum'] {
  const sum: AdminOverview['sum'] = {
    nodes: nodes.length,
    connections: { rtcs: {}, chat: {} },
    subscriptions: 0,
    channels: 0,
    rates: { publishes: 0, deliveries: 0, chatSends: 0 },
    totals: { publishes: 0, deliveries: 0, chatSends: 0, slowConsumerDrops: 0, floodDrops: 0, webhooks: {}, webauth: {} },
  };
  for (const n of nodes) {
    addCounts(sum.connections.rtcs, n.connections.rtcs);
    addCounts(sum.connections.chat, n.connections.chat);
    sum.subscriptions += n.subscriptions;
    sum.channels += n.channels;
    sum.rates.publishes += n.rates.publishes;
    sum.rates.deliveries += n.rates.deliveries;
    sum.rates.chatSends += n.rates.chatSends;
    const t = sum.totals;
    t.publishes += n.totals.publishes;
    t.deliveries += n.totals.deliveries;
    t.chatSends += n.totals.chatSends;
    t.slowConsumerDrops += n.totals.slowConsumerDrops;
    t.floodDrops += n.totals.floodDrops;
    addCounts(t.webhooks as Record<string, number>, n.totals.webhooks);
    addCounts(t.webauth as Record<string, number>, n.totals.webauth);
  }
  return sum;
}
