/**
 * `npx tsx scripts/measure-start.ts [runs] [-- command…]`: how long `npm start` (or the given command)
 * takes to answer `/health`, which processes it runs, and their resident memory after 5 s idle.
 * Each run gets a free port and a fresh DATA_DIR; the first run is reported separately (cold caches,
 * a build when dist/ is stale), the others are warm starts. Linux only (reads /proc).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processTree, type Proc } from './process-tree.ts';

const IDLE_MS = 5000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function measure(command: string[]): Promise<{ ms: number; tree: Proc[] }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-measure-'));
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, APP_ID: 'demo', APP_API_KEY: 'measure-key-0123456789' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode}`);
      if (performance.now() - started > 60_000) throw new Error('no /health within 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const ms = performance.now() - started;
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return { ms, tree: processTree(child.pid!) };
  } finally {
    // The whole group: npm does not always pass the signal on.
    process.kill(-child.pid!, 'SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dash = args.indexOf('--');
  const runs = Number(dash === 0 ? 3 : (args[0] ?? 3));
  const command = dash === -1 ? ['npm', 'start'] : args.slice(dash + 1);
  for (let i = 0; i < runs; i++) {
    const { ms, tree } = await measure(command);
    const total = tree.reduce((sum, p) => sum + p.rssKiB, 0);
    console.log(`${i === 0 ? 'first' : 'warm '} run: /health after ${Math.round(ms)} ms; ${tree.length} processes, ${Math.round(total / 1024)} MiB RSS in all`);
    for (const p of tree) console.log(`  ${String(p.pid).padStart(7)} ${String(Math.round(p.rssKiB / 1024)).padStart(4)} MiB  ${p.name.slice(0, 110)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
