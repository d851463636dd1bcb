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
import { loadOptions } from '../bench/options.ts';
import { markdownTable } from '../bench/report.ts';
import { runBench } from '../bench/run.ts';

const outDir = mkdtempSync(join(tmpdir(), 'parley-bench-smoke-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('benchmark harness (smoke)', () => {
  it('runs fan-out, latency and connections against Parley and both baselines and reports well-formed results', async () => {
    const opts = loadOptions(
      {
        BENCH_OUT: outDir,
        BENCH_SCENARIOS: 'fanout,latency,connections,chat',
        BENCH_CLIENT_PROCESSES: '1',
        BENCH_FANOUT_SUBSCRIBERS: '10',
        BENCH_FANOUT_SECONDS: '0.3',
        BENCH_WARMUP_SECONDS: '0.1',
        BENCH_LATENCY_CHANNELS: '2',
        BENCH_LATENCY_SUBSCRIBERS: '3',
        BENCH_LATENCY_RATES: '20',
        BENCH_LATENCY_SECONDS: '0.3',
        BENCH_CONNECTIONS_MAX: '10',
        BENCH_CONNECTIONS_STEP: '5',
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
    expect(r.skipped.map((s) => s.scenario)).toEqual(expect.arrayContaining(['cluster', 'chat']));

    const table = markdownTable(r);
    expect(table).toMatch(/^\| scenario \| metric \| Parley \|/);
    expect(table).toContain('fan-out: 1 channel × 10');
    expect(table).toContain('RSS KiB / session');
    expect(chartSvg(r)).toMatch(/^<svg [\s\S]*<\/svg>\n$/);
  }, 120_000);
});
