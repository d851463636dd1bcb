/**
 * The servers under test, each in its own process: Parley (its real main.ts), a bare socket.io server and
 * a bare ws server. A Target knows how a load client reaches it and how big its process is.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectSpec, ReadyMessage } from './ipc.ts';
import { forkTs, freePort, nextMessage, stopChild } from './children.ts';
import { sleep } from './proc.ts';
import { postJson } from './publisher.ts';

export type TargetKind = 'parley' | 'socketio' | 'ws';
export const TARGET_LABELS: Record<TargetKind, string> = { parley: 'Parley', socketio: 'bare socket.io', ws: 'bare ws' };

/** `thin`: the cheap wire-level client (lib/ipc.ts `eio`); `socket.io-client`: the real `io(url)`. */
export type ClientMode = 'thin' | 'socket.io-client';

export const BENCH_APP_ID = 'bench';
export const BENCH_API_KEY = 'benchkey';

export interface Target {
  kind: TargetKind;
  pid: number;
  baseUrl: string;
  /** How a client connects as `user` (Parley hands out a signed access URL). */
  connectSpec(user: string, mode: ClientMode): Promise<ConnectSpec>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Node flags for the server process (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Extra server environment, e.g. DATABASE_URL for Parley. */
  env?: Record<string, string>;
}

export async function startTarget(kind: TargetKind, options: StartOptions = {}): Promise<Target> {
  return kind === 'parley' ? startParley(options) : startBaseline(kind, options);
}

async function startBaseline(kind: 'socketio' | 'ws', options: StartOptions): Promise<Target> {
  const child = forkTs(`baselines/${kind === 'ws' ? 'ws' : 'socketio'}-server.ts`, { nodeFlags: options.nodeFlags, env: { PORT: '0' } });
  const { port } = await nextMessage<ReadyMessage, 'ready'>(child, 'ready', 30_000);
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    kind,
    pid: child.pid!,
    baseUrl,
    async connectSpec(_user, mode) {
      if (kind === 'ws') return { protocol: 'ws', url: `ws://127.0.0.1:${port}/` };
      if (mode === 'socket.io-client') return { protocol: 'sio', url: baseUrl };
      return { protocol: 'eio', url: `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket` };
    },
    stop: () => stopChild(child),
  };
}

async function startParley(options: StartOptions): Promise<Target> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const child = forkTs('targets/parley-entry.ts', {
    nodeFlags: options.nodeFlags,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: '',
      DATA_DIR: dataDir,
      APP_ID: BENCH_APP_ID,
      APP_API_KEY: BENCH_API_KEY,
      DATABASE_URL: '',
      REDIS_URL: '',
      ...options.env,
    },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitHealthy(child, baseUrl);
  return {
    kind: 'parley',
    pid: child.pid!,
    baseUrl,
    async connectSpec(user, mode) {
      const res = await postJson(`${baseUrl}/v2/auth/${BENCH_APP_ID}/access`, { user, channels: [] }, { 'x-nhn-apikey': BENCH_API_KEY });
      if (res.status !== 200) throw new Error(`Parley access URL: ${res.status} ${JSON.stringify(res.body)}`);
      const access = new URL((res.body as { url: string }).url);
      if (mode === 'socket.io-client') return { protocol: 'sio', url: access.toString() };
      // The thin client joins namespace `/` (served like `/socket.io/1/`) with the access query in the handshake.
      const ws = new URL(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
      access.searchParams.forEach((v, k) => ws.searchParams.set(k, v));
      return { protocol: 'eio', url: ws.toString() };
    },
    async stop() {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitHealthy(child: ChildProcess, baseUrl: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`Parley exited with ${child.exitCode} during start`);
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`Parley did not answer /health within ${ms} ms`);
}
