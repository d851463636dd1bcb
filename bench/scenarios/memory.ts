/**
 * Scenario: memory per idle session, and where it goes. Connects a warm-up batch of subscribed sessions
 * (so that one-time allocations — compiled code, caches, pools — are in both snapshots), takes a heap
 * snapshot, connects `sessions` more, takes another; the difference divided by the sessions is what
 * each one keeps on the V8 heap, by holder (lib/heap-snapshot.ts). RSS per session is read beside it:
 * the rest (sockets' kernel-side buffers aside) is off-heap memory such as Buffers and TLS-free ws state.
 */
import { ClientPool } from '../lib/client-pool.ts';
import { ownersPerSession, perSession, type HeapShare } from '../lib/heap-snapshot.ts';
import { rssKib, sleep } from '../lib/proc.ts';
import { startTarget, type TargetKind } from '../lib/targets.ts';
import type { BenchOptions } from '../options.ts';
import { round } from './run-target.ts';

export interface MemoryResult {
  target: TargetKind;
  sessions: number;
  held: number;
  /** V8 heap bytes each added session keeps (snapshot difference ÷ sessions), in KiB. */
  heapKibPerSession: number;
  /** RSS growth per added session, in KiB, read between the snapshots (noisier: allocator and GC timing). */
  rssKibPerSession: number;
  /** The largest holders of those heap bytes, bytes per session. */
  shares: HeapShare[];
  /** The same bytes by the per-connection object they hang under (lib/heap-snapshot.ts OWNERS), per session. */
  owners: Array<{ owner: string; bytesPerSession: number }>;
}

const CHANNELS = 100;
/** Holders listed in the result; the rest is summed under "(other)". */
const SHARES_LISTED = 15;

export async function runMemory(opts: BenchOptions, kind: TargetKind): Promise<MemoryResult> {
  const { sessions, warmup, settleMs } = opts.memory;
  const names = Array.from({ length: CHANNELS }, (_, i) => `mem-${i}`);
  const target = await startTarget(kind);
  const pool = ClientPool.start(opts.clientProcesses);
  try {
    const spec = (processIndex: number) => target.connectSpec(`mem-${processIndex}`, opts.client);
    const first = await pool.connect(warmup, spec, names, { concurrency: 64 });
    await sleep(settleMs);
    // RSS read between the two snapshots: writing one takes memory the process keeps (read after the
    // second, larger one, every Parley session looked ~90 KiB), and the sessions are what is measured.
    const before = await target.heap();
    const rssBefore = rssKib(target.pid);
    const added = await pool.connect(sessions, spec, names, { concurrency: 64 });
    await sleep(settleMs);
    const rssAfter = rssKib(target.pid);
    const after = await target.heap();
    if (first.failed + added.failed > 0) throw new Error(`${first.failed + added.failed} sessions failed to connect: ${first.firstError ?? added.firstError}`);
    const { bytesPerSession, shares } = perSession(before, after, added.ok);
    const listed = shares.slice(0, SHARES_LISTED);
    const rest = shares.slice(SHARES_LISTED).reduce((sum, s) => sum + s.bytesPerSession, 0);
    return {
      target: kind,
      sessions,
      held: added.ok,
      heapKibPerSession: round(bytesPerSession / 1024, 2),
      rssKibPerSession: round((rssAfter - rssBefore) / Math.max(1, added.ok), 2),
      shares: [...listed, { holder: '(the rest)', bytesPerSession: rest, countPerSession: 0 }],
      owners: ownersPerSession(before, after, added.ok),
    };
  } finally {
    await pool.close();
    await target.stop();
  }
}
