/**
 * Scenario 2, latency: a steady publish rate into many channels (open loop: publications leave on a
 * schedule whatever the target does), publish→receive time measured by each client from the send time
 * in the data. Also the publish API's own round trip as the publisher saw it.
 */
import { Histogram, type LatencySummary } from '../lib/histogram.ts';
import { createPublisher, type Publisher } from '../lib/publisher.ts';
import { sleep } from '../lib/proc.ts';
import { BENCH_API_KEY, BENCH_APP_ID, type TargetKind } from '../lib/targets.ts';
import type { BenchOptions } from '../options.ts';
import { payload, round, withTarget } from './run-target.ts';

export interface LatencyResult {
  target: TargetKind;
  channels: number;
  subscribersPerChannel: number;
  connected: number;
  ratePerSecond: number;
  /** Publications actually sent per second (the schedule may slip on a loaded machine). */
  achievedRate: number;
  publishes: number;
  deliveries: number;
  expectedDeliveries: number;
  publishErrors: number;
  /** publish → receive, ms. */
  delivery: LatencySummary;
  /** The publish call's HTTP round trip, ms. */
  publishApi: LatencySummary;
}

const EVENT = 'bench';

export function runLatency(opts: BenchOptions, kind: TargetKind, ratePerSecond: number): Promise<LatencyResult> {
  const { channels, subscribersPerChannel, seconds } = opts.latency;
  const names = Array.from({ length: channels }, (_, i) => `lat-${i}`);
  return withTarget(kind, opts.clientProcesses, async (target, pool) => {
    const conn = await pool.connect(channels * subscribersPerChannel, (i) => target.connectSpec(`latency-${i}`, opts.client), names, { concurrency: 128 });
    if (conn.failed > 0) throw new Error(`${conn.failed} subscribers failed to connect: ${conn.firstError}`);
    const publisher = createPublisher(target.baseUrl, BENCH_APP_ID, BENCH_API_KEY, 16);
    try {
      await steady(publisher, names, opts, ratePerSecond, Math.min(2, seconds), new Histogram(), 1_000_000);
      await sleep(500);
      pool.reset();
      const api = new Histogram();
      const run = await steady(publisher, names, opts, ratePerSecond, seconds, api, 0);
      const expected = run.published * subscribersPerChannel;
      // Stragglers: wait until everything arrived or 10 s passed.
      const until = performance.now() + 10_000;
      let stats = await pool.stats();
      while (stats.received < expected && performance.now() < until) {
        await sleep(250);
        stats = await pool.stats();
      }
      return {
        target: target.kind,
        channels,
        subscribersPerChannel,
        connected: conn.ok,
        ratePerSecond,
        achievedRate: round(run.published / run.seconds, 1),
        publishes: run.published,
        deliveries: stats.received,
        expectedDeliveries: expected,
        publishErrors: run.errors,
        delivery: stats.latency.summary(),
        publishApi: api.summary(),
      };
    } finally {
      publisher.close();
    }
  });
}

/** Publishes on schedule at the configured rate, round-robin over the channels, for `seconds`. */
async function steady(publisher: Publisher, names: string[], opts: BenchOptions, rate: number, seconds: number, api: Histogram, firstSeq: number) {
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let published = 0;
  let errors = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (published < due) {
      const seq = firstSeq + published;
      const channel = names[published % names.length]!;
      published++;
      const sentAt = performance.now();
      const call = publisher.publish([channel], EVENT, payload(seq, opts)).then(
        (status) => {
          api.record(performance.now() - sentAt);
          if (status !== 200) errors++;
        },
        () => {
          errors++;
        },
      );
      inFlight.add(call);
      void call.finally(() => inFlight.delete(call));
    }
    await sleep(1);
  }
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  return { published, errors, seconds: elapsed };
}
