/**
 * Runs Parley as a real child process, as an operator would, for cluster, crash, shutdown and start-up
 * tests: from the TypeScript sources (`node --import tsx packages/server/src/main.ts`, the default) or
 * from the production build (`node scripts/start.js`, what `npm start` runs; it builds dist/ first when
 * the sources changed). Output is kept for failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface NodeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface NodeOptions {
  /** `sources` (default): TypeScript through tsx. `build`: the production build, as `npm start` runs it. */
  entry?: 'sources' | 'build';
  /** Directory of the checkout to run (default: this one). */
  cwd?: string;
}

// node itself runs the server (tsx as a loader), so a signal reaches the server, not a wrapper process.
function serverArgs(entry: NodeOptions['entry']): string[] {
  return entry === 'build' ? ['scripts/start.js'] : ['--import', 'tsx', 'packages/server/src/main.ts'];
}

export interface NodeRun {
  /** The exit code, the signal name, or `timeout` when it did not end in time (it was killed). */
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs a server that is expected to stop by itself (a start-up failure); kills it after `timeoutMs`. */
export function runNodeToExit(env: Record<string, string>, timeoutMs = 20_000, options: NodeOptions = {}): Promise<NodeRun> {
  const child = spawn(process.execPath, serverArgs(options.entry), {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? 'timeout' : (code ?? signal ?? -1), stdout, stderr });
    });
  });
}

export async function startNode(env: Record<string, string>, port?: number, options: NodeOptions = {}): Promise<NodeProcess> {
  const p = port ?? (await freePort());
  let out = '';
  const child = spawn(process.execPath, serverArgs(options.entry), {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(p), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = `http://127.0.0.1:${p}`;
  // A build first (entry `build`, changed sources) takes a few seconds more on a busy machine.
  const deadline = Date.now() + (options.entry === 'build' ? 60_000 : 30_000);
  for (;;) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`node on port ${p} did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    url,
    port: p,
    child,
    output: () => out,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
