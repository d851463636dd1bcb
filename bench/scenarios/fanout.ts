/**
 * Scenario 1, fan-out: one channel with N subscribers; publications go through the publish API as fast
 * as the target delivers them, with a bounded window of publications still on their way (so that no
 * target is measured by how much it can queue). Result: deliveries per second at the clients.
 */
import type { ClientPool } from '../lib/client-pool.ts';
import type { ConnectSpec } from '../lib/ipc.ts';
import { createPublisher, type Publisher } from '../lib/publisher.ts';
import { sleep } from '../lib/proc.ts';
import { BENCH_API_KEY, type StartOptions, type Target, type TargetKind } from '../lib/targets.ts';
import type { BenchOptions } from '../options.ts';
import { payload, round, withTarget } from './run-target.ts';

export interface FanoutResult {
  target: TargetKind;
  subscribers: number;
  connected: number;
  publishes: number;
  deliveries: number;
  /** Deliveries missing at the end (publishes × connected − deliveries). */
  missing: number;
  publishErrors: number;
  seconds: number;
  deliveriesPerSecond: number;
  publishesPerSecond: number;
}

const CHANNEL = 'fanout';
const EVENT = 'bench';

export function runFanout(opts: BenchOptions, kind: TargetKind, subscribers: number, startOptions: StartOptions = {}): Promise<FanoutResult> {
  return withTarget(kind, opts.clientProcesses, (target, pool) => measureFanout(opts, subscribers, pool, target, (i) => target.connectSpec(`fanout-${i}`, opts.client)), startOptions);
}

/**
 * The measurement itself, on targets already running: `pool` process i connects its share of the
 * subscribers with `specFor(i)` (the cluster scenario points each process at another node), and every
 * publication goes to `publishTo`.
 */
export async function measureFanout(
  opts: BenchOptions,
  subscribers: number,
  pool: ClientPool,
  publishTo: Target,
  specFor: (processIndex: number) => Promise<ConnectSpec>,
): Promise<FanoutResult> {
  const conn = await pool.connect(subscribers, specFor, [CHANNEL], { trackCompletion: true });
  if (conn.ok === 0) throw new Error(`no subscriber connected: ${conn.firstError}`);
  const publisher = createPublisher(publishTo.baseUrl, publishTo.appId, BENCH_API_KEY);
  try {
    const window = Math.max(2, Math.round(opts.fanout.inflight / conn.ok));
    await drive(pool, publisher, opts, window, opts.fanout.warmupSeconds, 1_000_000);
    pool.reset();
    const run = await drive(pool, publisher, opts, window, opts.fanout.seconds, 0);
    const { received } = await pool.stats();
    return {
      target: publishTo.kind,
      subscribers,
      connected: conn.ok,
      publishes: run.published,
      deliveries: received,
      missing: Math.max(0, run.published * conn.ok - received),
      publishErrors: run.errors,
      seconds: round(run.seconds, 3),
      deliveriesPerSecond: round(received / run.seconds),
      publishesPerSecond: round(run.published / run.seconds, 1),
    };
  } finally {
    publisher.close();
  }
}

/**
 * Publishes for `seconds`, keeping at most `window` publications not yet received by every subscriber,
 * then waits for the last ones. `firstSeq` keeps warm-up and measured sequence numbers apart.
 */
async function drive(pool: ClientPool, publisher: Publisher, opts: BenchOptions, window: number, seconds: number, firstSeq: number) {
  let published = 0;
  let errors = 0;
  let publishing = true;
  const started = performance.now();
  const pump = () => {
    while (publishing && published - pool.completed < window) {
      const seq = firstSeq + published++;
      publisher.publish([CHANNEL], EVENT, payload(seq, opts)).then(
        (status) => (status === 200 ? undefined : errors++),
        () => errors++,
      );
    }
  };
  pool.onProgress = pump;
  pump();
  await sleep(seconds * 1000);
  publishing = false;
  // The last publications: wait until every subscriber has them (or give up after 15 s).
  const drainUntil = performance.now() + 15_000;
  let finished = performance.now();
  while (pool.completed < published && performance.now() < drainUntil) {
    await sleep(2);
    finished = performance.now();
  }
  pool.onProgress = () => {};
  return { published, errors, seconds: (finished - started) / 1000 };
}
