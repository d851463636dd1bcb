/**
 * Scenario 3, connections: ramps subscribed sessions in steps up to a bound, reading the server's RSS
 * from /proc after each step, then checks that every session still receives (one publication per
 * channel). Stops early when a step fails to connect.
 */
import { ClientPool } from '../lib/client-pool.ts';
import { createPublisher } from '../lib/publisher.ts';
import { openFilesLimit, rssKib, sleep } from '../lib/proc.ts';
import { BENCH_API_KEY, BENCH_APP_ID, startTarget, type TargetKind } from '../lib/targets.ts';
import type { BenchOptions } from '../options.ts';
import { payload, round } from './run-target.ts';

export interface ConnectionStep {
  sessions: number;
  rssKib: number;
  /** (RSS − idle RSS) / sessions. */
  kibPerSession: number;
  connectMs: number;
}

export interface ConnectionsResult {
  target: TargetKind;
  bound: number;
  /** Why the bound is below the requested maximum, if it is. */
  boundNote?: string;
  held: number;
  failed: number;
  firstError?: string;
  idleRssKib: number;
  rssKib: number;
  kibPerSession: number;
  /** Sessions that received the final check publication. */
  receivingAtEnd: number;
  steps: ConnectionStep[];
}

const CHANNELS = 1000;
/** File descriptors the server needs besides its client sockets (listeners, database, stdio, …). */
const FD_HEADROOM = 200;

export async function runConnections(opts: BenchOptions, kind: TargetKind): Promise<ConnectionsResult> {
  const fdLimit = openFilesLimit().soft;
  const bound = Math.min(opts.connections.max, fdLimit - FD_HEADROOM);
  const boundNote =
    bound < opts.connections.max ? `capped at ${bound}: RLIMIT_NOFILE is ${fdLimit} (the container's hard limit; raising it needs CAP_SYS_RESOURCE)` : undefined;
  const names = Array.from({ length: CHANNELS }, (_, i) => `conn-${i}`);
  const target = await startTarget(kind);
  // Each client process stays well below its own descriptor limit.
  const pool = ClientPool.start(Math.max(opts.clientProcesses, Math.ceil(bound / 8000)));
  try {
    await sleep(Math.min(1000, opts.connections.settleMs));
    const idleRssKib = rssKib(target.pid);
    const steps: ConnectionStep[] = [];
    let held = 0;
    let failed = 0;
    let firstError: string | undefined;
    while (held < bound) {
      const n = Math.min(opts.connections.step, bound - held);
      const res = await pool.connect(n, (i) => target.connectSpec(`conn-${i}`, opts.client), names, { concurrency: 64 });
      held += res.ok;
      failed += res.failed;
      firstError ??= res.firstError;
      await sleep(opts.connections.settleMs);
      const rss = rssKib(target.pid);
      steps.push({ sessions: held, rssKib: rss, kibPerSession: round((rss - idleRssKib) / Math.max(1, held), 2), connectMs: res.ms });
      if (res.failed > n * 0.01) break;
    }

    // Every session should still be live: one publication per channel, 100 channels per call.
    pool.reset();
    const publisher = createPublisher(target.baseUrl, BENCH_APP_ID, BENCH_API_KEY);
    for (let i = 0; i < names.length; i += 100) await publisher.publish(names.slice(i, i + 100), 'bench', payload(i, opts));
    publisher.close();
    let receivingAtEnd = 0;
    for (let tries = 0; tries < 40 && receivingAtEnd < held; tries++) {
      await sleep(250);
      receivingAtEnd = (await pool.stats()).received;
    }
    const last = steps.at(-1);
    return {
      target: kind,
      bound,
      boundNote,
      held,
      failed,
      firstError,
      idleRssKib,
      rssKib: last?.rssKib ?? idleRssKib,
      kibPerSession: last?.kibPerSession ?? 0,
      receivingAtEnd,
      steps,
    };
  } finally {
    await pool.close();
    await target.stop();
    await sleep(Math.min(1000, opts.connections.settleMs));
  }
}
