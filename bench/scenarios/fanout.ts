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
    const lanes = [{ channel: CHANNEL, publisher, window: Math.max(2, Math.round(opts.fanout.inflight / conn.ok)) }];
    await drive(pool, lanes, opts, opts.fanout.warmupSeconds, WARMUP_FIRST_SEQ);
    pool.reset();
    const run = await drive(pool, lanes, opts, opts.fanout.seconds, 0);
    const { received } = await pool.stats();
    const published = run.published[0]!;
    return {
      target: publishTo.kind,
      subscribers,
      connected: conn.ok,
      publishes: published,
      deliveries: received,
      missing: Math.max(0, published * conn.ok - received),
      publishErrors: run.errors,
      seconds: round(run.seconds, 3),
      deliveriesPerSecond: round(received / run.seconds),
      publishesPerSecond: round(published / run.seconds, 1),
    };
  } finally {
    publisher.close();
  }
}

/** A channel publications go to, through one publisher, with at most `window` of them not yet received by all its subscribers. */
export interface Lane {
  channel: string;
  publisher: Publisher;
  window: number;
}

export interface DriveResult {
  /** Publications sent, per lane. */
  published: number[];
  /** Publications the API accepted (200), per lane. */
  accepted: number[];
  errors: number;
  /** From the first publication until the last lane's last one reached every subscriber. */
  seconds: number;
}

/** Sequence numbers of warm-up publications start here, apart from the measured ones (from 0). */
export const WARMUP_FIRST_SEQ = 1_000_000;

/**
 * Publishes on every lane for `seconds`, each keeping at most its `window` of publications not yet
 * received by every subscriber of its channel, then waits for the last ones (or gives up after 15 s).
 * `firstSeq` keeps warm-up and measured sequence numbers apart.
 */
export async function drive(pool: ClientPool, lanes: readonly Lane[], opts: BenchOptions, seconds: number, firstSeq: number): Promise<DriveResult> {
  const published = lanes.map(() => 0);
  const accepted = lanes.map(() => 0);
  let seq = firstSeq;
  let errors = 0;
  let publishing = true;
  const started = performance.now();
  const pump = () => {
    if (!publishing) return;
    lanes.forEach((lane, k) => {
      while (published[k]! - pool.completedOn(lane.channel) < lane.window) {
        published[k]!++;
        lane.publisher.publish([lane.channel], EVENT, payload(seq++, opts)).then(
          (status) => (status === 200 ? accepted[k]!++ : errors++),
          () => errors++,
        );
      }
    });
  };
  const behind = () => lanes.some((lane, k) => pool.completedOn(lane.channel) < published[k]!);
  pool.onProgress = pump;
  pump();
  await sleep(seconds * 1000);
  publishing = false;
  const drainUntil = performance.now() + 15_000;
  let finished = performance.now();
  while (behind() && performance.now() < drainUntil) {
    await sleep(2);
    finished = performance.now();
  }
  pool.onProgress = () => {};
  return { published, accepted, errors, seconds: (finished - started) / 1000 };
}
