/**
 * Prometheus metrics through prom-client, one registry per server instance. Gauges that mirror live
 * state (connections, subscriptions) are read at scrape time, so nothing on a hot path updates them.
 * The metric names are a contract: deploy/grafana-dashboard.json queries them (test/grafana-dashboard.test.ts).
 */
import type { ChatMessage } from '@parley/protocol';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Hub } from '../realtime/hub.ts';
import type { HookResult } from '../realtime/hooks-client.ts';
import type { RealtimeObserver } from '../realtime/observer.ts';

/** Counter totals of one node since it started (the console's overview reads them). */
export interface MetricTotals {
  publishes: number;
  deliveries: number;
  chatSends: number;
  drops: Record<'flood' | 'slow_consumer', number>;
  /** By kind, then outcome. */
  hooks: Record<'webauth' | 'webhook', Record<string, number>>;
}

export class Metrics implements RealtimeObserver {
  readonly registry = new Registry();
  private readonly publishes: Counter;
  private readonly publishChannels: Counter;
  private readonly deliveries: Counter;
  private readonly drops: Counter<'reason'>;
  private readonly hooks: Counter<'kind' | 'outcome'>;
  private readonly hookLatency: Histogram<'kind'>;
  private readonly httpLatency: Histogram<'method' | 'route' | 'status'>;
  private readonly storageLatency: Histogram;
  private readonly chatMessages: Counter<'type'>;
  private readonly brokerMessages: Counter;

  constructor(hub: Hub) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_process_', eventLoopMonitoringPrecision: 20 });
    new Gauge({
      name: 'parley_connections',
      help: 'Connections on this node: kind rtcs (realtime sessions, every transport) or chat (SDK sockets), by transport',
      labelNames: ['kind', 'transport'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
        for (const s of hub.allSessions()) count(`${s.kind} ${s.transport}`);
        for (const [key, n] of counts) {
          const [kind, transport] = key.split(' ') as [string, string];
          this.set({ kind, transport }, n);
        }
      },
    });
    new Gauge({
      name: 'parley_subscriptions',
      help: 'Channel subscriptions of this node’s sessions',
      registers,
      collect() {
        this.set(hub.subscriptionCount);
      },
    });
    this.publishes = new Counter({ name: 'parley_publishes_total', help: 'Publications accepted by the Service API', registers });
    this.publishChannels = new Counter({ name: 'parley_publish_channels_total', help: 'Channels named by accepted publications', registers });
    this.deliveries = new Counter({ name: 'parley_deliveries_total', help: 'Session writes of publications on this node', registers });
    this.drops = new Counter({
      name: 'parley_session_drops_total',
      help: 'Sessions disconnected by the server for flooding or for not reading (slow consumers)',
      labelNames: ['reason'],
      registers,
    });
    this.hooks = new Counter({
      name: 'parley_hook_requests_total',
      help: 'WebAuth and webhook calls by outcome (ok = HTTP 200)',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.hookLatency = new Histogram({
      name: 'parley_hook_duration_seconds',
      help: 'WebAuth and webhook call latency',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
      registers,
    });
    this.httpLatency = new Histogram({
      name: 'parley_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.brokerMessages = new Counter({
      name: 'parley_broker_messages_received_total',
      help: 'Messages this node received from the cluster bus (Redis): only those of channels it hosts',
      registers,
    });
    this.chatMessages = new Counter({
      name: 'parley_chat_messages_total',
      help: 'Chat messages sent through this node (server and client API), by type',
      labelNames: ['type'],
      registers,
    });
    this.storageLatency = new Histogram({
      name: 'parley_storage_query_duration_seconds',
      help: 'Database query latency',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
  }

  /** Counts the chat connections of this socket.io server in `parley_connections{kind="chat"}`. */
  /** One message received from the cluster bus (a node receives only the channels it hosts). */
  brokerReceived(): void {
    this.brokerMessages.inc();
  }

  chatMessage(type: ChatMessage['type']): void {
    this.chatMessages.inc({ type: type === 'file' ? 'file' : 'text' });
  }

  published(channels: number): void {
    this.publishes.inc();
    this.publishChannels.inc(channels);
  }

  delivered(sessions: number): void {
    if (sessions > 0) this.deliveries.inc(sessions);
  }

  dropped(reason: 'flood' | 'slow_consumer'): void {
    this.drops.inc({ reason });
  }

  async totals(): Promise<MetricTotals> {
    const [publishes, deliveries, chat, drops, hooks] = await Promise.all([this.publishes.get(), this.deliveries.get(), this.chatMessages.get(), this.drops.get(), this.hooks.get()]);
    const total = (m: { values: Array<{ value: number }> }) => m.values.reduce((n, v) => n + v.value, 0);
    const out: MetricTotals = { publishes: total(publishes), deliveries: total(deliveries), chatSends: total(chat), drops: { flood: 0, slow_consumer: 0 }, hooks: { webauth: {}, webhook: {} } };
    for (const v of drops.values) if (v.labels.reason === 'flood' || v.labels.reason === 'slow_consumer') out.drops[v.labels.reason] += v.value;
    for (const v of hooks.values) {
      const kind = v.labels.kind;
      if (kind === 'webauth' || kind === 'webhook') out.hooks[kind][String(v.labels.outcome)] = v.value;
    }
    return out;
  }

  hook(kind: 'webauth' | 'webhook', result: HookResult): void {
    this.hooks.inc({ kind, outcome: result.outcome });
    this.hookLatency.observe({ kind }, result.ms / 1000);
  }

  http(method: string, route: string, status: number, seconds: number): void {
    this.httpLatency.observe({ method, route, status: String(status) }, seconds);
  }

  query(ms: number): void {
    this.storageLatency.observe(ms / 1000);
  }
}
