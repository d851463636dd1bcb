/**
 * Scenario: start and memory at rest of the production build, as an operator runs it (issue 19, after
 * the production-build issue): `node scripts/start.js` — what `npm start` execs — on a fresh data
 * directory (SQLite, migrations included), `rounds` times. Start is from the spawn to the first
 * `/health` 200 (polled every 5 ms); memory at rest is the RSS after `restMs` of idling with nothing
 * connected. dist/ is built first when it is missing or stale (not timed). No baseline: the bare
 * socket.io and ws servers run from source under tsx and have no build.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuild } from '../../scripts/build.js';
import { freePort, stopChild } from '../lib/children.ts';
import { rssKib, sleep } from '../lib/proc.ts';
import { BENCH_API_KEY, BENCH_APP_ID } from '../lib/targets.ts';
import type { BenchOptions } from '../options.ts';
import { round } from './run-target.ts';

export interface StartResult {
  rounds: number;
  /** Spawn → first /health 200, ms: each round, and their median. */
  startMs: number[];
  medianStartMs: number;
  /** RSS after resting, MiB: each round, and their median. */
  restRssMiB: number[];
  medianRestRssMiB: number;
  restMs: number;
}

const ROOT = new URL('../../', import.meta.url).pathname;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runStart(opts: BenchOptions): Promise<StartResult> {
  ensureBuild((line: string) => process.stdout.write(`${line}\n`));
  const { rounds, restMs } = opts.start;
  const startMs: number[] = [];
  const restRssMiB: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-start-'));
    const port = await freePort();
    const spawned = performance.now();
    const child = spawn(process.execPath, [join(ROOT, 'scripts/start.js')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: '', DATA_DIR: dataDir, APP_ID: BENCH_APP_ID, APP_API_KEY: BENCH_API_KEY, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    try {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`the production build exited with ${child.exitCode} during start`);
        if (performance.now() - spawned > 60_000) throw new Error('the production build did not answer /health within 60 s');
        if (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)) break;
        await sleep(5);
      }
      startMs.push(round(performance.now() - spawned, 1));
      await sleep(restMs);
      restRssMiB.push(round(rssKib(child.pid!) / 1024, 1));
    } finally {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return { rounds, startMs, medianStartMs: median(startMs), restRssMiB, medianRestRssMiB: median(restRssMiB), restMs };
}
