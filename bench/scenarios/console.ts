/**
 * Scenario: the fan-out scenario on Parley with one operator console streaming the same app's debug
 * activity (`GET /admin/api/apps/{app}/activity`, read in the harness as a browser would), next to the
 * same run with no console. Rounds alternate (none, console, none, console, …) so that drift on a
 * shared machine falls on both sides; the figure is the mean of each side and their ratio (target ≥ 95 %).
 */
import type { ActivityFrame } from '@parley/protocol';
import { sleep } from '../lib/proc.ts';
import type { BenchOptions } from '../options.ts';
import { measureFanout, type FanoutResult } from './fanout.ts';
import { round, withTarget } from './run-target.ts';

/** The admin token of the bench's Parley (the console's bearer token). */
const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';
/** Watching must cost at most this share of the fan-out (the "≥ 95 %"). */
export const CONSOLE_TARGET_RATIO = 0.95;

/** What the console received during one run. */
export interface ConsoleStreamStats {
  frames: number;
  events: number;
  /** Left out by the node's sampling (it keeps at most a few hundred events per second per app). */
  droppedSource: number;
  /** Left out because the console fell behind. */
  droppedConsole: number;
}

export interface ConsoleResult {
  subscribers: number;
  runs: Array<{ console: boolean; run: FanoutResult; stream?: ConsoleStreamStats }>;
  /** Mean deliveries/s without and with the console. */
  none: number;
  watched: number;
  ratio: number;
}

/** Opens the debug stream and counts what it brings until closed. */
async function openConsole(baseUrl: string, appId: string): Promise<{ stats: ConsoleStreamStats; close(): void }> {
  const abort = new AbortController();
  const res = await fetch(`${baseUrl}/admin/api/apps/${appId}/activity`, { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` }, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`console stream: ${res.status} ${await res.text()}`);
  const stats: ConsoleStreamStats = { frames: 0, events: 0, droppedSource: 0, droppedConsole: 0 };
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let i: number;
        while ((i = buffer.indexOf('\n')) >= 0) {
          const frame = JSON.parse(buffer.slice(0, i)) as ActivityFrame;
          buffer = buffer.slice(i + 1);
          stats.frames++;
          if (frame.type !== 'activity') continue;
          stats.events += frame.events.length;
          stats.droppedSource += frame.dropped.source;
          stats.droppedConsole += frame.dropped.console;
        }
      }
    } catch {
      // closed by us
    }
  })();
  return { stats, close: () => abort.abort() };
}

async function once(opts: BenchOptions, subscribers: number, watched: boolean) {
  return withTarget(
    'parley',
    opts.clientProcesses,
    async (target, pool) => {
      // Open before the subscribers connect: their connects and subscribes are watched too.
      const console = watched ? await openConsole(target.baseUrl, target.appId) : undefined;
      try {
        const run = await measureFanout(opts, subscribers, pool, target, (i) => target.connectSpec(`console-${i}`, opts.client));
        // The last batches on their way.
        if (console) await sleep(300);
        return { console: watched, run, stream: console ? { ...console.stats } : undefined };
      } finally {
        console?.close();
      }
    },
    { env: { ADMIN_TOKEN: BENCH_ADMIN_TOKEN } },
  );
}

export async function runConsole(opts: BenchOptions, subscribers: number): Promise<ConsoleResult> {
  const runs: ConsoleResult['runs'] = [];
  for (let i = 0; i < opts.console.rounds; i++) {
    runs.push(await once(opts, subscribers, false));
    runs.push(await once(opts, subscribers, true));
  }
  const mean = (watched: boolean) => {
    const side = runs.filter((r) => r.console === watched);
    return side.reduce((n, r) => n + r.run.deliveriesPerSecond, 0) / side.length;
  };
  const none = mean(false);
  const watched = mean(true);
  return { subscribers, runs, none: round(none), watched: round(watched), ratio: round(watched / none, 3) };
}
