/**
 * Scenario 6, churn soak: many connect → subscribe → disconnect cycles (half leave cleanly, half just
 * vanish) with bounded concurrency, to show whether the server gives back what a session took. The
 * server's RSS, open file descriptors and session count are read before the cycles (after a warm-up
 * round), right after them, and after a settle time; a server that keeps anything per past session
 * grows with the cycles.
 */
import { ClientPool } from '../lib/client-pool.ts';
import { openFds, rssKib, sleep } from '../lib/proc.ts';
import { startTarget, type Target, type TargetKind } from '../lib/targets.ts';
import type { BenchOptions } from '../options.ts';
import { round } from './run-target.ts';

export interface ServerReading {
  rssKib: number;
  fds: number;
  sessions: number;
}

export interface ChurnResult {
  target: TargetKind;
  cycles: number;
  concurrency: number;
  completed: number;
  failed: number;
  firstError?: string;
  cyclesPerSecond: number;
  /** After the warm-up round, before the measured cycles. */
  before: ServerReading;
  after: ServerReading;
  /** `settleSeconds` after the cycles. */
  settled: ServerReading;
}

const CHANNELS = 100;
/** The warm-up round: JIT, buffers and pools grown once, so that `before` is not a cold server. */
const WARMUP_SHARE = 0.1;

export async function runChurn(opts: BenchOptions, kind: TargetKind): Promise<ChurnResult> {
  const { cycles, concurrency, settleSeconds } = opts.churn;
  const names = Array.from({ length: CHANNELS }, (_, i) => `churn-${i}`);
  const target = await startTarget(kind);
  const pool = ClientPool.start(opts.clientProcesses);
  const specFor = (i: number) => target.connectSpec(`churn-${i}`, opts.client);
  try {
    await pool.churn(Math.ceil(cycles * WARMUP_SHARE), specFor, names, concurrency);
    await sleep(Math.min(1000, settleSeconds * 1000));
    const before = await read(target);
    const res = await pool.churn(cycles, specFor, names, concurrency);
    const after = await read(target);
    await sleep(settleSeconds * 1000);
    const settled = await read(target);
    return {
      target: kind,
      cycles,
      concurrency,
      completed: res.ok,
      failed: res.failed,
      firstError: res.firstError,
      cyclesPerSecond: round(res.ok / (res.ms / 1000)),
      before,
      after,
      settled,
    };
  } finally {
    await pool.close();
    await target.stop();
    await sleep(500);
  }
}

async function read(target: Target): Promise<ServerReading> {
  return { rssKib: rssKib(target.pid), fds: openFds(target.pid), sessions: await target.sessions() };
}
