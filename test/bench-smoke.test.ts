/**
 * Smoke run of the benchmark harness with tiny counts: every process starts, connects, publishes and
 * stops, and the results are well formed. It asserts nothing about speed (the benchmarks themselves
 * never run under `npm test`: `npm run bench`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chartSvg } from '../bench/chart.ts';
import { postgresProblem, redisProblem } from '../bench/lib/services.ts';
import { loadOptions } from '../bench/options.ts';
import { markdownTable } from '../bench/report.ts';
import { runBench } from '../bench/run.ts';

const outDir = mkdtempSync(join(tmpdir(), 'parley-bench-smoke-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Chat on PostgreSQL and the cluster need the machine's PostgreSQL and Redis: CI has both; elsewhere
// the harness reports them as not measured, and so does this test.
const postgresMissing = await postgresProblem(POSTGRES_URL);
const redisMissing = await redisProblem(REDIS_URL);

describe('benchmark harness (smoke)', () => {
  it('has PostgreSQL and Redis under CI', () => {
    if (IN_CI) expect([postgresMissing, redisMissing]).toEqual([undefined, undefined]);
  });

  it('runs every scenario but the profile with tiny counts and reports well-formed results', async () => {
    const opts = loadOptions(
      {
        BENCH_OUT: outDir,
        BENCH_SCENARIOS: 'fanout,latency,connections,memory,chat,chat-webhooks,search,export,cluster,churn,start',
        BENCH_CLIENT_PROCESSES: '1',
        BENCH_FANOUT_SUBSCRIBERS: '10',
        BENCH_FANOUT_SECONDS: '0.3',
        BENCH_WARMUP_SECONDS: '0.1',
        // A window of 10 publications: the default (80,000 deliveries) would queue 8,000 to 10 subscribers.
        BENCH_FANOUT_INFLIGHT: '100',
        BENCH_LATENCY_CHANNELS: '2',
        BENCH_LATENCY_SUBSCRIBERS: '3',
        BENCH_LATENCY_RATES: '20',
        BENCH_LATENCY_SECONDS: '0.3',
        BENCH_CONNECTIONS_MAX: '10',
        BENCH_CONNECTIONS_STEP: '5',
        BENCH_CONNECTIONS_SETTLE_MS: '200',
        BENCH_MEMORY_SESSIONS: '20',
        BENCH_MEMORY_WARMUP: '5',
        BENCH_MEMORY_SETTLE_MS: '100',
        BENCH_SEARCH_MESSAGES: '1000',
        BENCH_SEARCH_CHANNELS: '4',
        BENCH_SEARCH_ROUNDS: '1',
        BENCH_EXPORT_MESSAGES: '1000',
        BENCH_CHAT_CHANNELS: '2',
        BENCH_CHAT_SENDERS: '2',
        BENCH_CHAT_SECONDS: '0.3',
        BENCH_CHAT_WARMUP_SECONDS: '0.1',
        BENCH_CHAT_STEADY_RATE: '100',
        BENCH_POSTGRES_URL: POSTGRES_URL,
        BENCH_REDIS_URL: REDIS_URL,
        BENCH_CLUSTER_SPREAD_CHANNELS: '2',
        BENCH_CLUSTER_SPREAD_SUBSCRIBERS: '3',
        BENCH_CHURN_CYCLES: '40',
        BENCH_CHURN_CONCURRENCY: '8',
        BENCH_CHURN_SETTLE_SECONDS: '0.5',
        BENCH_START_ROUNDS: '1',
        BENCH_START_REST_MS: '100',
      },
      [],
    );
    const r = await runBench(opts);

    expect(r.errors).toEqual([]);
    expect(r.fanout.map((f) => f.target).sort()).toEqual(['parley', 'socketio', 'ws']);
    for (const f of r.fanout) {
      expect(f.connected).toBe(10);
      expect(f.publishes).toBeGreaterThan(0);
      expect(f.deliveries).toBe(f.publishes * f.connected);
      expect(f.deliveriesPerSecond).toBeGreaterThan(0);
    }
    expect(r.latency).toHaveLength(3);
    for (const l of r.latency) {
      expect(l.deliveries).toBe(l.expectedDeliveries);
      expect(l.delivery.count).toBe(l.deliveries);
      expect(l.delivery.p50).toBeLessThanOrEqual(l.delivery.p99);
      expect(l.delivery.p99).toBeLessThanOrEqual(l.delivery.max);
    }
    expect(r.connections).toHaveLength(3);
    for (const c of r.connections) {
      expect(c.held).toBe(10);
      expect(c.receivingAtEnd).toBe(10);
      expect(c.steps.map((s) => s.sessions)).toEqual([5, 10]);
      expect(c.rssKib).toBeGreaterThan(0);
    }

    // Heap snapshots of every target around 20 added sessions: what each keeps, and in what.
    expect(r.memory.map((m) => m.target)).toEqual(['parley', 'socketio', 'ws']);
    for (const m of r.memory) {
      expect(m.held).toBe(20);
      expect(m.heapKibPerSession).toBeGreaterThan(0);
      expect(m.shares.length).toBeGreaterThan(1);
    }
    // Search over 1,000 seeded messages: every query answered, the rare word found.
    expect(r.search.map((s) => s.engine)).toEqual(postgresMissing ? ['sqlite'] : ['sqlite', 'postgres']);
    for (const s of r.search) {
      expect(s.sdk.count).toBe(s.queries.length);
      expect(s.platform.count).toBe(s.queries.length);
      expect(s.queries.find((q) => q.kind === 'absent')?.hits).toBe(0);
      expect(s.queries.find((q) => q.kind === 'common Korean word')?.hits).toBeGreaterThan(0);
    }

    // Sends with chat webhooks next to without, and an export of 1,000 seeded messages, on each engine.
    const engines = postgresMissing ? ['sqlite'] : ['sqlite', 'postgres'];
    expect(r.chatWebhooks.map((w) => w.engine)).toEqual(engines);
    for (const w of r.chatWebhooks) {
      expect(w.off.errors + w.on.errors).toBe(0);
      expect(w.on.messagesPerSecond).toBeGreaterThan(0);
      expect(w.received).toBeGreaterThan(0);
    }
    expect(r.exports.map((e) => [e.engine, e.messages])).toEqual(engines.map((e) => [e, 1000]));
    for (const e of r.exports) expect(e.fileMiB).toBeGreaterThan(0);

    expect(r.chat.map((c) => c.engine)).toEqual(postgresMissing ? ['sqlite'] : ['sqlite', 'postgres']);
    for (const c of r.chat) {
      expect(c.connected).toBe(2 * 10);
      expect(c.sent).toBeGreaterThan(0);
      expect(c.errors).toBe(0);
      expect(c.api.count).toBe(c.sent);
      expect(c.expectedDeliveries).toBe(c.sent * 10);
      expect(c.deliveries).toBe(c.expectedDeliveries);
      // Every delivery carried its send time.
      expect(c.delivery.count).toBe(c.deliveries);
      // The open-loop run at a steady rate.
      // 100/s, or 80% of what the closed loop reached if that was less.
      expect(c.steady.rate).toBeGreaterThan(0);
      expect(c.steady.rate).toBeLessThanOrEqual(100);
      expect(c.steady.sent).toBeGreaterThan(0);
      expect(c.steady.errors).toBe(0);
      expect(c.steady.api.count).toBe(c.steady.sent);
      expect(c.steady.deliveries).toBe(c.steady.sent * 10);
      expect(c.steady.expectedDeliveries).toBe(c.steady.deliveries);
    }

    if (postgresMissing || redisMissing) {
      expect(r.skipped.map((s) => s.scenario)).toContain('cluster');
    } else {
      expect(r.cluster).toHaveLength(1);
      const c = r.cluster[0]!;
      // 10 subscribers over 3 nodes, one load process per node.
      expect(c.perNode).toEqual([4, 3, 3]);
      expect(c.run.connected).toBe(10);
      expect(c.run.publishes).toBeGreaterThan(0);
      expect(c.run.deliveries).toBe(c.run.publishes * 10);
      expect(c.oneNode.source).toBe('fan-out scenario');

      // Channels spread: 2 channels × 3 subscribers on each node, one node alone first, then 3.
      expect(r.clusterSpread).toHaveLength(1);
      const s = r.clusterSpread[0]!;
      expect(s.oneNode.nodes).toHaveLength(1);
      expect(s.cluster.nodes).toHaveLength(3);
      // Node k's channels are published to through node k+1's API.
      expect(s.cluster.nodes.map((n) => n.publishedThrough)).toEqual([1, 2, 0]);
      for (const run of [s.oneNode, s.cluster]) {
        expect(run.connected).toBe(run.nodes.length * 6);
        expect(run.publishes).toBeGreaterThan(0);
        expect(run.publishErrors).toBe(0);
        expect(run.missing).toBe(0);
        expect(run.deliveries).toBe(run.publishes * 3);
        expect(run.deliveriesPerSecond).toBeGreaterThan(0);
        expect(run.machineCpuPercent).toBeGreaterThan(0);
        for (const node of run.nodes) {
          expect(node.sessions).toBe(6);
          expect(node.publications).toBeGreaterThan(0);
          expect(node.deliveries).toBe(node.publications * 3);
          // From Redis, a node gets its own channels' publications, once each, and nothing else.
          expect(node.redisReceived).toBe(node.publications);
        }
      }
      expect(s.speedup).toBeGreaterThan(0);
    }

    expect(r.churn.map((c) => c.target)).toEqual(['parley', 'socketio']);
    for (const c of r.churn) {
      expect(c.completed).toBe(40);
      expect(c.failed).toBe(0);
      expect(c.cyclesPerSecond).toBeGreaterThan(0);
      for (const reading of [c.before, c.after, c.settled]) {
        expect(reading.rssKib).toBeGreaterThan(0);
        expect(reading.fds).toBeGreaterThan(0);
      }
      expect(c.settled.sessions).toBe(0);
    }
    expect(r.start).toHaveLength(1);
    expect(r.start[0]!.startMs).toHaveLength(1);
    expect(r.start[0]!.medianStartMs).toBeGreaterThan(0);
    expect(r.start[0]!.medianRestRssMiB).toBeGreaterThan(10);
    expect(r.skipped.map((s) => s.scenario)).toEqual([...(postgresMissing ? ['chat on PostgreSQL'] : []), ...(postgresMissing || redisMissing ? ['cluster'] : [])]);

    const table = markdownTable(r);
    expect(table).toMatch(/^\| scenario \| metric \| Parley \|/);
    expect(table).toContain('fan-out: 1 channel × 10');
    expect(table).toContain('RSS KiB / session');
    expect(table).toContain('chat on SQLite: 2×10 members, 2 closed-loop senders');
    expect(table).toMatch(/chat on SQLite: 2×10 members, open loop at \d+\/s/);
    expect(table).toContain('churn: 40 connect → subscribe → disconnect');
    expect(table).toContain('production build (`npm start`, fresh SQLite data directory): 1 start');
    if (!postgresMissing && !redisMissing) {
      expect(table).toContain('cluster, channels spread: 3 nodes × 2 channels × 3 subscribers');
      expect(table).toMatch(/\| Redis messages received per node \| \d+ \/ \d+ \/ \d+ \|.*✅ \|/);
    }
    expect(chartSvg(r)).toMatch(/^<svg [\s\S]*<\/svg>\n$/);
  // Some forty target starts in sequence: about 100 s on a quiet machine, more when the machine is shared.
  }, 300_000);
});
