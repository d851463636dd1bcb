/**
 * The frame every scenario runs in: start one target and a pool of load clients, connect, do the work,
 * and always stop both, whatever happened.
 */
import { ClientPool } from '../lib/client-pool.ts';
import { sleep } from '../lib/proc.ts';
import { startTarget, type StartOptions, type Target, type TargetKind } from '../lib/targets.ts';
import type { BenchOptions } from '../options.ts';

export async function withTarget<T>(
  kind: TargetKind,
  processes: number,
  work: (target: Target, pool: ClientPool) => Promise<T>,
  startOptions: StartOptions = {},
): Promise<T> {
  const target = await startTarget(kind, startOptions);
  const pool = ClientPool.start(processes);
  try {
    return await work(target, pool);
  } finally {
    await pool.close();
    await target.stop();
    // Let sockets in TIME_WAIT and the OS settle between runs.
    await sleep(500);
  }
}

/** The published data: sequence, send time (ms since the epoch, sub-ms), padding. */
export function payload(seq: number, opts: BenchOptions): { s: number; t: number; p: string } {
  return { s: seq, t: performance.timeOrigin + performance.now(), p: 'x'.repeat(opts.payloadBytes) };
}

export const round = (v: number, digits = 0): number => Math.round(v * 10 ** digits) / 10 ** digits;
