/**
 * Benchmark parameters: full defaults, `BENCH_QUICK=1` (or `--quick`) for a scaled-down run, and
 * individual overrides by environment (`BENCH_*`) or `--name=value` flags. Printed before a run.
 */
import { fileURLToPath } from 'node:url';
import type { ClientMode, TargetKind } from './lib/targets.ts';

export const SCENARIOS = ['fanout', 'latency', 'connections', 'memory', 'chat', 'chat-webhooks', 'search', 'export', 'cluster', 'churn', 'console', 'start', 'profile'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Chat's storage engines: SQLite (the default server) and PostgreSQL (a fresh database per run). */
export const CHAT_ENGINES = ['sqlite', 'postgres'] as const;
export type ChatEngine = (typeof CHAT_ENGINES)[number];

export interface BenchOptions {
  quick: boolean;
  scenarios: ScenarioName[];
  targets: TargetKind[];
  /** Load-client processes per run (the 20k-connection ramp uses at least as many as it needs). */
  clientProcesses: number;
  client: ClientMode;
  /** Size of the `p` padding in each published data object. */
  payloadBytes: number;
  /** `inflight`: deliveries allowed on their way before the next publish (the window, in messages). */
  fanout: { subscribers: number[]; seconds: number; warmupSeconds: number; inflight: number };
  /** One latency run per rate: the requested load, and a lower one the machine can carry. */
  latency: { channels: number; subscribersPerChannel: number; rates: number[]; seconds: number };
  /** `settleMs`: the wait after each step before RSS is read. */
  connections: { max: number; step: number; settleMs: number };
  /** Search latency over `messages` seeded messages in `channels` channels, `rounds` times each query and face. */
  search: { messages: number; channels: number; rounds: number };
  /** An export job over `messages` seeded messages. */
  export: { messages: number };
  /** Heap snapshots around `sessions` idle sessions added after `warmup` ones. */
  memory: { sessions: number; warmup: number; settleMs: number };
  /** Closed-loop `senders` POST text messages into `channels` group channels of `membersPerChannel` connected members. */
  /** `steadyRate`: the open-loop send rate whose latency is reported next to the closed loop's capacity. */
  chat: { engines: ChatEngine[]; channels: number; membersPerChannel: number; senders: number; seconds: number; warmupSeconds: number; steadyRate: number; postgresAdminUrl: string; webhookRounds: number };
  /**
   * The fan-out scenario over `nodes` Parley nodes sharing Redis and a fresh PostgreSQL database; then
   * `spread`: `channelsPerNode` channels on each node (0: not run), `subscribersPerChannel` each, all
   * connected to the channel's node, next to one node with one node's share.
   */
  cluster: { nodes: number; subscribers: number[]; redisUrl: string; spread: { channelsPerNode: number; subscribersPerChannel: number } };
  /** connect → subscribe → disconnect `cycles` times, `concurrency` at once; `settleSeconds` before the last reading. */
  churn: { cycles: number; concurrency: number; settleSeconds: number };
  profile: { subscribers: number; seconds: number };
  /** Parley's fan-out with one debug console streaming the app, next to none: `rounds` of each, alternating. */
  console: { subscribers: number[]; rounds: number };
  /** The production build's start (spawn → /health) and RSS after `restMs` at rest, `rounds` times. */
  start: { rounds: number; restMs: number };
  outDir: string;
  /** Rewrite bench/README.md's results table (off for smoke runs to other directories). */
  updateReadme: boolean;
}

type Source = Record<string, string | undefined>;

function num(src: Source, key: string, fallback: number): number {
  const raw = src[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${key} must be a non-negative number, got ${raw}`);
  return n;
}

function list<T extends string>(src: Source, key: string, allowed: readonly T[], fallback: T[]): T[] {
  const raw = src[key];
  if (!raw) return fallback;
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean) as T[];
  const bad = items.find((i) => !allowed.includes(i));
  if (bad) throw new Error(`${key}: unknown value ${bad} (known: ${allowed.join(', ')})`);
  return items;
}

/** `--fanout-subscribers=1000,10000` → BENCH_FANOUT_SUBSCRIBERS; `--quick` → BENCH_QUICK=1. */
function flagsToEnv(argv: readonly string[]): Source {
  const out: Source = {};
  for (const arg of argv) {
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const [name = '', value = '1'] = arg.slice(2).split(/=(.*)/s);
    out[`BENCH_${name.toUpperCase().replaceAll('-', '_')}`] = value;
  }
  return out;
}

export function loadOptions(env: Source, argv: readonly string[]): BenchOptions {
  const src: Source = { ...env, ...flagsToEnv(argv) };
  const quick = src.BENCH_QUICK === '1' || src.BENCH_QUICK === 'true';
  const q = <T>(full: T, small: T): T => (quick ? small : full);
  const subs = (src.BENCH_FANOUT_SUBSCRIBERS ?? q('1000,10000', '200,1000')).split(',').map(Number);
  if (subs.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('BENCH_FANOUT_SUBSCRIBERS must be positive integers');
  const clusterSubs = (src.BENCH_CLUSTER_SUBSCRIBERS ?? subs.join(',')).split(',').map(Number);
  if (clusterSubs.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('BENCH_CLUSTER_SUBSCRIBERS must be positive integers');
  const rates = (src.BENCH_LATENCY_RATES ?? q('1000,500,250', '200')).split(',').map(Number);
  if (rates.some((n) => !(n > 0))) throw new Error('BENCH_LATENCY_RATES must be positive numbers');
  const outDir = src.BENCH_OUT ?? fileURLToPath(new URL('results/', import.meta.url));
  return {
    quick,
    scenarios: list(src, 'BENCH_SCENARIOS', SCENARIOS, [...SCENARIOS]),
    targets: list<TargetKind>(src, 'BENCH_TARGETS', ['parley', 'socketio', 'ws'], ['parley', 'socketio', 'ws']),
    clientProcesses: Math.max(1, num(src, 'BENCH_CLIENT_PROCESSES', 2)),
    client: list<ClientMode>(src, 'BENCH_CLIENT', ['thin', 'socket.io-client'], ['thin'])[0]!,
    payloadBytes: num(src, 'BENCH_PAYLOAD_BYTES', 64),
    fanout: {
      subscribers: subs,
      seconds: num(src, 'BENCH_FANOUT_SECONDS', q(6, 2)),
      warmupSeconds: num(src, 'BENCH_WARMUP_SECONDS', q(2, 0.5)),
      inflight: Math.max(1, num(src, 'BENCH_FANOUT_INFLIGHT', 80_000)),
    },
    latency: {
      channels: num(src, 'BENCH_LATENCY_CHANNELS', q(100, 20)),
      subscribersPerChannel: num(src, 'BENCH_LATENCY_SUBSCRIBERS', q(100, 20)),
      rates,
      seconds: num(src, 'BENCH_LATENCY_SECONDS', q(10, 3)),
    },
    connections: {
      max: num(src, 'BENCH_CONNECTIONS_MAX', q(20_000, 2000)),
      step: num(src, 'BENCH_CONNECTIONS_STEP', q(2500, 1000)),
      settleMs: num(src, 'BENCH_CONNECTIONS_SETTLE_MS', 1500),
    },
    search: {
      messages: Math.max(1000, num(src, 'BENCH_SEARCH_MESSAGES', q(100_000, 10_000))),
      channels: Math.max(1, num(src, 'BENCH_SEARCH_CHANNELS', 50)),
      rounds: Math.max(1, num(src, 'BENCH_SEARCH_ROUNDS', q(40, 10))),
    },
    export: { messages: Math.max(1000, num(src, 'BENCH_EXPORT_MESSAGES', q(1_000_000, 20_000))) },
    memory: {
      sessions: Math.max(1, num(src, 'BENCH_MEMORY_SESSIONS', q(5000, 1000))),
      warmup: Math.max(1, num(src, 'BENCH_MEMORY_WARMUP', 200)),
      settleMs: num(src, 'BENCH_MEMORY_SETTLE_MS', 1500),
    },
    chat: {
      engines: list(src, 'BENCH_CHAT_ENGINES', CHAT_ENGINES, [...CHAT_ENGINES]),
      channels: Math.max(1, num(src, 'BENCH_CHAT_CHANNELS', q(50, 5))),
      membersPerChannel: 10,
      senders: Math.max(1, num(src, 'BENCH_CHAT_SENDERS', 32)),
      seconds: num(src, 'BENCH_CHAT_SECONDS', q(8, 2)),
      warmupSeconds: num(src, 'BENCH_CHAT_WARMUP_SECONDS', q(2, 0.5)),
      steadyRate: Math.max(1, num(src, 'BENCH_CHAT_STEADY_RATE', q(2000, 200))),
      postgresAdminUrl: src.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      webhookRounds: Math.max(1, num(src, 'BENCH_CHAT_WEBHOOK_ROUNDS', q(3, 1))),
    },
    cluster: {
      nodes: Math.max(1, num(src, 'BENCH_CLUSTER_NODES', 3)),
      subscribers: clusterSubs,
      redisUrl: src.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
      spread: {
        channelsPerNode: Math.floor(num(src, 'BENCH_CLUSTER_SPREAD_CHANNELS', 2)),
        subscribersPerChannel: Math.max(1, Math.floor(num(src, 'BENCH_CLUSTER_SPREAD_SUBSCRIBERS', q(1000, 200)))),
      },
    },
    churn: {
      cycles: Math.max(1, num(src, 'BENCH_CHURN_CYCLES', q(10_000, 1000))),
      concurrency: Math.max(1, num(src, 'BENCH_CHURN_CONCURRENCY', 200)),
      settleSeconds: num(src, 'BENCH_CHURN_SETTLE_SECONDS', q(5, 2)),
    },
    profile: { subscribers: num(src, 'BENCH_PROFILE_SUBSCRIBERS', q(10_000, 1000)), seconds: num(src, 'BENCH_PROFILE_SECONDS', q(6, 2)) },
    console: {
      subscribers: (src.BENCH_CONSOLE_SUBSCRIBERS ?? q('1000', '200')).split(',').map(Number),
      rounds: Math.max(1, num(src, 'BENCH_CONSOLE_ROUNDS', q(2, 1))),
    },
    start: { rounds: Math.max(1, num(src, 'BENCH_START_ROUNDS', q(5, 1))), restMs: num(src, 'BENCH_START_REST_MS', q(3000, 1000)) },
    outDir,
    updateReadme: src.BENCH_UPDATE_README !== '0' && src.BENCH_OUT === undefined,
  };
}
